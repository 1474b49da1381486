#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_frame_decoder into ../corpus (kept in git; the ctest corpus
test replays every file). Independent Python implementation of the framing (COBS + CRC-16/
CCITT-FALSE) so the seeds do not depend on the C code they test.
Optional: a capture of the real firmware's output (from attune-board-sim) as board_capture.bin."""
import os, random, struct, sys

def crc16(d):
    c = 0xFFFF
    for b in d:
        c ^= b << 8
        for _ in range(8):
            c = ((c << 1) ^ 0x1021) & 0xFFFF if c & 0x8000 else (c << 1) & 0xFFFF
    return c

def cobs(d):
    out = bytearray([0]); ci = 0; code = 1
    for b in d:
        if b == 0:
            out[ci] = code; ci = len(out); out.append(0); code = 1
        else:
            out.append(b); code += 1
            if code == 0xFF:
                out[ci] = code; ci = len(out); out.append(0); code = 1
    out[ci] = code
    return bytes(out)

def frame(t, seq, p=b"", version=0x10):
    raw = bytes([version, t, seq]) + p
    c = crc16(raw)
    return cobs(raw + struct.pack("<H", c)) + b"\0"

def pack12(s):
    out = b""
    for i in range(0, len(s) - 1, 2):
        v = s[i] | (s[i + 1] << 12)
        out += bytes([v & 0xFF, (v >> 8) & 0xFF, v >> 16])
    if len(s) % 2:
        out += struct.pack("<H", s[-1])
    return out

def samples(ch, first, s):
    return bytes([ch]) + struct.pack("<I", first) + bytes([len(s)]) + pack12(s)

def info():
    p = bytes([1, 0]) + struct.pack("<I", 1) + b"ATTUNE-B1\0\0\0" + bytes([2])
    p += bytes([0, 1, 1, 10]) + struct.pack("<Hfh", 250, 5000 / 1024 / 1100, 307)
    p += bytes([1, 2, 2, 10]) + struct.pack("<Hfh", 50, 1 / 1023, 0)
    return p

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "corpus")
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(6)
    ecg = [307 + int(200 * (i % 50 == 0)) for i in range(10)]
    seeds = {
        "empty.bin": b"",
        "zeros.bin": b"\0" * 64,
        "info.bin": frame(0x01, 0, info()),
        "samples_ecg.bin": frame(0x02, 1, samples(0, 0, ecg)),
        "samples_odd.bin": frame(0x02, 2, samples(1, 7, [100, 200, 300, 400, 500])),
        "status.bin": frame(0x03, 3, bytes([0x05]) + struct.pack("<HIH", 3900, 12, 0)),
        "ack.bin": frame(0x04, 4, bytes([0x10, 9, 0])),
        "commands.bin": frame(0x10, 0) + frame(0x11, 1) + frame(0x12, 2, bytes([0]) + struct.pack("<H", 500)) + frame(0x13, 3),
        "truncated.bin": frame(0x02, 5, samples(0, 10, ecg))[:12] + frame(0x02, 6, samples(0, 20, ecg)),
        "corrupted.bin": bytes(b ^ (0x10 if i == 8 else 0) for i, b in enumerate(frame(0x02, 7, samples(0, 30, ecg)))),
        "version2.bin": frame(0x04, 8, bytes([0x10, 9, 0]), version=0x20),
        "overlong.bin": bytes(rnd.randrange(1, 256) for _ in range(300)) + b"\0" + frame(0x03, 9, bytes(9)),
        "garbage.bin": bytes(rnd.randrange(256) for _ in range(512)),
        "bad_count.bin": frame(0x02, 10, bytes([0]) + struct.pack("<I", 0) + bytes([200]) + bytes(6)),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    if len(sys.argv) > 1:  # a capture of the firmware's own bytes
        with open(sys.argv[1], "rb") as src, open(os.path.join(out, "board_capture.bin"), "wb") as f:
            f.write(src.read()[:8192])

if __name__ == "__main__":
    main()
