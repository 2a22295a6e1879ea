"""Fuzz attn-opt, attn-translate and attn-run with mutated IR
(``attn_ir.testing.fuzzing``): every case must succeed or print a diagnostic and
exit 1 — no traceback, no hang, no half-written output.

    python bench/fuzz.py --cases 10000
    python bench/fuzz.py --cases 2000 --seed 3 --json --save-failures /tmp/fuzz
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from attn_ir.testing.fuzzing import fuzz


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per case")
    parser.add_argument("--subprocess-every", type=int, default=100,
                        help="run every N-th case as a real subprocess (0: never)")
    parser.add_argument("--save-failures", metavar="DIR",
                        help="write each failing input and its stderr here")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    def progress(n, totals):
        if sys.stderr.isatty() and not args.json:
            print(f"\r{n}/{args.cases} cases, {totals.problems} problems", end="",
                  file=sys.stderr)

    start = time.perf_counter()
    totals = fuzz(args.cases, args.seed, args.timeout, args.subprocess_every,
                  progress=progress)
    elapsed = time.perf_counter() - start
    if sys.stderr.isatty() and not args.json:
        print(file=sys.stderr)
    if args.save_failures:
        os.makedirs(args.save_failures, exist_ok=True)
        for n, outcome in enumerate(totals.failures):
            base = os.path.join(args.save_failures, f"failure-{n}")
            with open(base + ".mlir", "w", encoding="utf-8") as f:
                f.write(outcome.case.text)
            with open(base + ".txt", "w", encoding="utf-8") as f:
                f.write(f"{outcome.case.tool} {' '.join(outcome.case.args)}\n"
                        f"problem: {outcome.problem}\n{outcome.stderr}")
    figures = {
        "cases": totals.cases, "tracebacks": totals.tracebacks, "timeouts": totals.timeouts,
        "other_problems": totals.problems - totals.tracebacks - totals.timeouts,
        "by_tool": totals.by_tool, "exit_codes": totals.exit_codes,
        "seconds": round(elapsed, 1),
        "first_failures": [{"tool": o.case.tool, "args": o.case.args, "problem": o.problem,
                            "stderr": o.stderr[-400:]} for o in totals.failures[:5]],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"cases       {totals.cases}  ({elapsed:.0f} s, "
              f"{elapsed / max(1, totals.cases) * 1000:.0f} ms a case)")
        print(f"tracebacks  {totals.tracebacks}")
        print(f"timeouts    {totals.timeouts}")
        print(f"other       {figures['other_problems']}")
        print("by tool     " + ", ".join(f"{k} {v}" for k, v in totals.by_tool.items()))
        print("exit codes  " + ", ".join(f"{k}: {v}" for k, v in totals.exit_codes.items()))
        for o in totals.failures[:5]:
            print(f"  {o.case.tool} {' '.join(o.case.args)}: {o.problem}: "
                  f"{o.stderr.strip().splitlines()[-1] if o.stderr.strip() else ''}")
    return 1 if totals.problems else 0


if __name__ == "__main__":
    sys.exit(main())
