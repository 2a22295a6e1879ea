"""Plausible bugs, planted one at a time: which tests catch each?

    python bench/mutations.py                 # every mutation, a table
    python bench/mutations.py --only causal-offset --json

Each mutation replaces one exact piece of source text (which must occur
exactly once) in this working tree, runs the tests listed for it, and puts
the file back with ``git checkout -- FILE`` (also on an error or Ctrl-C).
It refuses to run on a tree with uncommitted changes, so the checkout can
only undo the mutation.  A mutation no test catches exits 1.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutation:
    name: str
    what: str
    file: str
    old: str
    new: str
    tests: tuple[tuple[str, ...], ...]
    """pytest argument lists (paths relative to the root), run one by one."""


PATTERN_TESTS = (("test/python/test_patterns.py",), ("test/python/test_imported_masks.py",),
                 ("test/python/test_levels.py", "-k", "test_level_matches_reference"))

MUTATIONS = [
    Mutation("window-bound", "off-by-one in a window bound (right edge exclusive)",
             "attn_ir/patterns/families.py",
             "(d >= -self.left * dil) & (d <= self.right * dil)",
             "(d >= -self.left * dil) & (d < self.right * dil)", PATTERN_TESTS),
    Mutation("tile-misclassified", "a tile missing one pair classified full",
             "attn_ir/patterns/base.py",
             "counts[keep] == area[keep], counts[keep],",
             "counts[keep] >= area[keep] - 1, counts[keep],", PATTERN_TESTS),
    Mutation("dma-doubled", "DMA load byte count doubled in the hardware model",
             "backends/hwmodel/program.py",
             "        instr.dram_read_bytes = size\n        return (size,), Counter()",
             "        instr.dram_read_bytes = 2 * size\n        return (size,), Counter()",
             (("test/python/test_hwmodel.py",),)),
    Mutation("causal-offset", "the causal offset dropped",
             "attn_ir/patterns/families.py",
             "        return j <= i + self.offset\n",
             "        return j <= i\n", PATTERN_TESTS),
    Mutation("default-scale", "wrong default softmax scale of attn.attention (1/D^0.25)",
             "attn_ir/dialects/attn.py",
             "return 1.0 / float(self.dims[4]) ** 0.5",
             "return 1.0 / float(self.dims[4]) ** 0.25",
             (("test/python/test_levels.py", "-k", "test_level_matches_reference"),
              ("test/python/test_numpy_backend.py", "-k", "test_presets_match_reference"))),
    Mutation("from-mask-near-full", "Tiles.from_mask marks 90 %-full tiles full",
             "attn_ir/patterns/tiles.py",
             "np.where(sums == area, FULL, 0)",
             "np.where(sums >= 0.9 * area, FULL, 0)",
             (("test/python/test_patterns.py",), ("test/python/test_imported_masks.py",),
              ("test/python/test_interop_flex.py",))),
]


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def run_tests(args: tuple[str, ...]) -> tuple[int, list[str]]:
    """(exit status, failing test ids) of one pytest run."""
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider",
                          *args], cwd=ROOT, capture_output=True, text=True)
    failed = re.findall(r"^FAILED (\S+)", run.stdout, re.M)
    return run.returncode, failed


def apply(m: Mutation) -> dict:
    path = ROOT / m.file
    text = path.read_text()
    if text.count(m.old) != 1:
        raise SystemExit(f"{m.name}: the text to replace occurs {text.count(m.old)} times "
                         f"in {m.file}, expected once")
    path.write_text(text.replace(m.old, m.new))
    caught: dict[str, list[str]] = {}
    errors: list[str] = []
    try:
        for args in m.tests:
            status, failed = run_tests(args)
            if status not in (0, 1):
                # A collection or usage error catches nothing: report it.
                errors.append(f"{' '.join(args)}: pytest exit {status}")
            caught[" ".join(args)] = failed
    finally:
        git("checkout", "--", m.file)
    return {"name": m.name, "what": m.what, "file": m.file,
            "caught_by": {k: v for k, v in caught.items() if v},
            "caught": sum(map(len, caught.values())), "errors": errors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", help="run this mutation (repeatable)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if git("status", "--porcelain", "--untracked-files=no").strip():
        print("refusing to run: the tree has uncommitted changes (commit or stash them; "
              "mutations are undone with git checkout)", file=sys.stderr)
        return 2
    chosen = [m for m in MUTATIONS if not args.only or m.name in args.only]
    results = []
    for m in chosen:
        results.append(apply(m))
        r = results[-1]
        if not args.json:
            print(f"{r['name']}: {r['what']} -> caught by {r['caught']} tests", flush=True)
            for error in r["errors"]:
                print(f"    ERROR {error}")
            for target, failed in r["caught_by"].items():
                shown = ", ".join(f.split("::", 1)[-1] for f in failed[:3])
                print(f"    {target}: {len(failed)} ({shown}{', ...' if len(failed) > 3 else ''})")
    assert not git("status", "--porcelain", "--untracked-files=no").strip()
    if args.json:
        print(json.dumps(results, indent=1))
    missed = [r["name"] for r in results if not r["caught"] or r["errors"]]
    if missed:
        print(f"NOT CAUGHT: {', '.join(missed)}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
