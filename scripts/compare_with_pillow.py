#!/usr/bin/env python3
"""Real photos through attend and through Pillow: the same pixels?

For each JPEG or PNG in FOLDER (sorted; --limit N for the first N), runs
`attend preprocess IMAGE --size original --out -` (the upright decoded picture) and
`attend preprocess IMAGE --out -` (the 224 x 224 model input), and compares them with Pillow's
ImageOps.exif_transpose(Image.open(IMAGE)).convert("RGB"), and with the same after
Image.draft("RGB", (224, 224)) (DCT scaling, as attend does) and resize((224, 224), BILINEAR).
Run `attend info --check` over the folder first to see warnings. Prints how many pictures were
identical and the largest difference seen. Not a test: it needs Pillow and a folder of photos,
for example ../shared/data/flickr8k/images.

    ../pillow-venv/bin/python scripts/compare_with_pillow.py ../shared/data/flickr8k/images --limit 500
"""
import argparse
import io
import os
import subprocess
import sys

from PIL import Image, ImageOps


def attend_png(binary, path, *extra):
    out = subprocess.run([binary, "preprocess", path, "--out", "-", *extra], capture_output=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.decode().strip())
    return Image.open(io.BytesIO(out.stdout)).convert("RGB")


def max_difference(a, b):
    if a.size != b.size:
        return 256
    return max((abs(p - q) for p, q in zip(a.tobytes(), b.tobytes())), default=0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--attend", default=os.environ.get("ATTEND_BIN", ".build/release/attend"))
    args = parser.parse_args()
    names = sorted(n for n in os.listdir(args.folder) if n.lower().endswith((".jpg", ".jpeg", ".png")))
    if args.limit:
        names = names[: args.limit]
    same = {"original": 0, "224": 0}
    worst = {"original": 0, "224": 0}
    failed = 0
    for name in names:
        path = os.path.join(args.folder, name)
        try:
            ours_full = attend_png(args.attend, path, "--size", "original")
            ours_224 = attend_png(args.attend, path)
        except RuntimeError as error:
            failed += 1
            print(f"{name}: attend failed: {error}", file=sys.stderr)
            continue
        theirs_full = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        drafted = Image.open(path)
        if drafted.format == "JPEG":
            drafted.draft("RGB", (224, 224))
        theirs_224 = ImageOps.exif_transpose(drafted).convert("RGB").resize((224, 224), Image.BILINEAR)
        for key, a, b in (("original", ours_full, theirs_full), ("224", ours_224, theirs_224)):
            d = max_difference(a, b)
            same[key] += d == 0
            worst[key] = max(worst[key], d)
    n = len(names) - failed
    print(f"{len(names)} images, {failed} failed in attend")
    for key in ("original", "224"):
        print(f"  {key:>8}: {same[key]}/{n} identical to Pillow, largest difference {worst[key]}")


if __name__ == "__main__":
    main()
