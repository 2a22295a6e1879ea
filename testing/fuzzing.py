"""Fuzzing the command-line tools: mutate valid IR, run a tool on it, and
check that the tool either succeeds or prints a diagnostic and exits 1.

A ``Case`` is a mutated IR text, the tool and arguments to run it with.
``run_case`` runs it in this process (click's test runner, with a timeout)
or as a real subprocess, and returns an ``Outcome`` whose ``problem`` is
None when the tool behaved: exit code 0 or 1; on 1, a diagnostic and no
traceback, no ``internal error``; no output file left behind and no stray
temporary file; finished within the timeout.

Mutations (``mutate``): swap, delete, duplicate or replace tokens, truncate,
replace a number with an extreme one (0, -1, 2^31, 2^63, 10^30, ...),
change an element type or a tensor's rank, mangle a pattern attribute,
insert an unknown op.  The seeds are the repository's lit inputs and small
modules made with ``attn_ir.builder``.

    python bench/fuzz.py --cases 10000 --json
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[%#^@!]?[A-Za-z_][\w.$-]*|-?\d+(?:\.\d+)?(?:e[-+]?\d+)?'
                   r'|->|\S')
NUMBER = re.compile(r"-?\d+")
EXTREME_NUMBERS = ["0", "-1", "-7", "1", "2147483647", "2147483648", "4294967297",
                   "9223372036854775807", "9223372036854775808", "100000000000000000000000000000",
                   "65536", "3"]
ELEMENT_TYPES = ["f16", "f32", "f64", "bf16", "i1", "i8", "i32", "index", "f8E4M3FN"]
PATTERN_TEXTS = [
    "#attn.window<left = -5, right = 99999999999>",
    "#attn.window<left = 3>",
    "#attn.window<left = 1, right = 1, dilation = [0]>",
    "#attn.window<left = 1, right = 1, dilation = [1, 2, 3, 4, 5, 6, 7]>",
    "#attn.global<[-1]>",
    "#attn.global<[0, 0]>",
    "#attn.global<[100000000]>",
    "#attn.block_local<block = 0>",
    "#attn.random_blocks<block = 2, count = 3, seed = -4>",
    "#attn.strided<stride = 0>",
    "#attn.fixed<stride = 2, summary = 5>",
    "#attn.window2d<grid = [3], window = [1, 1]>",
    "#attn.union<[]>",
    "#attn.intersect<[#attn.causal]>",
    "#attn.causal<offset = 9223372036854775807>",
    "#attn.tiles<block = [0, 0], shape = [4, 4], ptr = [0], start = [], count = [], bitmap = []>",
    "#attn.nonsense",
    "#attn.mask",
    "#tile.table<ptr = array<i32: 0, 5>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>",
    "#accel.target<\"nope\">",
]
UNKNOWN_OPS = ['"foo.bar"() : () -> ()', "attn.bogus", "%x = arith.constant 1 : i32",
               "func.return", "}", "{", "builtin.module {"]

PIPELINES = [
    "",
    "canonicalize",
    "attn-decompose",
    "attn-decompose,attn-fuse{passes=2}",
    "attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64}",
    "attn-decompose,attn-fuse{passes=1 m0=3},attn-tile{q=3 k=5}",
    "attn-decompose,attn-fuse{passes=1},attn-tile{q=32 k=32},convert-attn-to-accel{target=salo},"
    "accel-schedule-salo,accel-double-buffer",
    "attn-decompose,attn-fuse{passes=1},attn-tile{q=256 k=256},convert-attn-to-accel{target=fusemax},"
    "accel-schedule-fusemax,accel-double-buffer",
    "attn-decompose,attn-fuse{passes=1},attn-tile{q=256 k=256},convert-attn-to-accel{target=flat},"
    "accel-schedule-flat",
]
RUN_LIMIT_ELEMENTS = 1 << 16
"""attn-run is tried only on inputs whose tensors hold at most this many
elements (the fuzzer looks for crashes, not for long legitimate runs;
beyond-memory sizes are tried through the extreme numbers, which attn-run
must reject)."""


@dataclass
class Case:
    tool: str
    args: list[str]
    text: str
    output: bool = False
    """Whether the case writes a file (``-o`` / ``--save``) to check."""


@dataclass
class Outcome:
    case: Case
    exit_code: int
    stderr: str
    seconds: float
    problem: str | None = None
    """'traceback', 'timeout', 'exit code N', 'no diagnostic',
    'partial output' or None."""


@dataclass
class Totals:
    cases: int = 0
    tracebacks: int = 0
    timeouts: int = 0
    problems: int = 0
    by_tool: dict[str, int] = field(default_factory=dict)
    exit_codes: dict[str, int] = field(default_factory=dict)
    failures: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.cases += 1
        self.by_tool[outcome.case.tool] = self.by_tool.get(outcome.case.tool, 0) + 1
        key = str(outcome.exit_code)
        self.exit_codes[key] = self.exit_codes.get(key, 0) + 1
        if outcome.problem is None:
            return
        self.problems += 1
        self.tracebacks += outcome.problem == "traceback"
        self.timeouts += outcome.problem == "timeout"
        self.failures.append(outcome)


# -- seeds --------------------------------------------------------------------------

def seed_texts(root: str | Path) -> list[str]:
    """Valid-looking IR chunks: the lit inputs under ``root/test`` (split at
    ``// -----``, RUN lines dropped) and small built modules."""
    from attn_ir.builder import attention
    from attn_ir.pipeline import print_module

    texts = []
    for path in sorted(Path(root, "test").rglob("*.mlir")):
        if "Output" in path.parts or "regressions" in path.parts:
            continue
        for chunk in path.read_text().split("// -----"):
            body = "\n".join(line for line in chunk.splitlines()
                             if not line.lstrip().startswith("//"))
            if body.strip() and len(body) < 20_000 and "@MASK@" not in body:
                texts.append(body.strip() + "\n")
    for pattern in ("#attn.causal", "#attn.union<[#attn.window<left = 2, right = 2>, "
                    "#attn.global<[0]>]>", "#attn.random_blocks<block = 4, count = 2, seed = 1>",
                    "#attn.mask", "#attn.fixed<stride = 4, summary = 1>"):
        texts.append(print_module(attention((1, 2, 16, 8), (1, 2, 16, 8), pattern=pattern)))
    return texts


# -- mutation -------------------------------------------------------------------------

def mutate(text: str, rng: np.random.Generator) -> str:
    """One to three random mutations of ``text``."""
    for _ in range(1 if rng.random() < 0.6 else int(rng.integers(2, 4))):
        text = MUTATIONS[int(rng.integers(len(MUTATIONS)))](text, rng)
    return text


def _tokens(text: str) -> list[re.Match]:
    return list(TOKEN.finditer(text))


def _replace_span(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def _pick(tokens: list[re.Match], rng) -> re.Match | None:
    return tokens[int(rng.integers(len(tokens)))] if tokens else None


def _swap(text, rng):
    tokens = _tokens(text)
    if len(tokens) < 2:
        return text
    a, b = sorted(rng.choice(len(tokens), 2, replace=False))
    ta, tb = tokens[a], tokens[b]
    return (text[:ta.start()] + tb.group() + text[ta.end():tb.start()] + ta.group()
            + text[tb.end():])


def _delete(text, rng):
    tokens = _tokens(text)
    if not tokens:
        return text
    first = int(rng.integers(len(tokens)))
    last = min(len(tokens) - 1, first + int(rng.integers(0, 4)))
    return _replace_span(text, tokens[first].start(), tokens[last].end(), "")


def _duplicate(text, rng):
    t = _pick(_tokens(text), rng)
    return text if t is None else _replace_span(text, t.start(), t.end(), t.group() * 2)


def _truncate(text, rng):
    return text[:int(rng.integers(0, len(text) + 1))]


def _replace_one(text, rng, regex, replacement, group=0):
    """``text`` with one random match of ``regex`` (its ``group``) replaced
    by ``replacement(match)``."""
    t = _pick(list(re.finditer(regex, text)), rng)
    if t is None:
        return text
    return _replace_span(text, t.start(group), t.end(group), replacement(t))


def _number(text, rng):
    """A number made extreme, or a plausible other value (which keeps
    more cases valid, so they reach the passes and backends)."""
    return _replace_one(text, rng, NUMBER, lambda t: str(
        rng.choice(EXTREME_NUMBERS) if rng.random() < 0.5 else rng.integers(0, 70)))


def _element_type(text, rng):
    # An element type stands alone or after a shape ("4xf32").
    return _replace_one(text, rng, r"(?:(?<=\dx)|(?<![\w.]))(f16|f32|f64|i1|i8|i32|i64)\b",
                        lambda t: str(rng.choice(ELEMENT_TYPES)))


def _rank(text, rng):
    def new(t):
        dims = t.group(1)
        drop = rng.random() < 0.5 and dims.count("x") > 1
        return dims.split("x", 1)[1] if drop else "2x" + dims
    return _replace_one(text, rng, r"tensor<((?:\d+x)+)", new, group=1)


def _pattern(text, rng):
    return _replace_one(text, rng, r"#(attn|tile|accel)\.\w+(<(?:[^<>]|<[^<>]*>)*>)?",
                        lambda t: str(rng.choice(PATTERN_TEXTS)))


def _unknown_op(text, rng):
    lines = text.splitlines(keepends=True)
    at = int(rng.integers(len(lines) + 1))
    return "".join(lines[:at] + ["  " + str(rng.choice(UNKNOWN_OPS)) + "\n"] + lines[at:])


def _keyword(text, rng):
    words = [t for t in _tokens(text) if t.group()[:1].isalpha()]
    a, b = _pick(words, rng), _pick(words, rng)
    if a is None:
        return text
    return _replace_span(text, a.start(), a.end(), b.group())


MUTATIONS = [_swap, _delete, _duplicate, _truncate, _number, _number, _element_type, _rank,
             _pattern, _pattern, _unknown_op, _keyword]


# -- cases --------------------------------------------------------------------------

def make_case(text: str, rng: np.random.Generator) -> Case:
    """A tool invocation on ``text``: attn-opt with a random pipeline (half
    the time), attn-translate, or attn-run on small inputs."""
    choice = rng.random()
    if choice < 0.5:
        args = []
        pipeline = str(rng.choice(PIPELINES))
        if pipeline:
            args += ["-p", pipeline]
        output = rng.random() < 0.3
        return Case("attn-opt", args, text, output)
    if choice < 0.75 or not _small(text):
        return Case("attn-translate", ["--target", "numpy"], text, True)
    backend = "numpy" if rng.random() < 0.6 else "hwmodel"
    args = ["--backend", backend, "--seed", "1"]
    if backend == "hwmodel":
        args += ["--target", str(rng.choice(["salo", "fusemax", "flat"]))]
        if rng.random() < 0.3:
            args.append("--timing-only")
    elif rng.random() < 0.5:
        args.append("--check")
    return Case("attn-run", args, text, rng.random() < 0.3)


def _small(text: str) -> bool:
    """Whether every tensor in ``text`` is small enough for attn-run here,
    or absurdly large (then attn-run must refuse it)."""
    for dims in re.findall(r"tensor<((?:\d+x)+)", text):
        size = int(np.prod([int(d) for d in dims.split("x")[:-1]], dtype=object))
        if RUN_LIMIT_ELEMENTS < size < 1 << 40:
            return False
    return True


def _tools():
    from attn_ir.cli import opt, run, translate

    return {"attn-opt": opt.main, "attn-translate": translate.main, "attn-run": run.main}


class _Timeout(KeyboardInterrupt):
    """Raised by the alarm: a KeyboardInterrupt so that the tools' error
    handler lets it through (exit 130) instead of reporting it."""


def run_case(case: Case, timeout: float = 10.0, subprocess_run: bool = False) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="attn-fuzz-") as tmp:
        source = os.path.join(tmp, "input.mlir")
        with open(source, "w", encoding="utf-8") as f:
            f.write(case.text)
        output = os.path.join(tmp, "out.npz" if case.tool == "attn-run" else "out.txt")
        args = [source, *case.args]
        if case.output:
            args += ["--save", output] if case.tool == "attn-run" else ["-o", output]
        start = time.perf_counter()
        if subprocess_run:
            code, stderr = _run_subprocess(case.tool, args, timeout)
        else:
            code, stderr = _run_in_process(case.tool, args, timeout)
        seconds = time.perf_counter() - start
        left = sorted(set(os.listdir(tmp)) - {"input.mlir", "out.npz", "out.txt"})
        outcome = Outcome(case, code, stderr, seconds)
        outcome.problem = _problem(code, stderr, case.output and os.path.exists(output), left)
        return outcome


def _run_in_process(tool: str, args: list[str], timeout: float) -> tuple[int, str]:
    from click.testing import CliRunner

    def alarm(signum, frame):
        raise _Timeout()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        result = CliRunner().invoke(_tools()[tool], args, catch_exceptions=True)
    except _Timeout:
        return 124, ""
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if isinstance(result.exception, _Timeout) or result.exit_code == 130:
        return 124, result.stderr
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        stderr += "".join(traceback.format_exception(result.exception))
    return result.exit_code, stderr


def _run_subprocess(tool: str, args: list[str], timeout: float) -> tuple[int, str]:
    executable = os.path.join(os.path.dirname(sys.executable), tool)
    try:
        done = subprocess.run([executable, *args], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return 124, ""
    return done.returncode, done.stderr


def _problem(code: int, stderr: str, output_left: bool, stray: list[str]) -> str | None:
    if code == 124:
        return "timeout"
    if "Traceback (most recent call last)" in stderr or "internal error" in stderr:
        return "traceback"
    if code not in (0, 1):
        return f"exit code {code}"
    if code == 1 and not stderr.strip():
        return "no diagnostic"
    if code == 1 and output_left:
        return "partial output"
    if stray:
        return "stray files: " + ", ".join(stray)
    return None


def fuzz(cases: int, seed: int = 0, timeout: float = 10.0, subprocess_every: int = 100,
         root: str | Path | None = None, progress=None) -> Totals:
    """Run ``cases`` mutated cases; every ``subprocess_every``-th through a
    real subprocess (0: never)."""
    from attn_ir.pipeline import process

    root = root or Path(__file__).resolve().parent.parent
    texts = seed_texts(root)
    # Most mutants of invalid seeds (the invalid.mlir chunks) stop in the
    # verifier: draw from valid seeds 4 times in 5, so passes and backends
    # see mutants too.
    valid = [t for t in texts if process(t, "seed").ok]
    rng = np.random.default_rng(seed)
    totals = Totals()
    for n in range(cases):
        pool = valid if valid and rng.random() < 0.8 else texts
        text = mutate(pool[int(rng.integers(len(pool)))], rng)
        case = make_case(text, rng)
        outcome = run_case(case, timeout,
                           subprocess_run=bool(subprocess_every) and n % subprocess_every == 0)
        totals.add(outcome)
        if progress:
            progress(n + 1, totals)
    return totals
