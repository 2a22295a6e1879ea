"""Differential testing at scale: random pattern expressions, shapes, element
types, pipelines and targets (``attn_ir.testing.differential.cases``), each run on
the reference, the interpreter at every level, the NumPy backend and the
hardware model, and compared (``attn_ir.testing.differential.check``).

A mismatch is shrunk by hypothesis to a minimal case and saved as an IR
file in ``--save-dir`` (default ``test/regressions``, which the test suite
replays); the search then goes on with a fresh seed until ``--cases`` cases
have run.

    python bench/differential.py --cases 1000
    python bench/differential.py --cases 200 --seed 7 --json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

from attn_ir.testing.differential import Case, cases, check, save

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000, help="cases to run")
    parser.add_argument("--seed", type=int, default=0, help="first hypothesis seed")
    parser.add_argument("--save-dir", default=str(ROOT / "test" / "regressions"),
                        help="where shrunk mismatches are written")
    parser.add_argument("--no-shrink", action="store_true",
                        help="report a mismatch as drawn, without shrinking it")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    seen: set[Case] = set()
    engines: Counter[str] = Counter()
    targets: Counter[str] = Counter()
    families: Counter[str] = Counter()
    saved: list[str] = []
    mismatches = 0
    limitations = 0
    next_seed = args.seed
    start = time.perf_counter()
    progress = sys.stderr.isatty() and not args.json

    while len(seen) < args.cases:
        before = len(seen)
        failing: list[tuple[Case, list[str]]] = []

        @settings(max_examples=args.cases - len(seen) + 10, database=None, deadline=None,
                  derandomize=False, report_multiple_bugs=False,
                  phases=[Phase.generate] if args.no_shrink else [Phase.generate, Phase.shrink],
                  suppress_health_check=list(HealthCheck))
        @seed(next_seed)  # a reproducible search per seed
        @given(cases())
        def run(case: Case) -> None:
            nonlocal limitations
            result = check(case)
            if case not in seen and len(seen) < args.cases:
                seen.add(case)
                engines.update(result.engines)
                targets[case.target or "none"] += 1
                families.update(_families(case.pattern))
                limitations += bool(result.limitations)
                if progress:
                    print(f"\r{len(seen)}/{args.cases} cases", end="", file=sys.stderr)
            if result.mismatches:
                failing.append((case, [str(m) for m in result.mismatches]))
                raise AssertionError("; ".join(str(m) for m in result.mismatches))

        try:
            run()
        except AssertionError:
            case, messages = failing[-1]  # hypothesis replays the minimal case last
            path = save(case, args.save_dir, "\n".join(messages))
            mismatches += 1
            if str(path) not in saved:  # the same shrunk case is saved once
                saved.append(str(path))
            if not args.json:
                print(f"\nmismatch, saved to {path}:", *messages, sep="\n  ",
                      file=sys.stderr)
        next_seed += 1
        if len(seen) == before:
            break  # the search has nothing new to draw
    elapsed = time.perf_counter() - start
    if progress:
        print(file=sys.stderr)

    figures = {
        "cases": len(seen), "mismatches": mismatches, "saved": saved,
        "target_limitations": limitations,
        "engine_runs": dict(sorted(engines.items())), "targets": dict(sorted(targets.items())),
        "pattern_families": dict(sorted(families.items())), "seconds": round(elapsed, 1),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"cases       {figures['cases']}  ({elapsed:.0f} s)")
        print(f"mismatches  {figures['mismatches']}")
        print(f"limitations {limitations}  (cases where a target reported its own limit, "
              "e.g. SALO's exp overflow rows)")
        print("engine runs " + ", ".join(f"{k} {v}" for k, v in figures["engine_runs"].items()))
        print("targets     " + ", ".join(f"{k} {v}" for k, v in figures["targets"].items()))
        print("families    " + ", ".join(f"{k} {v}"
                                         for k, v in figures["pattern_families"].items()))
    return 1 if mismatches else 0


def _families(pattern) -> set[str]:
    names = {type(pattern).__name__}
    for child in pattern.children():
        names |= _families(child)
    return names


if __name__ == "__main__":
    sys.exit(main())
