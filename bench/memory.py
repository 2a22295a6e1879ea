"""Peak memory of each engine on a long sequence: the chunked float64
reference, the NumPy backend and the hardware model (functional and
timing-only), each in its own process, on Longformer's pattern at
N = 65536 (a window of 512, 12 heads, head dim 64, f32).

Reported per engine: the whole process's peak resident memory (ru_maxrss,
inputs and Python included), the part above the process's memory once its
inputs are allocated, and the time.  The bound is 2 GiB of whole-process
peak for every engine.

    python bench/memory.py
    python bench/memory.py --seq-len 16384 --json
    python bench/memory.py --engines numpy,hwmodel-timing
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

BOUND = 2 * 2**30
HEADS, HEAD_DIM, WINDOW = 12, 64, 256
PATTERN = f"#attn.window<left = {WINDOW}, right = {WINDOW}>"
ENGINES = ("reference", "numpy", "hwmodel-timing", "hwmodel")


def _rss_bytes() -> int:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _current_rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def measure(engine: str, n: int) -> dict:
    """Run ``engine`` once at sequence length ``n`` in this process."""
    import numpy as np

    from attn_ir.builder import attention

    module = attention((1, HEADS, n, HEAD_DIM), (1, HEADS, n, HEAD_DIM), pattern=PATTERN)
    inputs = []
    if engine != "hwmodel-timing":
        rng = np.random.default_rng(0)
        inputs = [rng.standard_normal((1, HEADS, n, HEAD_DIM), dtype=np.float32)
                  for _ in range(3)]
    baseline = _current_rss_bytes()
    start = time.perf_counter()
    if engine == "reference":
        from attn_ir import reference

        out = reference.attention(*inputs, PATTERN, dtype=np.float64)
    elif engine == "numpy":
        import attn_ir

        out = attn_ir.compile(module, backend="numpy")(*inputs)
    else:
        from attn_ir import targets as T
        from attn_ir.backends import hwmodel
        from attn_ir.pipeline import parse_pipeline, print_module, process

        lowered = process(print_module(module), "memory",
                          parse_pipeline(T.get_target("salo").default_pipeline())).module
        if engine == "hwmodel":
            (out,), _ = hwmodel.run(lowered, inputs)
        else:
            hwmodel.time_module(lowered)
            out = None
    seconds = time.perf_counter() - start
    peak = _rss_bytes()
    return {"engine": engine, "seq_len": n, "seconds": round(seconds, 2),
            "peak_rss_bytes": peak, "above_inputs_bytes": max(0, peak - baseline),
            "inputs_bytes": sum(a.nbytes for a in inputs),
            "output_finite": None if out is None else bool(np.isfinite(out).all()),
            "under_2gib": peak < BOUND}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seq-len", type=int, default=65536)
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help=f"comma-separated subset of {', '.join(ENGINES)}")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child, args.seq_len)))
        return 0

    rows = []
    for engine in args.engines.split(","):
        if engine not in ENGINES:
            parser.error(f"unknown engine '{engine}'; known: {', '.join(ENGINES)}")
        done = subprocess.run([sys.executable, __file__, "--child", engine,
                               "--seq-len", str(args.seq_len)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            rows.append({"engine": engine, "seq_len": args.seq_len,
                         "error": done.stderr.strip().splitlines()[-1:]})
            continue
        rows.append(json.loads(done.stdout))
    ok = all(r.get("under_2gib") for r in rows)
    if args.json:
        print(json.dumps({"seq_len": args.seq_len, "bound_bytes": BOUND,
                          "engines": {r["engine"]: r for r in rows}, "all_under_2gib": ok},
                         indent=2))
    else:
        gib = 2**30
        print(f"N = {args.seq_len}, {HEADS} heads, head dim {HEAD_DIM}, {PATTERN}, f32")
        print(f"{'engine':<16}{'peak RSS':>10}{'/ 2 GiB':>9}{'above inputs':>14}{'time':>9}")
        for r in rows:
            if "error" in r:
                print(f"{r['engine']:<16}failed: {r['error']}")
                continue
            print(f"{r['engine']:<16}{r['peak_rss_bytes'] / gib:>8.2f} G"
                  f"{r['peak_rss_bytes'] / BOUND:>9.2f}{r['above_inputs_bytes'] / gib:>12.2f} G"
                  f"{r['seconds']:>8.1f}s")
        print("all under 2 GiB" if ok else "some engine is NOT under 2 GiB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
