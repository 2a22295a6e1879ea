"""CPU benchmark: building a FlexAttention BlockMask from an attn_ir pattern
(``attn_ir.interop.flex.to_block_mask``, from the pattern's closed-form tile
table) against PyTorch's ``create_block_mask`` (which evaluates the
mask_mod on every one of the N x N pairs), at N = 4K, 16K and 64K.

Patterns: causal; Longformer (window 256 each side + token 0 global,
allenai/longformer-base-4096); BigBird ITC (3-block window, 3 random blocks,
first and last block global, block 64, google/bigbird-roberta-base).
B = H = 1, block 128 (FlexAttention's default).  Reported: the minimum of
``--repeat`` builds of ours after a warm-up, one ``create_block_mask`` build
(after a warm-up at a small N) on the same mask_mod, the ratio, and whether
the two BlockMasks' tables are equal.  ``create_block_mask`` needs about 12
bytes per pair (its N x N boolean mask and temporaries): where that exceeds
``--reference-max-gib`` (default: this machine's available memory) it is
not run and the row says why.

    python bench/flex_block_mask.py
    python bench/flex_block_mask.py --json
    python bench/flex_block_mask.py --sizes 4096,16384 --repeat 5

Needs torch (``pip install -e '.[interop]'``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

import torch
from torch.nn.attention.flex_attention import create_block_mask

from attn_ir import patterns as P
from attn_ir.interop import flex

BLOCK = 128
REFERENCE_BYTES_PER_PAIR = 12
"""create_block_mask's peak memory per (query, key) pair, measured at 16K
(2.8 GiB for a causal or Longformer mask on this benchmark's settings)."""
TABLES = ("kv_num_blocks", "kv_indices", "full_kv_num_blocks", "full_kv_indices")


def patterns(n: int) -> dict[str, P.Pattern]:
    return {
        "causal": P.Causal(),
        "longformer": P.Union((P.Window(256, 256), P.Global((0,)))),
        "bigbird": P.Union((P.BlockLocal(64, 1, 1), P.RandomBlocks(64, 3, seed=0),
                            P.Global(tuple(range(64)) + tuple(range(n - 64, n))))),
    }


def available_gib() -> float:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("inf")


def timed(fn, repeat: int):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def run(sizes: list[int], repeat: int, reference_max_gib: float, out=sys.stdout) -> list[dict]:
    """One row per (N, pattern), printed to ``out`` as it is measured."""
    # Warm-ups: the first call of each pays for imports and dispatch set-up.
    for name, p in patterns(1024).items():
        flex.to_block_mask(p, 1, 1, 1024, 1024, BLOCK)
        create_block_mask(flex.mask_mod(p, 1024, 1024), 1, 1, 1024, 1024, device="cpu",
                          BLOCK_SIZE=BLOCK)
    rows = []
    for n in sizes:
        for name, p in patterns(n).items():
            ours_s, ours = timed(lambda: flex.to_block_mask(p, 1, 1, n, n, BLOCK), repeat)
            row = {"pattern": name, "n": n, "block": BLOCK, "ours_ms": ours_s * 1e3,
                   "create_block_mask_ms": None, "speedup": None, "tables_equal": None,
                   "skipped": None}
            need = REFERENCE_BYTES_PER_PAIR * n * n / 2**30
            if need > reference_max_gib:
                row["skipped"] = (f"create_block_mask needs ~{need:.0f} GiB (N x N mask), "
                                  f"limit {reference_max_gib:.0f} GiB")
            else:
                fn = flex.mask_mod(p, n, n)
                ref_s, ref = timed(lambda: create_block_mask(fn, 1, 1, n, n, device="cpu",
                                                             BLOCK_SIZE=BLOCK), 1)
                row["create_block_mask_ms"] = ref_s * 1e3
                row["speedup"] = ref_s / ours_s
                row["tables_equal"] = all(torch.equal(getattr(ours, t), getattr(ref, t))
                                          for t in TABLES)
                del ref
            rows.append(row)
            print(_line(row), file=out, flush=True)
    return rows


def _line(row: dict) -> str:
    ref = ("-" if row["create_block_mask_ms"] is None
           else f"{row['create_block_mask_ms']:.1f}")
    ratio = "-" if row["speedup"] is None else f"{row['speedup']:.0f}x"
    equal = "-" if row["tables_equal"] is None else ("yes" if row["tables_equal"] else "NO")
    note = f"  ({row['skipped']})" if row["skipped"] else ""
    return (f"{row['pattern']:<11} {row['n']:>6} {row['ours_ms']:>10.1f} {ref:>24} "
            f"{ratio:>9} {equal:>7}{note}")


HEADER = (f"{'pattern':<11} {'N':>6} {'ours (ms)':>10} {'create_block_mask (ms)':>24} "
          f"{'speed-up':>9} {'equal':>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    parser.add_argument("--sizes", default="4096,16384,65536",
                        help="Sequence lengths, comma-separated.")
    parser.add_argument("--repeat", type=int, default=3, help="Timed builds of ours.")
    parser.add_argument("--reference-max-gib", type=float, default=None,
                        help="Skip create_block_mask where it would need more memory "
                             "(default: the memory available now).")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    sizes = [int(s) for s in args.sizes.split(",")]
    limit = args.reference_max_gib if args.reference_max_gib is not None else available_gib()
    # With --json the table goes to stderr as progress, the JSON to stdout.
    out = sys.stderr if args.json else sys.stdout
    print(f"FlexAttention BlockMask build on CPU ({torch.get_num_threads()} threads, "
          f"torch {torch.__version__}): B=1, H=1, block {BLOCK}", file=out)
    print(HEADER, file=out)
    rows = run(sizes, args.repeat, limit, out)
    if args.json:
        json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(),
                   "rows": rows}, sys.stdout, indent=1)
        print()


if __name__ == "__main__":
    main()
