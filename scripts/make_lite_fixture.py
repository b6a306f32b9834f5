#!/usr/bin/env python3
"""Checks of attend's EfficientNet-Lite encoders (Lite0, Lite1, Lite2) against the original PyTorch network
(../shared/bench/torch_lite0.py, TensorFlow's Lite in PyTorch) on the exact pixels attend feeds its encoder, for the
Swift tests Tests/AttendModelTests/LiteImageNetTests.swift and LiteVariantTests.swift. Three fixtures:

imagenet MODEL: the network with a model file's encoder weights on each sample photo: a strided sample of the head's
grid, its 1280 features averaged over the grid (the classifier's input) and the top-6 ImageNet classes with their
logits (with --classifier-rows also the classifier rows that make them, for a model file whose classifier is not the
package's f32 one). The shipped default stores its weights as f16, so the reference uses exactly those values; the
script also reports how far the package's original f32 weights are from them.

    ../torch-peer/bin/python scripts/make_lite_fixture.py imagenet models/default.attend --classifier-rows \\
        --out Tests/AttendModelTests/Fixtures/lite0_imagenet.json
    ../torch-peer/bin/python scripts/import_lite.py --variant lite2 /tmp/lite2.attend
    ../torch-peer/bin/python scripts/make_lite_fixture.py imagenet /tmp/lite2.attend \\
        --out Tests/AttendModelTests/Fixtures/lite2_imagenet.json

random: seeded random models of the lite1 and lite2 configurations (`attend random-model`, weights the Swift test
makes again from the seed) through the PyTorch network in float64 on one photo (and through scripts/
reference_forward.py's numpy encoder, which must agree): no real weights needed in the repository.

    ../torch-peer/bin/python scripts/make_lite_fixture.py random --out Tests/AttendModelTests/Fixtures/lite_random.json

shapes: every tensor of the three packages' state dicts (but the classifier), named as attend names them, with
its shape: the blocks each variant's table must give.

    ../torch-peer/bin/python scripts/make_lite_fixture.py shapes --out Tests/AttendModelTests/Fixtures/lite_shapes.json
"""
import argparse, json, os, subprocess, sys, tempfile
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "shared", "bench"))
sys.path.insert(0, HERE)
from reference_forward import load_model, encoder as reference_encoder  # noqa: E402  (docs/MODEL_FORMAT.md)
from import_lite import package_weights  # noqa: E402

PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"]
GRID_STRIDE = 61          # the grids' sample: every 61st value of (L, C), so every cell and many channels
RANDOM_SEED, RANDOM_VOCABULARY = 7, 8


def variant_of(header):
    family = header["config"]["encoder"]["family"]
    assert family.startswith("efficientnet-lite") and header["config"]["encoder"]["tap"] == "head", family
    return family[len("efficientnet-"):]


def network_from_model_file(tensors, variant="lite0"):
    import torch
    from torch_lite0 import Lite0
    net = Lite0(variant).eval()

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
    assert sum(1 for name in tensors if name.startswith("encoder.")) == 5 * (2 + sum(
        3 if block.expand is not None else 2 for block in net.blocks)), "the model file has other tensors"
    return net


def pixels(attend, photo, side, tmp):
    """The photo as attend feeds its encoder: (1, 3, S, S), (v − 127) / 128."""
    import torch
    from PIL import Image
    path = os.path.join(tmp, photo + f"-{side}.png")
    subprocess.run([attend, "preprocess", os.path.join(HERE, "..", "samples", photo), "--size", str(side),
                    "--out", path], check=True)
    values = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
    return torch.from_numpy((values - 127) / 128).permute(2, 0, 1)[None]


def rounded(values):
    return [float("%.7g" % v) for v in values]


def imagenet_photo(photo, x, net, original, fc_weight, fc_bias, rows):
    """One photo's record: the grid's sample, pooled features, top-6 logits (and rows)."""
    import torch
    with torch.no_grad():
        grid = net(x, "head")[0].double().numpy()                              # (L, 1280)
        pooled_original = original(x, "head")[0].double().mean(0).numpy()
    pooled = grid.mean(0)
    logits = fc_weight @ pooled + fc_bias
    logits_original = fc_weight @ pooled_original + fc_bias
    top = [int(i) for i in np.argsort(-logits)[:6]]
    top_original = [int(i) for i in np.argsort(-logits_original)[:5]]
    print(f"{photo}: top-5 {top[:5]} (package f32 weights: {top_original}); logits relative difference "
          f"model file's weights vs the package's {np.abs(logits - logits_original).max() / np.abs(logits_original).max():.2e}")
    record = {"file": photo, "pooled": rounded(pooled), "top": top, "logits": rounded(logits[top]),
              "top5_with_package_f32_weights": top_original, "grid_stride": GRID_STRIDE,
              "grid": rounded(grid.reshape(-1)[::GRID_STRIDE])}
    if rows:
        record["classifier_rows"] = [rounded(fc_weight[i]) for i in top]
        record["classifier_bias"] = rounded(fc_bias[top])
    return record


def imagenet(a):
    import torch
    from torch_lite0 import Lite0
    header, tensors, _ = load_model(a.model)
    variant, side = variant_of(header), header["config"]["encoder"]["imageSize"]
    net = network_from_model_file(tensors, variant)
    original = Lite0(variant).eval()
    assert original.load_package_weights()
    package = torch.load(package_weights(variant)[0], map_location="cpu")
    fc_weight, fc_bias = package["_fc.weight"].numpy().astype(np.float64), package["_fc.bias"].numpy().astype(np.float64)
    result = {"model_encoder": header["config"]["encoder"], "photos": []}
    with tempfile.TemporaryDirectory() as tmp:
        for photo in PHOTOS:
            x = pixels(a.attend, photo, side, tmp)
            result["photos"].append(imagenet_photo(photo, x, net, original, fc_weight, fc_bias, a.classifier_rows))
    return result


def random_weights(a):
    """Seeded random lite1 (240 px) and lite2 (260 px) models through the PyTorch network in float64."""
    import torch
    result = {"seed": RANDOM_SEED, "vocabulary_size": RANDOM_VOCABULARY, "photo": "chelsea.png", "models": []}
    with tempfile.TemporaryDirectory() as tmp:
        for config in ("lite1", "lite2"):
            path = os.path.join(tmp, config + ".attend")
            subprocess.run([a.attend, "random-model", "--config", config, "--seed", str(RANDOM_SEED),
                            "--vocabulary-size", str(RANDOM_VOCABULARY), "--out", path], check=True)
            header, tensors, _ = load_model(path)
            side = header["config"]["encoder"]["imageSize"]
            net = network_from_model_file(tensors, variant_of(header)).double()
            x = pixels(a.attend, result["photo"], side, tmp).double()
            with torch.no_grad():
                grid = net(x, "head")[0].numpy()                                       # (L, 1280)
            # The numpy reference written from docs/MODEL_FORMAT.md must give the same grid.
            numpy_grid = reference_encoder(header["config"], {k: v.astype(np.float64) for k, v in tensors.items()},
                                           x[0].numpy())
            agreement = np.abs(numpy_grid - grid).max() / np.abs(grid).max()
            assert agreement < 1e-9, f"{config}: numpy reference and PyTorch differ by {agreement:.1e}"
            inside = np.mean((grid > 1e-6) & (grid < 6 - 1e-6))
            print(f"{config}: {side} px, grid {grid.shape}, {inside:.0%} of its values strictly inside ReLU6's (0, 6); "
                  f"numpy reference within {agreement:.1e}")
            result["models"].append({"config": config, "encoder": header["config"]["encoder"], "shape": list(grid.shape),
                                     "pooled": rounded(grid.mean(0)), "grid_stride": GRID_STRIDE,
                                     "grid": rounded(grid.reshape(-1)[::GRID_STRIDE])})
    return result


def attend_name(key):
    """The package's state-dict key as attend names the tensor (docs/MODEL_FORMAT.md)."""
    parts = key.split(".")
    if parts[0] == "_blocks":
        conv = {"_expand_conv": "expand", "_bn0": "expand", "_depthwise_conv": "depthwise", "_bn1": "depthwise",
                "_project_conv": "project", "_bn2": "project"}[parts[2]]
        kind = "conv" if parts[2].endswith("_conv") else "bn"
        return f"encoder.blocks.{parts[1]}.{conv}.{kind}.{parts[3]}"
    conv = {"_conv_stem": "stem.conv", "_bn0": "stem.bn", "_conv_head": "head.conv", "_bn1": "head.bn"}[parts[0]]
    return f"encoder.{conv}.{parts[1]}"


def shapes(_):
    import torch
    result = {}
    for variant in ("lite0", "lite1", "lite2"):
        sd = torch.load(package_weights(variant)[0], map_location="cpu")
        result[f"efficientnet-{variant}"] = {attend_name(k): list(v.shape) for k, v in sd.items()
                                             if not k.startswith("_fc.") and not k.endswith("num_batches_tracked")}
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["imagenet", "random", "shapes"])
    ap.add_argument("model", nargs="?", help="imagenet: a model file of an efficientnet-lite family, head tap")
    ap.add_argument("--classifier-rows", action="store_true", help="imagenet: store the top classes' rows too")
    ap.add_argument("--attend", default=os.path.join(HERE, "..", ".build", "release", "attend"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    assert (a.model is not None) == (a.what == "imagenet"), "a model file is for imagenet only"
    result = {"imagenet": imagenet, "random": random_weights, "shapes": shapes}[a.what](a)
    json.dump(result, open(a.out, "w"), separators=(",", ":"))
    print(f"wrote {a.out} ({os.path.getsize(a.out) // 1024} KB)")


if __name__ == "__main__":
    main()
