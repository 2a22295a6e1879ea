"""The reference oracle ``attn_ir.reference.attention`` against a naive
per-row loop, its edge cases (empty rows, huge scores, NaN), the mask
operand's broadcasting, and its memory use at long sequence length."""

from __future__ import annotations

import time
import tracemalloc
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attn_ir import reference
from attn_ir.patterns import (
    BlockLocal,
    Causal,
    Dense,
    Fixed,
    Global,
    Intersection,
    MaskOperand,
    PatternError,
    RandomBlocks,
    Strided,
    Union,
    Window,
    Window2D,
)
from attn_ir.reference import attention
from conftest import FAMILIES, cases, naive_mask

B, H = 2, 2


def naive_attention(q, k, v, allowed, scale=None):
    """out[b, h, i] = softmax over the attended js, one row at a time, in
    float64.  ``allowed[b][h]`` is the [Nq, Nk] boolean matrix of attended
    pairs for batch b and head h."""
    q, k, v = (np.asarray(x, np.float64) for x in (q, k, v))
    b_, h_, nq, d = q.shape
    scale = 1.0 / np.sqrt(d) if scale is None else scale
    out = np.zeros((b_, h_, nq, v.shape[3]))
    for b in range(b_):
        for h in range(h_):
            for i in range(nq):
                js = np.flatnonzero(allowed[b][h][i])
                if len(js) == 0:
                    continue  # a row attending nothing is 0
                s = scale * (k[b, h, js] @ q[b, h, i])
                e = np.exp(s - s.max())
                out[b, h, i] = (e / e.sum()) @ v[b, h, js]
    return out


def allowed_of(p, nq, nk, mask=None, b_=B, h_=H, naive=True):
    """[b][h] attended-pair matrices (from the documented definitions when
    ``naive``, else from ``dense_mask``), the mask broadcast to [B, H, ...]."""
    if mask is not None:
        mask = np.broadcast_to(mask, (b_, h_, nq, nk))
    build = naive_mask if naive else (lambda p, nq, nk, h, m: p.dense_mask(nq, nk, h, m))
    return [[build(p, nq, nk, h, None if mask is None else mask[b, h]) for h in range(h_)]
            for b in range(b_)]


def qkv(rng, b_, h_, nq, nk, d, dv, dtype):
    return (rng.standard_normal((b_, h_, nq, d)).astype(dtype),
            rng.standard_normal((b_, h_, nk, d)).astype(dtype),
            rng.standard_normal((b_, h_, nk, dv)).astype(dtype))


# -- against the naive loop --------------------------------------------------


@pytest.mark.parametrize("family", FAMILIES)
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_matches_naive_loop(family, data):
    nq, nk, heads, p, _ = data.draw(cases(family, max_n=40, heads=H))
    mask = None
    if p.uses_mask:
        rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
        mask = rng.random((B, H, nq, nk)) < data.draw(st.sampled_from((0.1, 0.5, 0.9)))
    dtype = data.draw(st.sampled_from((np.float32, np.float16)))
    d, dv = data.draw(st.integers(1, 8)), data.draw(st.integers(1, 8))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    q, k, v = qkv(rng, B, H, nq, nk, d, dv, dtype)
    # Small chunks and column tiles make the column pruning matter at these sizes.
    row_chunk = data.draw(st.sampled_from((1, 3, 8, 256)))
    col_tile = data.draw(st.sampled_from((1, 4, 16, 64)))
    with mock.patch.object(reference, "ROW_CHUNK", row_chunk), \
            mock.patch.object(reference, "COLUMN_TILE", col_tile):
        got = attention(q, k, v, p, mask, dtype=np.float64)
        assert got.dtype == np.float64 and got.shape == (B, H, nq, dv)
        default = attention(q, k, v, p, mask)
    assert default.dtype == dtype
    expected = naive_attention(q, k, v, allowed_of(p, nq, nk, mask))
    assert np.abs(got - expected).max() <= 1e-6
    np.testing.assert_array_equal(default, got.astype(dtype))


@pytest.mark.parametrize("p", [
    Dense(), Causal(-3), Window(40, 17, (3, 1)), Window2D((20, 25), (5, 3), 7),
    Global((0, 333, 499)), BlockLocal(48, 1, 2), RandomBlocks(64, 2, 5), Strided(50),
    Fixed(64, 8),
    Union((Window(32, 32), Global((0, 1)), RandomBlocks(96, 1))),
    Intersection((Union((Window(100, 100), Global((5,)))), Causal(), BlockLocal(200, 1))),
], ids=str)
def test_matches_naive_loop_at_moderate_length(p):
    """Lengths above the default row chunk and column tile, so whole chunks
    of rows and tiles of columns are pruned."""
    nq, nk = 700, 530
    q, k, v = qkv(np.random.default_rng(1), 1, H, nq, nk, 8, 3, np.float32)
    got = attention(q, k, v, p, dtype=np.float64)
    expected = naive_attention(q, k, v, allowed_of(p, nq, nk, b_=1, naive=False))
    assert np.abs(got - expected).max() <= 1e-6
    np.testing.assert_allclose(got, attention(q, k, v, p, dtype=np.float64,
                                              prune_columns=False), rtol=0, atol=1e-12)


def test_mask_operand_at_moderate_length():
    nq, nk = 600, 300
    rng = np.random.default_rng(2)
    q, k, v = qkv(rng, B, H, nq, nk, 8, 4, np.float32)
    mask = rng.random((B, H, nq, nk)) < 0.05
    for p in (MaskOperand(), Intersection((MaskOperand(), Causal())),
              Union((MaskOperand(), Window(3, 3)))):
        got = attention(q, k, v, p, mask, dtype=np.float64)
        expected = naive_attention(q, k, v, allowed_of(p, nq, nk, mask, naive=False))
        assert np.abs(got - expected).max() <= 1e-6


# -- column pruning changes nothing ------------------------------------------


@settings(max_examples=40, deadline=None)
@given(cases(max_n=600, max_heads=2), st.integers(0, 2**32 - 1),
       st.sampled_from((8, 64, 256)), st.sampled_from((4, 32, 64)))
def test_pruning_changes_nothing(case, seed, row_chunk, col_tile):
    nq, nk, heads, p, mask = case
    rng = np.random.default_rng(seed)
    q, k, v = qkv(rng, 1, heads, nq, nk, 4, 2, np.float32)
    mask = None if mask is None else mask[None]
    with mock.patch.object(reference, "ROW_CHUNK", row_chunk), \
            mock.patch.object(reference, "COLUMN_TILE", col_tile):
        pruned = attention(q, k, v, p, mask, dtype=np.float64)
        full = attention(q, k, v, p, mask, dtype=np.float64, prune_columns=False)
    np.testing.assert_allclose(pruned, full, rtol=0, atol=1e-12)


# -- edge cases --------------------------------------------------------------


@pytest.mark.parametrize("prune", [True, False])
def test_fully_masked_rows_are_zero(prune):
    rng = np.random.default_rng(3)
    q, k, v = qkv(rng, B, H, 12, 10, 4, 3, np.float32)
    out = attention(q, k, v, Causal(offset=-5), prune_columns=prune)
    assert not np.isnan(out).any()
    assert (out[:, :, :5] == 0).all()
    assert (np.abs(out[:, :, 5:]).sum(axis=-1) > 0).all()
    # A mask with an all-false row, for one batch and head only.
    mask = rng.random((B, H, 12, 10)) < 0.5
    mask[:, :, :, 0] = True
    mask[1, 0, 7] = False
    out = attention(q, k, v, MaskOperand(), mask, prune_columns=prune)
    assert not np.isnan(out).any()
    assert (out[1, 0, 7] == 0).all()
    assert (np.abs(out[0, :, 7]).sum(axis=-1) > 0).all()
    # Nothing attends anything.
    out = attention(q, k, v, Intersection((Causal(), Window(3, 0), Causal(-4))),
                    prune_columns=prune)
    assert (out[:, :, :4] == 0).all() and not np.isnan(out).any()
    assert (attention(q, k, v, Global(()), prune_columns=prune) == 0).all()
    assert (attention(q, k, v, RandomBlocks(4, 0), prune_columns=prune) == 0).all()


@pytest.mark.parametrize("p", [Dense(), Causal(), Window(3, 5), Union((Window(2, 2),
                                                                       Global((0,))))],
                         ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_large_scores_are_stable(p, dtype):
    nq = nk = 40
    rng = np.random.default_rng(4)
    q, k, _ = qkv(rng, B, H, nq, nk, 8, 1, np.float32)
    q = (q * 1e4).astype(dtype)
    k = k.astype(dtype)
    # With v the identity, the output rows are the attention probabilities.
    v = np.broadcast_to(np.eye(nk, dtype=dtype), (B, H, nk, nk))
    probs = attention(q, k, v, p, dtype=np.float64)
    assert np.isfinite(probs).all()
    assert (probs >= 0).all()
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
    allowed = np.array(allowed_of(p, nq, nk, naive=False))
    assert (probs[~allowed] == 0).all()
    expected = naive_attention(q, k, v, allowed)
    assert np.abs(probs - expected).max() <= 1e-6
    # The result in the input dtype is finite too.
    assert np.isfinite(attention(q, k, v, p)).all()


@pytest.mark.parametrize("prune", [True, False])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_value_reaches_exactly_the_rows_attending_it(prune, bad):
    nq, nk, j = 30, 30, 12
    rng = np.random.default_rng(5)
    q, k, v = qkv(rng, B, H, nq, nk, 4, 3, np.float64)
    v[0, 1, j] = bad
    p = Union((Window(2, 2), Global((0,))))
    with mock.patch.object(reference, "ROW_CHUNK", 8), \
            mock.patch.object(reference, "COLUMN_TILE", 4):
        out = attention(q, k, v, p, prune_columns=prune)
    attends = p.dense_mask(nq, nk)[:, j]
    assert attends.sum() == 6 and not attends.all()
    assert (~np.isfinite(out[0, 1, attends])).all()
    if bad is np.nan:
        assert np.isnan(out[0, 1, attends]).all()
    assert np.isfinite(out[0, 1, ~attends]).all()
    # Other batches and heads do not see it.
    assert np.isfinite(out[1]).all() and np.isfinite(out[0, 0]).all()


def test_nan_value_is_not_hidden_by_a_zero_probability():
    """A NaN value row that is attended propagates even when its softmax
    weight underflows to 0."""
    q = np.zeros((1, 1, 1, 1))
    q[..., 0] = 1e4
    k = np.array([1.0, -1.0]).reshape(1, 1, 2, 1)
    v = np.array([1.0, np.nan]).reshape(1, 1, 2, 1)
    assert np.isnan(attention(q, k, v, Dense(), scale=1.0)).all()
    assert attention(q, k, v, Causal(), scale=1.0)[0, 0, 0, 0] == 1.0


@pytest.mark.parametrize("shape", [(1, H, 9, 11), (B, 1, 9, 11), (1, 1, 9, 11),
                                   (B, H, 9, 11), (9, 11)])
def test_mask_broadcasting(shape):
    rng = np.random.default_rng(6)
    q, k, v = qkv(rng, B, H, 9, 11, 4, 3, np.float32)
    mask = rng.random(shape) < 0.5
    full = np.broadcast_to(mask, (B, H, 9, 11))
    for p in (MaskOperand(), Union((MaskOperand(), Causal(-2)))):
        got = attention(q, k, v, p, mask, dtype=np.float64)
        np.testing.assert_array_equal(
            got, attention(q, k, v, p, np.ascontiguousarray(full), dtype=np.float64))
        expected = naive_attention(q, k, v, allowed_of(p, 9, 11, full))
        assert np.abs(got - expected).max() <= 1e-6
    # Batches (heads) differ exactly where the mask does.
    if shape[0] == 1 and len(shape) == 4:
        np.testing.assert_array_equal(
            attention(q[:1], k[:1], v[:1], MaskOperand(), mask),
            attention(q, k, v, MaskOperand(), mask)[:1])


def test_explicit_scale():
    rng = np.random.default_rng(7)
    q, k, v = qkv(rng, B, H, 16, 20, 8, 4, np.float32)
    p = Union((Window(3, 1), Global((2,))))
    allowed = allowed_of(p, 16, 20)
    for scale in (0.3, 2.0, -1.0):
        got = attention(q, k, v, p, scale=scale, dtype=np.float64)
        assert np.abs(got - naive_attention(q, k, v, allowed, scale)).max() <= 1e-6
    # The default is 1/sqrt(D).
    np.testing.assert_array_equal(attention(q, k, v, p, dtype=np.float64),
                                  attention(q, k, v, p, scale=1 / np.sqrt(8),
                                            dtype=np.float64))
    assert np.abs(attention(q, k, v, p, scale=0.3, dtype=np.float64)
                  - attention(q, k, v, p, dtype=np.float64)).max() > 1e-3
    # Scale 0: uniform weights over the attended keys.
    got = attention(q, k, v, Causal(), scale=0.0, dtype=np.float64)
    v64 = v.astype(np.float64)
    expected = np.cumsum(v64, axis=2)[:, :, :16] / np.arange(1, 17)[:, None]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_pattern_as_ir_text():
    rng = np.random.default_rng(8)
    q, k, v = qkv(rng, B, H, 24, 24, 4, 4, np.float32)
    mask = rng.random((B, H, 24, 24)) < 0.3
    for text, p in [
        ("#attn.causal<offset = -1>", Causal(-1)),
        ("#attn.union<[#attn.window<left = 2, right = 2, dilation = [1, 2]>, "
         "#attn.global<[0, 17]>]>", Union((Window(2, 2, (1, 2)), Global((0, 17))))),
        ("#attn.intersect<[#attn.mask, #attn.strided<stride = 4>]>",
         Intersection((MaskOperand(), Strided(4)))),
    ]:
        np.testing.assert_array_equal(attention(q, k, v, text, mask),
                                      attention(q, k, v, p, mask))
    with pytest.raises(PatternError, match="no parameter"):
        attention(q, k, v, "#attn.causal<shift = 1>")


def test_errors():
    rng = np.random.default_rng(9)
    q, k, v = qkv(rng, B, H, 8, 8, 4, 4, np.float32)
    with pytest.raises(PatternError, match="mask"):
        attention(q, k, v, MaskOperand())
    with pytest.raises(PatternError, match="#attn.global"):
        attention(q, k, v, Global((8,)))
    with pytest.raises(PatternError, match="heads"):
        attention(q, k, v, Window(1, 1, (1, 2, 3)))
    with pytest.raises(ValueError, match="rank-4"):
        attention(q[0], k[0], v[0], Dense())
    with pytest.raises(ValueError, match="disagree"):
        attention(q, k[:, :, :7], v, Dense())
    with pytest.raises(ValueError, match="disagree"):
        attention(q, k[..., :3], v, Dense())


# -- memory at long length ---------------------------------------------------


def test_memory_at_long_length():
    """Window 256/256 plus a global token at N = 16384 stays within a 2 GiB
    budget for 12 heads.  Heads run sequentially: one head's float64 copies
    of q/k/v and its per-chunk temporaries are freed before the next head, so
    12 heads peak at what one head does (plus the float64 output, 8 MiB per
    head here: about 240 MiB for 12 heads when measured).  The test runs one
    head, at the full N = 16384 (well under a second), and checks its peak
    against the per-head share, 2 GiB / 12.  Inputs are allocated before
    tracing starts."""
    n, d = 16384, 64
    rng = np.random.default_rng(10)
    q, k, v = qkv(rng, 1, 1, n, n, d, d, np.float32)
    p = Union((Window(256, 256), Global((0,))))
    tracemalloc.start()
    try:
        start = time.perf_counter()
        out = attention(q, k, v, p)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 2**30 / 12, f"peak {peak / 2**20:.0f} MiB"
    assert elapsed < 20, f"took {elapsed:.1f} s"
    assert out.shape == (1, 1, n, d) and np.isfinite(out).all()
    # Spot-check rows against the definition: the first (global) row, one
    # in the middle and the last.
    for i in (0, 1, 8000, n - 1):
        js = np.union1d(np.arange(max(0, i - 256), min(n, i + 257)), [0])
        if i == 0:
            js = np.arange(n)
        s = (k[0, 0, js].astype(np.float64) @ q[0, 0, i].astype(np.float64)) / np.sqrt(d)
        e = np.exp(s - s.max())
        expected = (e / e.sum()) @ v[0, 0, js].astype(np.float64)
        np.testing.assert_allclose(out[0, 0, i], expected, rtol=1e-4, atol=1e-5)
