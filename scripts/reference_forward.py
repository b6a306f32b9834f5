#!/usr/bin/env python3
"""Independent numpy reference of attend's forward pass, for the golden test fixture.

Reads a model file by docs/MODEL_FORMAT.md (not by any Swift code), runs the encoder of its family (scratch or
efficientnet-lite0, -lite1, -lite2; batch norm from its running statistics, not folded), the projection, the
soft-attention decoder, greedy decoding and beam search in float64, and writes the results as JSON. The Swift tests compare
against that file and need no Python.

    attend random-model --config tiny --vocabulary-size 24 --seed 6 --out /tmp/tiny.attend
    python3 scripts/reference_forward.py /tmp/tiny.attend --seed 6 --max-words 12 \
        --out Tests/AttendModelTests/Fixtures/reference_tiny.json
    attend random-model --config lite0-tiny --vocabulary-size 24 --seed 7 --out /tmp/lite0-tiny.attend
    python3 scripts/reference_forward.py /tmp/lite0-tiny.attend --config lite0-tiny --seed 7 --max-words 12 \
        --out Tests/AttendModelTests/Fixtures/reference_lite0_tiny.json
"""
import argparse, json, math, struct, sys, zlib
import numpy as np


def load_model(path):
    raw = open(path, "rb").read()
    if raw[:8] != b"ATTENDMF":
        sys.exit(f"{path}: wrong magic")
    version, n = struct.unpack_from("<II", raw, 8)
    assert version in (1, 2, 3, 4, 5), version     # 4: config.attention; 5: presence heads (not read here)
    header = json.loads(raw[16:16 + n])
    payload = (16 + n + 63) // 64 * 64
    crc = struct.unpack_from("<I", raw, len(raw) - 4)[0]
    assert zlib.crc32(raw[:-4]) == crc, "checksum"
    dtypes = {"f32": "<f4", "f16": "<f2"}
    tensors = {t["name"]: np.frombuffer(raw, dtypes[t["dtype"]], count=int(np.prod(t["shape"])),
                                        offset=payload + t["offset"]).reshape(t["shape"]).astype(np.float64)
               for t in header["tensors"]}
    config = header["config"]
    if "encoder" not in config:                    # version 1: the scratch family's numbers in the config itself
        config["encoder"] = {"family": "scratch", **{k: config.pop(k) for k in
                                                     ("imageSize", "channels", "strides", "poolAfter")}}
        config["projectionSize"] = 0
    return header, tensors, crc


def input_images(batch, size):
    """The fixed inputs both sides generate: value of flat index i in (B, 3, S, S)."""
    i = np.arange(batch * 3 * size * size, dtype=np.int64)
    values = ((i * 7919) % 1013).astype(np.float64) / 506.5 - 1.0
    return values.astype(np.float32).astype(np.float64).reshape(batch, 3, size, size)


def conv3x3(x, w, stride):
    """x (C, H, W), w (O, C, 3, 3), padding 1 → (O, Ho, Wo), by the definition."""
    c, h, wd = x.shape
    padded = np.zeros((c, h + 2, wd + 2))
    padded[:, 1:-1, 1:-1] = x
    ho, wo = (h - 1) // stride + 1, (wd - 1) // stride + 1
    out = np.zeros((w.shape[0], ho, wo))
    for ky in range(3):
        for kx in range(3):
            patch = padded[:, ky:ky + stride * (ho - 1) + 1:stride, kx:kx + stride * (wo - 1) + 1:stride]
            out += np.einsum("oc,chw->ohw", w[:, :, ky, kx], patch)
    return out


def scratch_encoder(config, t, image):
    config = config["encoder"]
    x = image
    for s in range(len(config["channels"])):
        p = f"encoder.stage{s + 1}"
        x = conv3x3(x, t[p + ".conv.weight"], config["strides"][s])
        scale = t[p + ".bn.weight"] / np.sqrt(t[p + ".bn.running_var"] + 1e-5)
        x = (x - t[p + ".bn.running_mean"][:, None, None]) * scale[:, None, None] + t[p + ".bn.bias"][:, None, None]
        x = np.maximum(x, 0)
        if config["poolAfter"][s]:
            c, h, w = x.shape
            x = x[:, :h // 2 * 2, :w // 2 * 2].reshape(c, h // 2, 2, w // 2, 2).max(axis=(2, 4))
    d = x.shape[0]
    return x.reshape(d, -1).T                      # (L, D)


# EfficientNet-Lite by its definition: TensorFlow "SAME" padding, batch norm eps 1e-3, ReLU6.
LITE0_STAGES = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
                (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]
LITE_SCALING = {"efficientnet-lite0": (1.0, 1.0), "efficientnet-lite1": (1.0, 1.1), "efficientnet-lite2": (1.1, 1.2)}


def lite_stages(family):
    """Lite0's stages scaled by the family's width and depth coefficients (docs/MODEL_FORMAT.md)."""
    width, depth = LITE_SCALING[family]
    stages = []
    for i, (repeats, k, stride, e, cout) in enumerate(LITE0_STAGES):
        c = max(8, int(cout * width + 4) // 8 * 8)
        c = c + 8 if c < 0.9 * cout * width else c
        stages.append((repeats if i in (0, len(LITE0_STAGES) - 1) else math.ceil(repeats * depth), k, stride, e, c))
    return stages


def same_pad(x, k, s):
    """x (C, H, W) padded as TensorFlow's SAME: output ceil(H / s); the odd extra row/column at the end."""
    _, h, w = x.shape
    ph = max((-(-h // s) - 1) * s + k - h, 0)
    pw = max((-(-w // s) - 1) * s + k - w, 0)
    return np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)))


def conv(x, w, s, depthwise=False):
    """x (C, H, W), w (O, C, k, k) or depthwise (C, 1, k, k), SAME → (O, ceil(H/s), ceil(W/s))."""
    k = w.shape[-1]
    p = same_pad(x, k, s)
    ho, wo = -(-x.shape[1] // s), -(-x.shape[2] // s)
    out = np.zeros((w.shape[0], ho, wo))
    for ky in range(k):
        for kx in range(k):
            patch = p[:, ky:ky + s * (ho - 1) + 1:s, kx:kx + s * (wo - 1) + 1:s]
            out += w[:, 0, ky, kx][:, None, None] * patch if depthwise else np.einsum("oc,chw->ohw", w[:, :, ky, kx], patch)
    return out


def bn(x, t, prefix, relu6):
    scale = t[prefix + ".bn.weight"] / np.sqrt(t[prefix + ".bn.running_var"] + 1e-3)
    x = (x - t[prefix + ".bn.running_mean"][:, None, None]) * scale[:, None, None] + t[prefix + ".bn.bias"][:, None, None]
    return np.clip(x, 0, 6) if relu6 else x


def lite_encoder(config, t, image):
    tap = config["encoder"]["tap"]
    x = bn(conv(image, t["encoder.stem.conv.weight"], 2), t, "encoder.stem", True)
    cin, i = 32, 0
    for repeats, k, stride, e, cout in lite_stages(config["encoder"]["family"]):
        for r in range(repeats):
            p = f"encoder.blocks.{i}"
            if tap in ("x11", "b10") and i == 11:
                if tap == "x11":
                    x = bn(conv(x, t[p + ".expand.conv.weight"], 1), t, p + ".expand", True)
                return x.reshape(x.shape[0], -1).T
            h = bn(conv(x, t[p + ".expand.conv.weight"], 1), t, p + ".expand", True) if e != 1 else x
            h = bn(conv(h, t[p + ".depthwise.conv.weight"], stride if r == 0 else 1, depthwise=True), t,
                   p + ".depthwise", True)
            h = bn(conv(h, t[p + ".project.conv.weight"], 1), t, p + ".project", False)
            x = h + x if (stride if r == 0 else 1) == 1 and cin == cout else h
            cin, i = cout, i + 1
    x = bn(conv(x, t["encoder.head.conv.weight"], 1), t, "encoder.head", True)
    return x.reshape(x.shape[0], -1).T             # (L, C)


def encoder(config, t, image):
    family = config["encoder"]["family"]
    assert family in LITE_SCALING or family == "scratch", f"unknown encoder family {family}"
    return (lite_encoder if family in LITE_SCALING else scratch_encoder)(config, t, image)


def project(config, t, grid):
    """LayerNorm (eps 1e-5) → linear → ReLU per location, when the model has a projection."""
    if config["projectionSize"] == 0:
        return grid
    mean = grid.mean(axis=1, keepdims=True)
    var = ((grid - mean) ** 2).mean(axis=1, keepdims=True)
    x = (grid - mean) / np.sqrt(var + 1e-5) * t["decoder.project.norm.weight"] + t["decoder.project.norm.bias"]
    return np.maximum(x @ t["decoder.project.weight"].T + t["decoder.project.bias"], 0)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class Decoder:
    def __init__(self, config, t, annotations):
        self.t, self.a = t, annotations            # (L, D)
        self.H = config["hiddenSize"]
        self.projected = annotations @ t["decoder.att_features.weight"].T + t["decoder.att_features.bias"]
        mean = annotations.mean(axis=0)
        self.h0 = np.tanh(t["decoder.init_h.weight"] @ mean + t["decoder.init_h.bias"])
        self.c0 = np.tanh(t["decoder.init_c.weight"] @ mean + t["decoder.init_c.bias"])

    def step(self, prev, h, c):
        t, H = self.t, self.H
        act = np.tanh(self.projected + t["decoder.att_hidden.weight"] @ h + t["decoder.att_hidden.bias"])
        e = act @ t["decoder.att_score.weight"] + t["decoder.att_score.bias"][0]
        alpha = np.exp(e - e.max()); alpha /= alpha.sum()
        beta = sigmoid(t["decoder.beta.weight"] @ h + t["decoder.beta.bias"][0])
        z = beta * (alpha @ self.a)
        emb = t["decoder.embedding"][prev]
        gates = t["decoder.lstm.weight_ih"] @ np.concatenate([emb, z]) + t["decoder.lstm.weight_hh"] @ h \
            + t["decoder.lstm.bias"]
        i, f, g, o = sigmoid(gates[:H]), sigmoid(gates[H:2 * H]), np.tanh(gates[2 * H:3 * H]), sigmoid(gates[3 * H:])
        c2 = f * c + i * g
        h2 = o * np.tanh(c2)
        deep = emb + t["decoder.out_hidden.weight"] @ h2 + t["decoder.out_hidden.bias"] \
            + t["decoder.out_context.weight"] @ z + t["decoder.out_context.bias"]
        logits = t["decoder.out.weight"] @ deep + t["decoder.out.bias"]
        return logits, alpha, beta, h2, c2


def log_softmax(x):
    m = x.max()
    return x - (m + np.log(np.exp(x - m).sum()))


def greedy(dec, max_words):
    h, c, prev, ids, all_logits, alphas, betas = dec.h0, dec.c0, 1, [], [], [], []
    for _ in range(max_words):
        logits, alpha, beta, h, c = dec.step(prev, h, c)
        lp = log_softmax(logits)
        lp[0] = lp[1] = -np.inf                     # <pad> and <start> are never emitted
        prev = int(np.argmax(lp))
        ids.append(prev); all_logits.append(logits.tolist()); alphas.append(alpha.tolist()); betas.append(float(beta))
        if prev == 2:
            break
    return ids, all_logits, alphas, betas


def beam(dec, k, max_words):
    """Up to k live hypotheses; candidates ranked by summed log-probability; <end> moves a hypothesis to the
    finished list; the search stops when k have finished; the winner has the best sum / length."""
    live = [(0.0, [], dec.h0, dec.c0)]
    finished = []
    for _ in range(max_words):
        cands = []
        for hi, (score, ids, h, c) in enumerate(live):
            logits, _, _, h2, c2 = dec.step(ids[-1] if ids else 1, h, c)
            lp = log_softmax(logits)
            for w in range(len(lp)):
                if w in (0, 1):
                    continue
                cands.append((score + lp[w], hi, w, h2, c2))
        cands.sort(key=lambda x: -x[0])
        survivors = []
        for score, hi, w, h2, c2 in cands:
            if len(survivors) == k:
                break
            ids = live[hi][1] + [w]
            if w == 2:
                finished.append((score, ids))
            else:
                survivors.append((score, ids, h2, c2))
        live = [] if len(finished) >= k else survivors
        if not live:
            break
    pool = finished if finished else [(s, ids) for s, ids, _, _ in live]
    score, ids = max(pool, key=lambda x: x[0] / len(x[1]))
    return ids, score / len(ids)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--seed", type=int, required=True, help="the seed the model was made with (recorded)")
    ap.add_argument("--config", default="tiny")
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--max-words", type=int, default=8)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    header, t, crc = load_model(args.model)
    config = header["config"]
    if config.get("attention", "soft") != "soft":
        sys.exit(f"{args.model}: a {config['attention']}-attention model; this reference runs soft attention")
    images = input_images(args.batch, config["encoder"]["imageSize"])
    result = {"config_name": args.config, "seed": args.seed, "vocabulary_size": config["vocabularySize"],
              "model_crc32": crc, "batch": args.batch, "max_words": args.max_words, "images": []}
    for b in range(args.batch):
        feats = encoder(config, t, images[b])
        dec = Decoder(config, t, project(config, t, feats))
        ids, logits, alphas, betas = greedy(dec, args.max_words)
        beam_ids, beam_score = beam(dec, 3, args.max_words)
        result["images"].append({"features": feats.ravel().tolist(), "greedy_ids": ids, "greedy_logits": logits,
                                 "greedy_alphas": alphas, "greedy_betas": betas,
                                 "beam3_ids": beam_ids, "beam3_score": beam_score})
    json.dump(result, open(args.out, "w"))
    print(f"wrote {args.out}: greedy {[im['greedy_ids'] for im in result['images']]}, "
          f"beam3 {[im['beam3_ids'] for im in result['images']]}")


if __name__ == "__main__":
    main()
