"""Coalesced full-tile runs (``#tile.coalesced``, ``attn-coalesce``): the
plans the cost rule makes, and the NumPy backend and the interpreter
executing them, against the reference oracle (every pattern family, runs
that start or end mid-tile, a window wider than the sequence, a single
token, causal, per-head tables, cross attention, f16 and f64, non-finite
values and large logits)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attn_ir import patterns as P
from attn_ir import reference
from attn_ir.backends.numpy import emit_module, load_module
from attn_ir.passes.coalesce_plans import choose_rows, plan_table
from attn_ir.dialects.tile import TiledAttentionOp
from attn_ir.interpreter import run_function

from conftest import cases
from test_numpy_backend import PATTERNS, SHAPES, build, fits, inputs_for, lower

PIPE = "attn-decompose,attn-fuse{{passes=1}},attn-tile{{q={q} k={k}}},attn-coalesce{{rows={rows}}}"
SPECS = {
    "tiles4x5-rows8": PIPE.format(q=4, k=5, rows=8),
    "tiles4x5-rows4": PIPE.format(q=4, k=5, rows=4),
    "tiles3x2-cost": PIPE.format(q=3, k=2, rows=0),
    "tiles8-cost": PIPE.format(q=8, k=8, rows=0),
}


def coalesced_function(module):
    source = emit_module(module)
    assert "_coalesced_attention(" in source
    return load_module(source).FUNCTIONS["attention"]


def plans_of(module):
    ops = [op for op in module.walk() if isinstance(op, TiledAttentionOp)]
    return [op.attributes["coalesced"] for op in ops if "coalesced" in op.attributes]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("pattern_name", sorted(n for n in PATTERNS if "mask" not in n))
@pytest.mark.parametrize("spec", sorted(SPECS))
def test_coalesced_matches_reference(spec, pattern_name, shape):
    pattern = PATTERNS[pattern_name]
    if not fits(pattern, shape):
        pytest.skip("pattern does not fit this shape")
    module = lower(build(pattern, shape), SPECS[spec])
    planned = bool(plans_of(module))
    # A forced block size always plans; the cost rule may keep the tile table
    # (a single query tile is the cheapest block), and then the emitted module
    # runs it by the table.
    assert planned or spec.endswith("-cost")
    args = inputs_for(shape, False)
    expected = reference.attention(*args, pattern, dtype=np.float64)
    out = (coalesced_function(module) if planned
           else load_module(emit_module(module)).FUNCTIONS["attention"])(*args)
    assert out.dtype == np.float32 and out.shape == expected.shape
    np.testing.assert_allclose(out, expected, atol=1e-5, rtol=0)
    # The interpreter executes the same plan.
    interpreted, = run_function(module, "attention", *args)
    np.testing.assert_allclose(interpreted, expected, atol=1e-5, rtol=0)


CASES = {
    # (pattern, B, H, Nq, Nk, tile q, tile k, rows)
    # A window's band starts and ends inside key tiles (3 left, 5 right on
    # tiles of 4), and the sequence ends mid-tile.
    "mid-tile-runs": (P.Window(3, 5), 1, 2, 29, 29, 4, 4, 8),
    "mid-tile-global": (P.Union((P.Window(6, 2), P.Global((5, 17)))), 1, 2, 31, 31, 4, 8, 8),
    "wider-than-sequence": (P.Window(100, 100), 2, 1, 7, 7, 4, 4, 4),
    "single-token": (P.Causal(), 1, 3, 1, 1, 64, 64, 64),
    "single-token-window": (P.Window(2, 2), 1, 1, 1, 1, 4, 4, 4),
    "causal": (P.Causal(), 1, 2, 130, 130, 16, 16, 0),
    "causal-ragged": (P.Causal(), 2, 1, 45, 45, 8, 4, 16),
    "causal-cross": (P.Causal(3), 1, 2, 20, 33, 4, 4, 8),
    "per-head": (P.Window(2, 1, (1, 3)), 1, 2, 26, 26, 4, 4, 8),
    "longformer-small": (P.Union((P.Window(16, 16), P.Global((0,)))), 1, 2, 200, 200, 8, 8, 0),
}


def case_module(name, dtype="f32"):
    pattern, b, h, nq, nk, bq, bk, rows = CASES[name]
    shape = (b, h, nq, nk, 8, 6)
    return pattern, shape, lower(build(pattern, shape, dtype), PIPE.format(q=bq, k=bk, rows=rows))


@pytest.mark.parametrize("name", sorted(CASES))
def test_edge_cases(name):
    pattern, shape, module = case_module(name)
    args = inputs_for(shape, False, seed=3)
    expected = reference.attention(*args, pattern, dtype=np.float64)
    np.testing.assert_allclose(coalesced_function(module)(*args), expected, atol=1e-5, rtol=0)
    interpreted, = run_function(module, "attention", *args)
    np.testing.assert_allclose(interpreted, expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("dtype,np_dtype,atol", [("f16", np.float16, 2e-3),
                                                 ("f64", np.float64, 1e-12)])
def test_element_types(dtype, np_dtype, atol):
    pattern, shape, module = case_module("mid-tile-global", dtype)
    args = inputs_for(shape, False, seed=4, dtype=np_dtype)
    out = coalesced_function(module)(*args)
    assert out.dtype == np_dtype
    expected = reference.attention(*args, pattern, dtype=np.float64)
    np.testing.assert_allclose(out, expected, atol=atol, rtol=0)


def test_nonfinite_values_and_large_logits():
    pattern, shape, module = case_module("mid-tile-global")
    fn = coalesced_function(module)
    q, k, v = inputs_for(shape, False, seed=5)
    v[0, 1, 9, 2] = np.nan
    v[0, 0, 20, 0] = np.inf
    expected = reference.attention(q, k, v, pattern, dtype=np.float64)
    np.testing.assert_array_equal(np.isnan(fn(q, k, v)), np.isnan(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(fn(q, k, v)[finite], expected[finite], atol=1e-5, rtol=0)
    v = inputs_for(shape, False, seed=5)[2]
    q = q * 40  # logits past f32's exp range: the max-shifted path
    expected = reference.attention(q, k, v, pattern, dtype=np.float64)
    out = fn(q, k, v)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, expected, atol=1e-4, rtol=0)


@settings(max_examples=30, deadline=None)
@given(case=cases(max_n=40), tiles=st.tuples(st.integers(1, 9), st.integers(1, 9)),
       rows=st.integers(1, 20), seed=st.integers(0, 2**16))
def test_random_patterns(case, tiles, rows, seed):
    """Random patterns (every family but the mask operand's, nested
    unions and intersections), shapes, tiles and block sizes."""
    nq, nk, heads, pattern, mask = case
    if pattern.uses_mask:
        return
    shape = (1, heads, nq, nk, 4, 3)
    module = lower(build(pattern, shape), PIPE.format(q=tiles[0], k=tiles[1], rows=rows))
    args = inputs_for(shape, False, seed)
    expected = reference.attention(*args, pattern, dtype=np.float64)
    np.testing.assert_allclose(coalesced_function(module)(*args), expected, atol=1e-5, rtol=0)


# -- the plans ------------------------------------------------------------------


LONGFORMER = P.Union((P.Window(256, 256), P.Global((0,))))


def test_cost_rule_picks_the_block_from_the_pattern():
    """Not a constant: the band of a window favours small blocks (larger
    ones turn more of it partial), causal favours large ones (the triangle
    a block adds is small beside the keys left of it)."""
    window = choose_rows(LONGFORMER.tile_runs(4096, 4096, 64, 64), 4096, 4096, 64, 64)
    causal = choose_rows(P.Causal().tile_runs(16384, 16384, 64, 64), 16384, 16384, 64, 64)
    assert window == 64 and causal == 256


def test_longformer_plan():
    """The global row is a block of its own (all keys, full); the global
    column is a one-key full piece of every other block; the band is one
    full piece between two partial ones."""
    n = 4096
    rows, ptr, start, end, full = plan_table(LONGFORMER, LONGFORMER.tile_runs(n, n, 64, 64),
                                             n, n, 64, 64, rows=128)
    assert rows[:3].tolist() == [0, 1, 128]
    assert (start[0], end[0], full[0]) == (0, n, True)
    j = 10  # rows 1152 .. 1279
    assert rows[j] == 1152
    pieces = [(int(a), int(z), bool(f)) for a, z, f in
              zip(start[ptr[j]:ptr[j + 1]], end[ptr[j]:ptr[j + 1]], full[ptr[j]:ptr[j + 1]])]
    assert pieces == [(0, 1, True), (1152 - 256, 1279 - 256, False),
                      (1279 - 256, 1152 + 257, True), (1152 + 257, 1279 + 257, False)]


def test_no_plan_when_the_best_block_is_one_tile():
    """Longformer's band in 64x64 tiles: the cost rule's best block is one
    query tile, so attn-coalesce leaves the tile table as the plan; causal
    gets one."""
    shape = (1, 1, 4096, 4096, 8, 8)
    window = lower(build(LONGFORMER, shape), PIPE.format(q=64, k=64, rows=0))
    causal = lower(build(P.Causal(), shape), PIPE.format(q=64, k=64, rows=0))
    assert "coalesced" not in str(window) and plans_of(causal)


def test_plan_grows_with_n_not_n_squared():
    sizes = []
    for n in (4096, 16384):
        _, _, start, _, _ = plan_table(LONGFORMER, LONGFORMER.tile_runs(n, n, 64, 64),
                                       n, n, 64, 64)
        sizes.append(len(start))
    assert sizes[1] <= 4.5 * sizes[0]  # 4x the tokens: about 4x the pieces


def test_no_n_by_n_array_for_a_window_at_16k():
    n = 16384
    shape = (1, 1, n, n, 16, 16)
    pattern = P.Union((P.Window(64, 64), P.Global((0,))))
    fn = coalesced_function(lower(build(pattern, shape), PIPE.format(q=64, k=64, rows=128)))
    args = inputs_for(shape, False)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out = fn(*args)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, peak  # N x N f32 would be 1 GiB
    q, k, v = args
    # The reference row by row (the dense reference is N x N).
    for r in (0, 1, 5000, n - 1):
        keys = np.flatnonzero(pattern.attends(np.full(n, r), np.arange(n), P.Domain(n, n)))
        s = (q[0, 0, r].astype(np.float64) @ k[0, 0, keys].T) / np.sqrt(16)
        p = np.exp(s - s.max())
        np.testing.assert_allclose(out[0, 0, r], p @ v[0, 0, keys] / p.sum(), atol=1e-5)


def test_hardware_model_ignores_the_plan():
    from attn_ir.backends.registry import get_backend

    pattern, shape, _ = case_module("mid-tile-global")
    lowered = lower(build(pattern, shape), PIPE.format(q=4, k=8, rows=8)
                    + ",convert-attn-to-accel{target=fusemax}")
    args = inputs_for(shape, False, seed=6)
    outputs, _ = get_backend("hwmodel").run(lowered, dict(zip("qkv", args)))
    np.testing.assert_allclose(outputs[0], reference.attention(*args, pattern, dtype=np.float64),
                               atol=1e-5, rtol=0)
