#!/usr/bin/env python3
"""Pillow doing the job `attend bench-image` times, on the JPEG it wrote: decode to 224 x 224.

    draft:  Image.draft("RGB", (224, 224)) (libjpeg DCT scaling, the same rule attend uses), then
            resize((224, 224), BILINEAR)
    full:   full-size decode, then the same resize

Both read from bytes in memory, as attend's benchmark does. With --compare, also says how far
Pillow's draft result is from attend's (the PNG that `attend bench-image --out` wrote).

    python3 -m venv ../pillow-venv && ../pillow-venv/bin/pip install pillow
    ../pillow-venv/bin/python scripts/bench_image_pillow.py /tmp/attend-bench-image.jpg --compare /tmp/attend-bench-224.png
"""
import argparse
import io
import statistics
import time

import PIL
from PIL import Image


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("jpeg")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--compare", help="attend's 224 x 224 PNG of the same JPEG")
    args = parser.parse_args()
    data = open(args.jpeg, "rb").read()

    def draft():
        im = Image.open(io.BytesIO(data))
        im.draft("RGB", (224, 224))
        return im.convert("RGB").resize((224, 224), Image.BILINEAR)

    def full():
        im = Image.open(io.BytesIO(data))
        return im.convert("RGB").resize((224, 224), Image.BILINEAR)

    times = {"draft": [], "full": []}
    for i in range(args.repeats + 1):  # alternate; the first round warms up and is not counted
        for name, job in (("draft", draft), ("full", full)):
            t = time.perf_counter()
            job()
            if i > 0:
                times[name].append(time.perf_counter() - t)
    size = Image.open(io.BytesIO(data)).size
    a, b = statistics.median(times["draft"]), statistics.median(times["full"])
    print(f"Pillow {PIL.__version__}, decode to 224x224, {size[0]} x {size[1]} JPEG, median of {args.repeats}:")
    print(f"  draft + resize              {a * 1000:8.2f} ms")
    print(f"  full decode + resize        {b * 1000:8.2f} ms")
    print(f"  speed-up                    {b / a:8.2f}x")
    if args.compare:
        ours = Image.open(args.compare).convert("RGB").tobytes()
        theirs = draft().tobytes()
        diffs = [abs(p - q) for p, q in zip(ours, theirs)]
        same = sum(d == 0 for d in diffs)
        print(f"  vs attend's result          {same}/{len(diffs)} values identical, max difference {max(diffs)}")


if __name__ == "__main__":
    main()
