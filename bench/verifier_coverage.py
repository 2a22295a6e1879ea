"""Which verifier rules have a diagnostic test: every ``raise
VerifyException(...)`` in ``attn_ir/dialects`` (a *site*), and whether a lit
test's ``expected-error`` is produced by it.

    python bench/verifier_coverage.py            # the uncovered sites, exit 1 if any
    python bench/verifier_coverage.py --all      # every site with the test that covers it
    python bench/verifier_coverage.py --json

It runs the lit tests that use ``--verify-diagnostics`` for real, with a
``sitecustomize`` on ``PYTHONPATH`` (lit passes it through) that records, in
each ``attn-opt`` process (lit passes only a few variables on: the paths are
written into the file), where every ``VerifyException`` was constructed and
with what message, and which expectations ``check_expected`` matched.  A site
is covered when a chunk that passed its ``--verify-diagnostics`` check
expected an error whose text is part of a message raised at that site: the
exception has to reach the user, not only be raised.  Sites are found in the
source (AST), so a rule no test reaches is listed too.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIALECTS = ROOT / "attn_ir" / "dialects"

TRACER = textwrap.dedent('''
    """Installed by bench/verifier_coverage.py for the lit run only."""
    import json, os, sys

    def _install():
        from xdsl.utils import exceptions
        import attn_ir.diagnostics as diagnostics

        log_path, dialects = LOG, DIALECTS
        raised = []
        original_init = exceptions.VerifyException.__init__

        def init(self, *args, **kwargs):
            # Every frame in the dialects: a helper that builds the exception
            # is called from the raise that counts.
            frames, frame = [], sys._getframe(1)
            while frame is not None:
                if frame.f_code.co_filename.startswith(dialects):
                    frames.append((frame.f_code.co_filename, frame.f_lineno))
                frame = frame.f_back
            if frames and args:
                raised.append((frames, str(args[0])))
            original_init(self, *args, **kwargs)

        exceptions.VerifyException.__init__ = init
        original_check = diagnostics.check_expected

        def check_expected(source, line_offset, diags, file):
            problems = original_check(source, line_offset, diags, file)
            expected = [m.group(3) for m in diagnostics._EXPECTED.finditer(source)
                        if m.group(1) == "error"]
            with open(log_path, "a") as log:
                for frames, message in raised:
                    hits = [e for e in expected
                            if e in message and any(e in d.message for d in diags)]
                    log.write(json.dumps({"frames": frames, "message": message,
                                          "test": file, "expected": hits,
                                          "passed": not problems}) + "\\n")
            raised.clear()
            return problems

        diagnostics.check_expected = check_expected

    if os.path.basename(getattr(sys, "argv", [""])[0]) == "attn-opt":
        _install()
''')


@dataclass
class Site:
    file: str
    first: int
    last: int
    function: str
    source: str
    tests: set[str] = field(default_factory=set)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.first}"


def _factories(trees: list[ast.Module]) -> set[str]:
    """VerifyException and the helpers that build one (``-> VerifyException``)."""
    names = {"VerifyException"}
    for tree in trees:
        for node in ast.walk(tree):
            if (isinstance(node, ast.FunctionDef) and isinstance(node.returns, ast.Name)
                    and node.returns.id == "VerifyException"):
                names.add(node.name)
    return names


def _called(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def find_sites() -> list[Site]:
    """Every ``raise VerifyException(...)`` (or ``raise helper(...)`` of a
    helper returning one) under attn_ir/dialects."""
    paths = sorted(DIALECTS.rglob("*.py"))
    texts = {p: p.read_text() for p in paths}
    trees = {p: ast.parse(t) for p, t in texts.items()}
    factories = _factories(list(trees.values()))
    unique: dict[tuple[str, int], Site] = {}
    for path in paths:
        for func in ast.walk(trees[path]):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            # Outer functions are walked before nested ones: the innermost
            # function's record overwrites.
            for node in ast.walk(func):
                if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                        and _called(node.exc) in factories):
                    site = Site(str(path.relative_to(ROOT)), node.lineno,
                                node.end_lineno or node.lineno, func.name,
                                ast.get_source_segment(texts[path], node.exc) or "")
                    unique[(site.file, site.first)] = site
    return sorted(unique.values(), key=lambda s: (s.file, s.first))


def lit_files() -> list[Path]:
    return sorted(p for p in (ROOT / "test").rglob("*")
                  if p.suffix in (".mlir", ".test") and "Output" not in p.parts
                  and "--verify-diagnostics" in p.read_text())


def trace(files: list[Path], jobs: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp, "trace.jsonl")
        log.touch()
        Path(tmp, "sitecustomize.py").write_text(
            f"LOG = {str(log)!r}\nDIALECTS = {str(DIALECTS.resolve()) + os.sep!r}\n" + TRACER)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [tmp, env.get("PYTHONPATH")]))
        lit = Path(sys.executable).with_name("lit")
        run = subprocess.run([str(lit), "-q", f"-j{jobs}", *map(str, files)], cwd=ROOT,
                             env=env, capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stdout[-4000:], run.stderr[-4000:], file=sys.stderr)
            print("warning: some lit tests failed; their chunks count as uncovered",
                  file=sys.stderr)
        return [json.loads(line) for line in log.read_text().splitlines()]


def coverage(jobs: int = 2) -> list[Site]:
    sites = find_sites()
    by_file: dict[str, list[Site]] = {}
    for s in sites:
        by_file.setdefault(str((ROOT / s.file).resolve()), []).append(s)
    for record in trace(lit_files(), jobs):
        if not (record["passed"] and record["expected"]):
            continue
        for path, line in record["frames"]:
            for s in by_file.get(path, []):
                if s.first <= line <= s.last:
                    s.tests.add(os.path.relpath(record["test"], ROOT))
    return sites


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="list covered sites too")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    sites = coverage(args.jobs)
    missing = [s for s in sites if not s.tests]
    if args.json:
        print(json.dumps({"sites": len(sites), "covered": len(sites) - len(missing),
                          "uncovered": [{"site": s.where, "function": s.function,
                                         "raise": s.source} for s in missing]}, indent=1))
    else:
        for s in sites if args.all else missing:
            status = ", ".join(sorted(s.tests)) if s.tests else "NOT COVERED"
            print(f"{s.where} ({s.function}): {status}\n    {' '.join(s.source.split())}")
        print(f"{len(sites) - len(missing)} of {len(sites)} verifier sites have a "
              f"diagnostic test")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
