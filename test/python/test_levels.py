"""Every level of the compiler computes the same thing as an independent
oracle (plain masked softmax over the patterns' documented definitions,
``conftest.naive_mask``; not ``attn_ir.reference``, which the interpreter's
``attn.attention`` calls): attn.attention, after attn-decompose (3-pass),
after attn-fuse{passes=2}, after attn-fuse{passes=1}, and after attn-tile,
run by the interpreter on random inputs, for every pattern family, unions
and intersections, and ragged shapes."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType, f32, i1

from attn_ir import patterns as P
from attn_ir.dialects.attn import AttentionOp
from attn_ir.dialects.tile import TiledAttentionOp
from attn_ir.interpreter import run_function
from attn_ir.passes.attn_pass_count import cascade_pass_count
from attn_ir.pipeline import parse_pipeline, print_module, process

from conftest import PATTERNS, SHAPES, naive_mask

PIPELINES = {
    "attn": "",
    "decompose": "attn-decompose",
    "fuse2": "attn-decompose,attn-fuse{passes=2}",
    "fuse1": "attn-decompose,attn-fuse{passes=1 m0=5}",
    "tile": "attn-decompose,attn-fuse{passes=1 m0=5},attn-tile{q=4 k=5}",
    "tile-large": "attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64}",
}

def build_module(pattern: P.Pattern, shape, with_mask: bool) -> ModuleOp:
    b, h, nq, nk, d, dv = shape
    types = [TensorType(f32, [b, h, nq, d]), TensorType(f32, [b, h, nk, d]),
             TensorType(f32, [b, h, nk, dv])]
    if with_mask:
        types.append(TensorType(i1, [b, 1, nq, nk]))
    out_type = TensorType(f32, [b, h, nq, dv])
    fn = func.FuncOp("f", (types, [out_type]))
    args = fn.body.block.args
    op = AttentionOp(args[0], args[1], args[2], pattern, args[3] if with_mask else None)
    fn.body.block.add_ops([op, func.ReturnOp(op.output)])
    return ModuleOp([fn])


def random_inputs(shape, with_mask: bool, seed: int = 0):
    b, h, nq, nk, d, dv = shape
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(np.float32)
              for s in ((b, h, nq, d), (b, h, nk, d), (b, h, nk, dv))]
    if with_mask:
        mask = rng.random((b, 1, nq, nk)) < 0.4
        mask[0, 0, 1] = False  # one fully masked row (without other patterns)
        arrays.append(mask)
    return arrays


def fits(pattern: P.Pattern, shape) -> bool:
    try:
        pattern.validate(shape[2], shape[3], shape[1])
        return True
    except P.PatternError:
        return False


@functools.cache
def independent_expected(pattern_name: str, shape) -> np.ndarray:
    """Plain loops: each head's mask from the documented definitions, scores
    scaled by 1/sqrt(D), a softmax over the kept keys, 0 for empty rows."""
    pattern = PATTERNS[pattern_name]
    b, h, nq, nk, d, dv = shape
    inputs = random_inputs(shape, pattern.uses_mask)
    q, k, v = (x.astype(np.float64) for x in inputs[:3])
    out = np.zeros((b, h, nq, dv))
    for bb in range(b):
        for hh in range(h):
            keep = naive_mask(pattern, nq, nk, hh, inputs[3][bb, 0] if pattern.uses_mask
                              else None)
            for i in range(nq):
                keys = np.nonzero(keep[i])[0]
                if len(keys) == 0:
                    continue
                s = q[bb, hh, i] @ k[bb, hh, keys].T / np.sqrt(d)
                w = np.exp(s - s.max())
                out[bb, hh, i] = (w / w.sum()) @ v[bb, hh, keys]
    return out


# Patterns that do not fit a shape (per-head dilations on fewer heads, a
# window2d grid that does not tile the sequence) are left out here.
LEVEL_CASES = [(level, name, shape) for level in sorted(PIPELINES)
               for name in sorted(PATTERNS) for shape in SHAPES if fits(PATTERNS[name], shape)]


@pytest.mark.parametrize("level,pattern_name,shape", LEVEL_CASES,
                         ids=[f"{lv}-{n}-{'x'.join(map(str, s))}" for lv, n, s in LEVEL_CASES])
def test_level_matches_reference(level, pattern_name, shape):
    pattern = PATTERNS[pattern_name]
    with_mask = pattern.uses_mask
    module = build_module(pattern, shape, with_mask)
    # Through the text form, as attn-opt would see it.
    spec = PIPELINES[level]
    result = process(print_module(module), "test", parse_pipeline(spec) if spec else None)
    assert result.ok, [str(d) for d in result.diagnostics]
    inputs = random_inputs(shape, with_mask)
    (out,) = run_function(result.module, "f", *inputs)
    expected = independent_expected(pattern_name, shape)
    assert out.dtype == np.float32
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("spec,passes", [
    ("attn-decompose", 3),
    ("attn-decompose,attn-fuse{passes=2}", 2),
    ("attn-decompose,attn-fuse{passes=1}", 1),
    ("attn-decompose,attn-fuse{passes=1},attn-fuse{passes=3}", 3),
    ("attn-decompose,attn-fuse{passes=1},attn-fuse{passes=2}", 2),
])
def test_pass_count_of_each_form(spec, passes):
    module = build_module(P.Causal(), SHAPES[0], False)
    result = process(print_module(module), "test", parse_pipeline(spec))
    assert result.ok
    assert cascade_pass_count(result.module) == [passes]


def test_tiled_ir_is_linear_in_nonempty_tiles_at_65536():
    """A window pattern at N = 65536 tiles quickly and its IR holds one
    table entry per non-empty tile (no N x N, no per-pair data)."""
    import time

    pattern = P.Union((P.Window(256, 256), P.Global((0,))))
    n = 65536
    module = build_module(pattern, (1, 1, n, n, 64, 64), False)
    start = time.perf_counter()
    result = process(print_module(module), "test",
                     parse_pipeline("attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64}"))
    elapsed = time.perf_counter() - start
    assert result.ok
    tiled = [op for op in result.module.walk() if isinstance(op, TiledAttentionOp)]
    assert len(tiled) == 1
    table = pattern.tile_table(n, n, 64, 64)
    assert tiled[0].tables.data[0].num_tiles == len(table.k_tile)
    # 1024 query tiles x (9 or 10 window tiles) + the global row and column.
    assert len(table.k_tile) < 12 * (n // 64)
    text = print_module(result.module)
    assert len(text) < 60 * len(table.k_tile) + 10_000
    # Generous bound for a loaded 2-core CI machine; typically well under 1 s.
    assert elapsed < 10


def test_footprint_does_not_grow_with_sequence_length():
    footprints = []
    for n in (256, 4096):
        module = build_module(P.Window(16, 16), (1, 1, n, n, 64, 64), False)
        result = process(print_module(module), "test", parse_pipeline(
            "attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64}"))
        (op,) = [o for o in result.module.walk() if isinstance(o, TiledAttentionOp)]
        footprints.append(op.footprint())
        assert op.attributes["footprint_bytes"].value.data == op.footprint()["total"]
    assert footprints[0] == footprints[1]
    assert footprints[0]["q"] == 64 * 64 * 4
    assert footprints[0]["state"] == 64 * (2 + 64) * 4


def test_pipeline_runs_on_every_preset():
    """decompose, fuse to one pass and tile: every preset at its published
    size compiles, and every static attention becomes a tile.attention."""
    from attn_ir.presets import all_presets, build_module, get_preset

    spec = "attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64}"
    for name in all_presets():
        module = build_module(get_preset(name))
        static = sum(isinstance(op, AttentionOp) for op in module.walk())
        result = process(print_module(module), name, parse_pipeline(spec))
        assert result.ok, (name, [str(d) for d in result.diagnostics])
        tiled = sum(isinstance(op, TiledAttentionOp) for op in result.module.walk())
        assert not any(isinstance(op, AttentionOp) for op in result.module.walk()), name
        assert tiled == static, name
