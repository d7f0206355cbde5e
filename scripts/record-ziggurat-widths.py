"""Recovers numpy's standard_normal layer widths from numpy's own draws: protocol/ziggurat-widths.ts.

numpy's Generator.standard_normal is a 256-layer ziggurat over 52-bit integers. In the common
case it returns x = rabs * w[idx] from one 64-bit draw r (idx = r & 0xff, rabs = the top 52
bits below the sign bit), so w[idx] is the double that, multiplied by rabs and rounded, gives
|x| for every such draw. This script reads the raw 64-bit word of each draw from a copy of the
bit generator, keeps the draws that returned rabs * w[idx] of their first word, and for each
layer picks the double near |x| / rabs that reproduces every kept draw (layer 1 never takes
the fast path: its draws come from the ones that passed the accept test). The constructed
widths of protocol/ziggurat.ts come within a few ulps of these; numpy's differ from the exact
values in the last bits, and bit-for-bit resets need numpy's.

    /usr/bin/python3 scripts/record-ziggurat-widths.py
"""
import math
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "protocol" / "ziggurat-widths.ts"
DRAWS = 400_000
SEARCH_ULPS = 64


def layer_samples():
    """(idx, rabs, |x|) for every draw that returned x = +-rabs * w[idx] of its first 64-bit word.

    That is a draw that consumed one word (the fast path), or two words with idx > 0 (the
    second one a double for the accept test, passed); a rejection would draw a third word,
    and the tail (idx 0) draws at least two doubles after the first word.
    """
    bits = np.random.PCG64(20260101)
    gen = np.random.Generator(bits)
    mirror = np.random.PCG64()
    samples = []
    for _ in range(DRAWS):
        mirror.state = bits.state
        r = int(mirror.random_raw())
        after_one = mirror.state["state"]
        mirror.random_raw()
        x = gen.standard_normal()
        idx = r & 0xFF
        one = bits.state["state"] == after_one
        two = bits.state["state"] == mirror.state["state"] and idx > 0
        rabs = (r >> 9) & 0x000FFFFFFFFFFFFF
        if (one or two) and rabs:
            samples.append((idx, rabs, abs(x)))
    return samples


def width(idx, draws):
    rabs0, x0 = max(draws)
    guess = x0 / rabs0
    for k in range(SEARCH_ULPS + 1):
        for cand in {guess + k * math.ulp(guess), guess - k * math.ulp(guess)}:
            if all(float(rabs) * cand == x for rabs, x in draws):
                return cand
    raise SystemExit(f"layer {idx}: no width within {SEARCH_ULPS} ulps reproduces numpy's draws")


def main():
    by_layer = {i: [] for i in range(256)}
    for idx, rabs, x in layer_samples():
        by_layer[idx].append((rabs, x))
    widths = []
    for idx in range(256):
        if len(by_layer[idx]) < 50:
            raise SystemExit(f"layer {idx}: only {len(by_layer[idx])} usable draws")
        widths.append(width(idx, by_layer[idx]))
    lines = [
        "// numpy's standard_normal layer widths, recovered from numpy's own draws by",
        f"// scripts/record-ziggurat-widths.py (numpy {np.__version__}); generated, do not edit.",
        "export const NUMPY_ZIGGURAT_WIDTHS: readonly number[] = [",
    ]
    lines += [f"  {repr(w)}," for w in widths]
    lines.append("];")
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
