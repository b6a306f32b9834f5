#!/usr/bin/env python3
"""Expected values for Tests/AttendImageTests/ResampleTests.swift, computed by Pillow itself.

attend's resampler (Sources/AttendImage/Resample.swift) follows Pillow's Image.resize(size,
Image.BILINEAR) step for step, so the two must agree to the byte. This script resizes inputs that
both sides generate from one integer formula and prints the Swift literals the test embeds: whole
outputs for small cases, a CRC-32 of the bytes for large ones.

    python3 -m venv ../pillow-venv && ../pillow-venv/bin/pip install pillow
    ../pillow-venv/bin/python scripts/resize_reference.py
"""
import zlib
import PIL
from PIL import Image


def pattern(width, height):
    """The test input: R, G, B of pixel (x, y) from integer arithmetic only."""
    data = bytearray()
    for y in range(height):
        for x in range(width):
            for c in range(3):
                data.append((x * 7 + y * 13 + c * 101 + (x * y) % 37 + ((x // 5 + y // 3) % 2) * 90) % 256)
    return Image.frombytes("RGB", (width, height), bytes(data))


# Small outputs in full (a failure shows where), the rest as CRC-32s.
SMALL = [((23, 17), (7, 5)), ((23, 17), (1, 1)), ((1, 1), (4, 3)), ((2, 1), (5, 1))]
# Pillow 13 runs the vertical pass first when the height loses more than twice as many pixels as the
# width: (40, 9), (7, 3000) → (224, 224) and (100, 300) → (224, 224) go that way, the rest the other.
LARGE = [((23, 17), (40, 9)), ((23, 17), (3, 30)), ((23, 17), (23, 40)), ((23, 17), (50, 17)),
         ((100, 300), (224, 224)),
         ((500, 375), (224, 224)), ((2000, 1500), (224, 224)), ((224, 224), (448, 300)), ((7, 3000), (224, 224)),
         ((4000, 3000), (224, 224))]

print(f"// Pillow {PIL.__version__}, Image.resize(size, Image.BILINEAR)")
print("let pillowSmall: [(from: (Int, Int), to: (Int, Int), bytes: [UInt8])] = [")
for src, dst in SMALL:
    out = pattern(*src).resize(dst, Image.BILINEAR).tobytes()
    print(f"    (({src[0]}, {src[1]}), ({dst[0]}, {dst[1]}), [{', '.join(str(b) for b in out)}]),")
print("]")
print("let pillowLarge: [(from: (Int, Int), to: (Int, Int), crc32: UInt32)] = [")
for src, dst in LARGE:
    out = pattern(*src).resize(dst, Image.BILINEAR).tobytes()
    print(f"    (({src[0]}, {src[1]}), ({dst[0]}, {dst[1]}), 0x{zlib.crc32(out):08X}),")
print("]")
