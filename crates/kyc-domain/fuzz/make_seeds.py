#!/usr/bin/env python3
"""Writes the seed corpus of the `walker_vs_decoder` fuzz target (run once; the files are committed).

    python3 crates/kyc-domain/fuzz/make_seeds.py

PNGs are built with the standard library (zlib, struct); JPEGs with libjpeg-turbo's `cjpeg`
(Debian: libjpeg-turbo-progs) from a PPM made here, then patched by hand where a seed needs
a header no encoder writes. Every file stays under 20 KB.
"""

import os
import random
import struct
import subprocess
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "walker_vs_decoder")


def ppm(w, h, seed=7):
    """A photo-like picture: smooth gradients and mild noise."""
    rnd = random.Random(seed)
    px = bytearray()
    for y in range(h):
        for x in range(w):
            n = rnd.randint(-3, 3)
            px += bytes(
                (
                    max(0, min(255, (x * 255) // w + n)),
                    max(0, min(255, (y * 255) // h + n)),
                    max(0, min(255, ((x + y) * 127) // (w + h) + 64 + n)),
                )
            )
    return b"P6\n%d %d\n255\n" % (w, h) + bytes(px)


def cjpeg(w, h, *flags, quality=40):
    return subprocess.run(
        ["cjpeg", "-quality", str(quality), *flags], input=ppm(w, h), stdout=subprocess.PIPE, check=True
    ).stdout


def segments(jpeg):
    """(offset of the 0xFF, marker) of every marker segment before the first scan's data."""
    i, out = 2, []
    while i < len(jpeg):
        assert jpeg[i] == 0xFF
        marker = jpeg[i + 1]
        out.append((i, marker))
        length = struct.unpack(">H", jpeg[i + 2 : i + 4])[0]
        if marker == 0xDA:
            break
        i += 2 + length
    return out


def sof_offset(jpeg):
    return next(off for off, m in segments(jpeg) if m in (0xC0, 0xC1, 0xC2, 0xC9))


def with_dims(jpeg, w, h):
    """The same JPEG with its frame header claiming w x h."""
    b = bytearray(jpeg)
    off = sof_offset(b)
    b[off + 5 : off + 9] = struct.pack(">HH", h, w)
    return bytes(b)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(w, h, idat, colour=2, depth=8):
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def gradient_png(w, h):
    rows, prev = bytearray(), None
    for y in range(h):
        row = bytearray()
        for x in range(w):
            row += bytes((x * 255 // w, y * 255 // h, 128))
        if prev is None:
            rows += b"\x00" + row  # filter: none
        else:
            rows += b"\x02" + bytes((a - b) & 0xFF for a, b in zip(row, prev))  # filter: up
        prev = row
    return png(w, h, zlib.compress(bytes(rows), 9))


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    seeds["baseline_640x480.jpg"] = cjpeg(640, 480)
    seeds["progressive_640x480.jpg"] = cjpeg(640, 480, "-progressive")
    seeds["gradient_480x480.png"] = gradient_png(480, 480)

    # A 600x600 frame, its scan, then a second frame header of 60000x60000 and a scan for it.
    base = cjpeg(600, 600)
    assert base.endswith(b"\xff\xd9")
    segs = segments(base)
    sof = sof_offset(base)
    sof_seg = bytearray(base[sof : sof + 2 + struct.unpack(">H", base[sof + 2 : sof + 4])[0]])
    sof_seg[5:9] = struct.pack(">HH", 60000, 60000)
    sos = next(off for off, m in segs if m == 0xDA)
    sos_seg = base[sos : sos + 2 + struct.unpack(">H", base[sos + 2 : sos + 4])[0]]
    seeds["second_sof_60000x60000.jpg"] = base[:-2] + bytes(sof_seg) + sos_seg + b"\x12\x34\x56\x78" * 8 + b"\xff\xd9"

    # Lossless (SOF3): a baseline file whose frame marker says C3 (libjpeg-turbo 2.1 writes no
    # lossless; the header is what matters to the walker and to the decoder's header parse).
    small = cjpeg(600, 480)
    b = bytearray(small)
    b[sof_offset(b) + 1] = 0xC3
    seeds["lossless_sof3.jpg"] = bytes(b)

    # Arithmetic-coded (SOF9), really encoded so.
    arith = cjpeg(600, 480, "-arithmetic")
    assert arith[sof_offset(arith) + 1] == 0xC9
    seeds["arithmetic_sof9.jpg"] = arith

    # IHDR says 7000x5000 (35 MP, under the cap) but IDAT holds a few bytes of one row.
    seeds["png_7000x5000_tiny_idat.png"] = png(7000, 5000, zlib.compress(b"\x00" + b"\x80" * 30))

    # A frame header claiming 65000x65000 on a small baseline file.
    seeds["sof_65000x65000.jpg"] = with_dims(small, 65000, 65000)

    for name, data in sorted(seeds.items()):
        assert len(data) < 20_000, (name, len(data))
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
