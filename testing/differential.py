"""Differential testing: every engine computes what the reference computes.

A ``Case`` is one attention: a pattern expression, shapes (ragged, Nq != Nk
and 1-token sequences included), an element type, input magnitude, a
pipeline (fusion pass count, partition size, tile sizes) and optionally an
accelerator target.  ``check(case)`` runs the float64 reference and then

* the interpreter on every executable level: ``attn.attention``, after
  ``attn-decompose``, after ``attn-fuse{passes=2}`` and ``{passes=1}``, and
  after ``attn-tile``;
* the NumPy backend on the tiled level, and on the cascade levels;
* the hardware model (functional) on the target's default pipeline, when the
  case names a target that takes it (``target_takes``: the lowering gives no
  diagnostic);

and returns one ``Mismatch`` per engine whose output differs from the
reference by more than ``tolerance(case)``, or that fails outright.

``cases()`` is a hypothesis strategy over valid cases, each with a target
drawn from every target (or none); a target whose schedule does not take
the case declines it with a diagnostic, and only the other engines run.  A
failing case is written with ``save(case, dir)`` as
an IR file whose header comment holds what the IR does not (seed, pipeline,
target), and ``load(path)`` reads it back, so the test suite replays every
saved case (``test/regressions/``).

    python bench/differential.py --cases 1000 --json
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from attn_ir import patterns as P
from attn_ir import reference

ELEMENT_TYPES = {"f32": np.float32, "f16": np.float16}

TOLERANCE = {"f32": 2e-5, "f16": 4e-3}
"""Largest absolute difference from the float64 reference, per unit of the
largest |v| (the output is a convex combination of rows of v).  f32: the
engines accumulate in f32 over at most a few hundred keys; f16: the output
is rounded to f16 (half an ulp is 2^-11 ≈ 4.9e-4 of the value) after f32
accumulation, and the f16 inputs are what the reference sees too."""

HEADER = "// differential:"
"""First line of a saved case: the drawn settings the IR does not hold."""


@dataclass(frozen=True)
class Case:
    pattern: P.Pattern
    batch: int
    heads: int
    nq: int
    nk: int
    head_dim: int
    value_dim: int
    dtype: str = "f32"
    seed: int = 0
    magnitude: float = 1.0
    """Inputs are standard normal times this (large values stress the
    running maximum of the online softmax)."""
    passes: int = 1
    """``attn-fuse{passes=...}`` of the tiled pipeline (1, 2 or 3)."""
    m0: int = 64
    """``attn-fuse{m0=...}``: the key partition of the 2-pass form."""
    tile_q: int = 64
    tile_k: int = 64
    target: str | None = None
    """An accelerator preset for the hardware model, or None."""

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.batch, self.heads, self.nq, self.nk, self.head_dim, self.value_dim)

    def levels(self) -> dict[str, str]:
        """Interpreter levels: name → pipeline from attn-level IR."""
        fuse = f"attn-decompose,attn-fuse{{passes={self.passes} m0={self.m0}}}"
        return {
            "attn": "",
            "decompose": "attn-decompose",
            "fuse2": f"attn-decompose,attn-fuse{{passes=2 m0={self.m0}}}",
            "fuse1": "attn-decompose,attn-fuse{passes=1}",
            "tile": f"{fuse},attn-tile{{q={self.tile_q} k={self.tile_k}}}",
        }

    def module_text(self) -> str:
        from attn_ir.builder import attention
        from attn_ir.pipeline import print_module

        b, h, nq, nk, d, dv = self.shape
        mask_shape = (b, 1, nq, nk) if self.pattern.uses_mask else None
        return print_module(attention((b, h, nq, d), (b, h, nk, d), (b, h, nk, dv),
                                      pattern=self.pattern, dtype=self.dtype,
                                      mask_shape=mask_shape, name="f"))

    def inputs(self) -> list[np.ndarray]:
        b, h, nq, nk, d, dv = self.shape
        rng = np.random.default_rng(self.seed)
        dtype = ELEMENT_TYPES[self.dtype]
        arrays = [(rng.standard_normal(s) * self.magnitude).astype(dtype)
                  for s in ((b, h, nq, d), (b, h, nk, d), (b, h, nk, dv))]
        if self.pattern.uses_mask:
            mask = rng.random((b, 1, nq, nk)) < 0.4
            mask[:, :, rng.integers(nq)] = False  # a fully masked row
            arrays.append(mask)
        return arrays


@dataclass
class Mismatch:
    engine: str
    error: float | None
    """Largest absolute difference, or None when the engine failed."""
    message: str = ""

    def __str__(self) -> str:
        if self.error is None:
            return f"{self.engine}: failed: {self.message}"
        return f"{self.engine}: max |error| {self.error:.3g} > {self.message}"


@dataclass
class Result:
    case: Case
    engines: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)
    """Differences the target reports as its own limit (SALO's exp overflowing
    without a running max, in exactly the rows its report names)."""


def tolerance(case: Case, inputs: list[np.ndarray], target: str | None = None) -> float:
    """The allowed max |error| for ``case``, in units of the largest |v|:
    ``TOLERANCE[dtype]``, plus twice the error of the logits (the engines
    compute q.k in f32: about sqrt(D) * 2^-24 * scale * |q| |k| for the
    largest row norms, taken 4x, and the scale is 1 / sqrt(D); an error e in
    a logit moves the softmax weights by about 2e), plus, on a target whose exp unit approximates
    (SALO's piecewise-linear exp), 4x its relative error bound."""
    from attn_ir import targets as T

    # Non-finite inputs (NaN tests) are compared by position, not size.
    q, k, v = (np.nan_to_num(np.asarray(a, np.float64), nan=0.0, posinf=0.0, neginf=0.0)
               for a in inputs[:3])
    v_max = max(1.0, float(np.abs(v).max(initial=0.0)))
    norm = lambda a: float(np.sqrt((a * a).sum(axis=-1)).max(initial=0.0))  # noqa: E731
    logit_error = 4 * 2.0**-24 * norm(q) * norm(k)
    exp_bound = T.get_target(target).exp_error_bound if target else 0.0
    return (TOLERANCE[case.dtype] + 2 * logit_error + 4 * exp_bound) * v_max


def target_takes(case: "Case") -> bool:
    """Whether the case's target lowers it: its default pipeline gives no
    diagnostic (a target's schedule may not take every pattern or shape:
    SALO a window with few globals, ViTCoD self-attention).  The lowering
    answers; nothing here knows a target by name."""
    from attn_ir import targets as T
    from attn_ir.pipeline import parse_pipeline, process

    if case.target is None:
        return True
    spec = T.get_target(case.target).default_pipeline()
    return process(case.module_text(), "<case>", parse_pipeline(spec)).ok


NUMPY_LEVELS = ("decompose", "fuse2", "fuse1", "tile")
"""Levels the NumPy backend emits (the tiled one is its real input; the
others are for debugging)."""

def all_targets() -> tuple[str, ...]:
    """Every target the hardware model knows."""
    from attn_ir import targets as T

    return tuple(T.presets())


def check(case: Case, inputs: list[np.ndarray] | None = None) -> Result:
    """Run every engine on ``case`` (on ``inputs``, default the case's
    random ones) and compare each with the reference."""
    from attn_ir.backends.hwmodel import run as run_hwmodel
    from attn_ir.backends.numpy import emit_module, load_module
    from attn_ir.interpreter import run_function
    from attn_ir.pipeline import parse_pipeline, process
    from attn_ir import targets as T

    text = case.module_text()
    inputs = case.inputs() if inputs is None else inputs
    mask = inputs[3] if case.pattern.uses_mask else None
    expected = reference.attention(*inputs[:3], case.pattern, mask, dtype=np.float64)
    result = Result(case)

    def lowered(spec: str):
        done = process(text, "<case>", parse_pipeline(spec) if spec else None)
        if not done.ok:
            raise RuntimeError("; ".join(str(d) for d in done.diagnostics))
        return done.module

    overflowed: list[tuple[int, int, int]] = []

    def compare(engine: str, compute, target: str | None = None) -> None:
        result.engines.append(engine)
        limit = tolerance(case, inputs, target)
        overflowed.clear()
        try:
            out = np.asarray(compute())
        except Exception as e:  # noqa: BLE001 - any failure is a finding
            result.mismatches.append(Mismatch(engine, None, f"{type(e).__name__}: {e}"))
            return
        if out.shape != expected.shape or out.dtype != inputs[0].dtype:
            result.mismatches.append(Mismatch(
                engine, None, f"result {out.dtype}{list(out.shape)}, expected "
                              f"{inputs[0].dtype}{list(expected.shape)}"))
            return
        error = _max_error(out, expected)
        if not error <= limit and overflowed:
            # The target reported these rows as overflowed: the rest must match.
            b, h, i = (np.array(x) for x in zip(*overflowed))
            keep = np.ones(expected.shape[:3], bool)
            keep[b, h, i] = False
            rest = _max_error(out[keep], expected[keep])
            if rest <= limit:
                result.limitations.append(
                    f"{engine}: exp overflow in {len(overflowed)} row(s) reported by the "
                    f"target; the other rows match (max |error| {rest:.3g})")
                return
        if not error <= limit:
            result.mismatches.append(Mismatch(engine, error, f"{limit:.3g}"))

    levels = case.levels()
    for name, spec in levels.items():
        compare(f"interpreter:{name}",
                lambda spec=spec: run_function(lowered(spec), "f", *inputs)[0])
    for name in NUMPY_LEVELS:
        compare(f"numpy:{name}", lambda spec=levels[name]: load_module(
            emit_module(lowered(spec))).FUNCTIONS["f"](*inputs))
    if case.target is not None and target_takes(case):
        spec = T.get_target(case.target).default_pipeline()
        def hwmodel():
            outputs, report = run_hwmodel(lowered(spec), inputs, "f")
            overflowed.extend(row for k in report.kernels for row in k.overflowed)
            return outputs[0]

        compare(f"hwmodel:{case.target}", hwmodel, case.target)
    return result


def _max_error(out: np.ndarray, expected: np.ndarray) -> float:
    """Largest |out - expected|; NaN where exactly one of them is NaN is
    infinitely wrong, NaN in both (or the same infinity) agrees."""
    out = out.astype(np.float64)
    nan_out, nan_ref = np.isnan(out), np.isnan(expected)
    if (nan_out != nan_ref).any():
        return float("inf")
    with np.errstate(invalid="ignore"):  # inf - inf where both are inf
        diff = np.abs(np.where(nan_ref | (out == expected), 0.0, out - expected))
    return float(diff.max(initial=0.0))


# -- saved cases -------------------------------------------------------------

_SETTINGS = ("seed", "magnitude", "passes", "m0", "tile_q", "tile_k", "target")


def save(case: Case, directory: str | Path, note: str = "") -> Path:
    """Write ``case`` as an IR file named after its content; returns the path."""
    import hashlib

    settings = " ".join(f"{k}={getattr(case, k)}" for k in _SETTINGS)
    text = f"{HEADER} {settings}\n"
    if note:
        text += "".join(f"// {line}\n" for line in note.splitlines())
    text += case.module_text()
    path = Path(directory) / f"case-{hashlib.sha1(text.encode()).hexdigest()[:12]}.mlir"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(path: str | Path) -> Case:
    """The case saved in ``path`` (its IR gives pattern, shapes and type)."""
    from attn_ir.dialects.attn import AttentionOp
    from attn_ir.pipeline import process

    text = Path(path).read_text()
    first = text.splitlines()[0] if text else ""
    if not first.startswith(HEADER):
        raise ValueError(f"{path}: the first line must start with '{HEADER}'")
    settings = dict(item.split("=", 1) for item in shlex.split(first[len(HEADER):]))
    parsed = process(text, str(path))
    if not parsed.ok:
        raise ValueError(f"{path}: " + "; ".join(str(d) for d in parsed.diagnostics))
    (op,) = [o for o in parsed.module.walk() if isinstance(o, AttentionOp)]
    q, k, v = (t.type for t in (op.q, op.k, op.v))
    b, h, nq, d = q.get_shape()
    dtype = re.sub(r"^Float(\d+)Type$", r"f\1", type(q.element_type).__name__)
    return Case(op.pattern.pattern, b, h, nq, k.get_shape()[2], d, v.get_shape()[3],
                dtype=dtype, seed=int(settings["seed"]),
                magnitude=float(settings["magnitude"]), passes=int(settings["passes"]),
                m0=int(settings["m0"]), tile_q=int(settings["tile_q"]),
                tile_k=int(settings["tile_k"]),
                target=None if settings["target"] == "None" else settings["target"])


# -- hypothesis strategies ------------------------------------------------------

def patterns(nq: int, nk: int, heads: int, depth: int = 2):
    """A strategy for pattern expressions that fit [nq, nk] with ``heads``
    heads: every static family, ``#attn.tiles``, the mask operand, unions
    and intersections."""
    from hypothesis import strategies as st

    n = max(nq, nk)
    size = st.integers(1, max(1, n))
    dilation = st.one_of(st.just((1,)), st.lists(st.integers(1, 3), min_size=heads,
                                                 max_size=heads).map(tuple))

    @st.composite
    def window2d(draw):
        cols = draw(st.sampled_from([c for c in range(1, nk + 1) if nk % c == 0]))
        rows = nk // cols
        return P.Window2D((rows, cols), (2 * draw(st.integers(0, 2)) + 1,
                                         2 * draw(st.integers(0, 2)) + 1),
                          offset=0)

    @st.composite
    def tiles(draw):
        bq, bk = draw(st.integers(1, 8)), draw(st.integers(1, 8))
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        density = draw(st.sampled_from([0.0, 0.2, 0.7, 1.0]))
        mask = rng.random((nq, nk)) < density
        return P.Tiles.from_mask(mask, (bq, bk))

    window = st.builds(P.Window, st.integers(0, n), st.integers(0, n), dilation)
    # Longformer's pattern (what SALO schedules): a window and a global token.
    window_and_global = st.tuples(window, st.integers(0, min(nq, nk) - 1)).map(
        lambda wg: P.Union((wg[0], P.Global((wg[1],)))))
    leaves = st.one_of(
        st.just(P.Dense()),
        st.integers(-nq, nk).map(P.Causal),
        window,
        window_and_global,
        window2d(),
        st.lists(st.integers(0, min(nq, nk) - 1), min_size=0, max_size=3, unique=True)
        .map(lambda g: P.Global(tuple(sorted(g)))),
        st.builds(P.BlockLocal, size, st.integers(0, 2), st.integers(0, 2)),
        st.builds(P.RandomBlocks, size, st.integers(0, 3), st.integers(0, 100)),
        st.builds(P.Strided, size),
        st.integers(1, n).flatmap(lambda s: st.integers(1, s).map(lambda m: P.Fixed(s, m))),
        st.just(P.MaskOperand()),
        tiles(),
    )
    if depth == 0:
        return leaves
    children = st.lists(patterns(nq, nk, heads, depth - 1), min_size=2, max_size=3)
    return st.one_of(leaves, leaves, children.map(lambda ps: P.Union(tuple(ps))),
                     children.map(lambda ps: P.Intersection(tuple(ps))))


def cases(targets: tuple[str, ...] | None = None):
    """A strategy for valid cases (see the module doc)."""
    from hypothesis import assume
    from hypothesis import strategies as st

    @st.composite
    def case(draw):
        nq = draw(st.one_of(st.just(1), st.integers(1, 48)))
        nk = draw(st.one_of(st.just(nq), st.just(1), st.integers(1, 48)))
        heads = draw(st.integers(1, 3))
        pattern = draw(patterns(nq, nk, heads))
        try:
            pattern.validate(nq, nk, heads)
        except P.PatternError:
            assume(False)
        return Case(
            pattern, batch=draw(st.integers(1, 2)), heads=heads, nq=nq, nk=nk,
            head_dim=draw(st.sampled_from([1, 4, 8, 16])),
            value_dim=draw(st.sampled_from([1, 3, 8])),
            dtype=draw(st.sampled_from(["f32", "f32", "f16"])),
            seed=draw(st.integers(0, 2**16)),
            magnitude=draw(st.sampled_from([1.0, 1.0, 2.0, 4.0])),
            passes=draw(st.integers(1, 3)),
            m0=draw(st.integers(1, 64)),
            tile_q=draw(st.sampled_from([1, 3, 8, 16, 64])),
            tile_k=draw(st.sampled_from([1, 5, 8, 16, 64])),
            target=draw(st.sampled_from([None, *(targets or all_targets())])),
        )

    return case()

