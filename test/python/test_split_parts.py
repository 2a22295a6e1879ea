"""attn-split-parts: the parts' tables hold exactly the pattern's pairs,
disjointly, and the split attention equals the reference on the
interpreter, the NumPy backend and (where torch is installed) the torch
backend on CPU."""

from __future__ import annotations

import numpy as np
import pytest

import attn_ir
from attn_ir import reference
from attn_ir.builder import attention
from attn_ir.dialects.tile import TiledAttentionOp
from attn_ir.dialects.tile_parts import AttentionPartOp, MergePartsOp
from attn_ir.interpreter import run_function
from attn_ir.interpreter.parts import merge_parts
from attn_ir.pipeline import parse_pipeline, print_module, process
from attn_ir.dialects.attn import parse_pattern

N = 384
SPLIT = "attn-decompose,attn-fuse{passes=1},attn-tile{q=16 k=16},attn-split-parts{ratio=2}"

SPLIT_PATTERNS = {
    "longformer": "#attn.union<[#attn.window<left = 6, right = 6>, #attn.global<[0]>]>",
    "two_globals": "#attn.union<[#attn.window<left = 3, right = 5>, #attn.global<[0, 1, 100]>]>",
    "bigbird": ("#attn.union<[#attn.block_local<block = 8, left = 1, right = 1>, "
                "#attn.random_blocks<block = 8, count = 2, seed = 3>, "
                f"#attn.global<[{', '.join(map(str, [*range(8), *range(N - 8, N)]))}]>]>"),
    # The straggler tile is all global rows: it moves to the rows part whole.
    "whole_tile": ("#attn.union<[#attn.window<left = 3, right = 3>, "
                   f"#attn.global<[{', '.join(map(str, range(16)))}]>]>"),
    "dilated": ("#attn.union<[#attn.window<left = 3, right = 3, dilation = 2>, "
                "#attn.global<[5]>]>"),
}


def lowered(pattern: str, pipeline: str = SPLIT, heads: int = 2, dtype: str = "f32"):
    module = attention((1, heads, N, 8), (1, heads, N, 8), pattern=pattern, dtype=dtype)
    result = process(print_module(module), "<test>", parse_pipeline(pipeline))
    assert result.ok, result.diagnostics
    return result.module


def inputs(heads: int = 2, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((1, heads, N, 8)).astype(np.float32) for _ in range(3)]


def expected(pattern: str, q, k, v):
    return reference.attention(q, k, v, parse_pattern(pattern), None, 8 ** -0.5, dtype=np.float64)


def part_pairs(op: AttentionPartOp) -> tuple[np.ndarray, np.ndarray]:
    """(pairs the part's tables give it, pairs it must have): [Nq, Nk]."""
    _, _, nq, nk, _, _ = op.dims
    bq, bk = op.block_q.value.data, op.block_k.value.data
    pattern = op.pattern.pattern
    dense = pattern.dense_mask(nq, nk)
    rows = op.row_selection()
    want = dense & rows[:, None]
    got = np.zeros((nq, nk), bool)
    ptr, keys, full = op.tables.data[0].arrays
    for t in range(len(ptr) - 1):
        for kt, is_full in zip(keys[ptr[t]:ptr[t + 1]], full[ptr[t]:ptr[t + 1]]):
            r, c = slice(t * bq, (t + 1) * bq), slice(kt * bk, (kt + 1) * bk)
            if is_full:
                # A full tile: every pair attends, no mask work; it must be so.
                assert (want[r, c]).all(), f"tile ({t}, {kt}) is marked full but is not"
                got[r, c] = True
            else:
                got[r, c] = dense[r, c] & rows[r, None]
    return got, want


@pytest.mark.parametrize("name", sorted(SPLIT_PATTERNS))
def test_parts_partition_the_pattern(name):
    module = lowered(SPLIT_PATTERNS[name])
    parts = [op for op in module.walk() if isinstance(op, AttentionPartOp)]
    assert len(parts) == 2 and not any(isinstance(op, TiledAttentionOp) for op in module.walk())
    covered = np.zeros((N, N), int)
    for op in parts:
        got, want = part_pairs(op)
        np.testing.assert_array_equal(got, want)
        covered += got
    np.testing.assert_array_equal(covered, parse_pattern(SPLIT_PATTERNS[name]).dense_mask(N, N))


def test_cost_rule_picks_the_global_rows():
    module = lowered(SPLIT_PATTERNS["two_globals"])
    rows = next(op for op in module.walk() if isinstance(op, AttentionPartOp)
                and op.only_rows is not None)
    assert rows.rows_only.tolist() == [0, 1, 100]
    bigbird = lowered(SPLIT_PATTERNS["bigbird"])
    rows = next(op for op in bigbird.walk() if isinstance(op, AttentionPartOp)
                and op.only_rows is not None)
    assert rows.rows_only.tolist() == [*range(8), *range(N - 8, N)]


@pytest.mark.parametrize("pattern", [
    "#attn.window<left = 6, right = 6>", "#attn.causal",
    "#attn.union<[#attn.window<left = 6, right = 6>, #attn.random_blocks<block = 16, "
    "count = 2, seed = 0>]>",
])
def test_even_work_is_left_alone(pattern):
    module = lowered(pattern)
    assert not any(isinstance(op, AttentionPartOp) for op in module.walk())


@pytest.mark.parametrize("name", sorted(SPLIT_PATTERNS))
def test_interpreter_equals_reference(name):
    q, k, v = inputs()
    (out,) = run_function(lowered(SPLIT_PATTERNS[name]), "attention", q, k, v)
    np.testing.assert_allclose(out, expected(SPLIT_PATTERNS[name], q, k, v), atol=2e-6)


@pytest.mark.parametrize("name", sorted(SPLIT_PATTERNS))
def test_numpy_backend_equals_reference(name):
    q, k, v = inputs(seed=1)
    f = attn_ir.compile(print_module(lowered(SPLIT_PATTERNS[name])), pipeline="")
    np.testing.assert_allclose(f(q, k, v), expected(SPLIT_PATTERNS[name], q, k, v), atol=2e-6)
    assert "_attention_part(" in f.source and "_merge_parts(" in f.source


@pytest.mark.parametrize("name", sorted(SPLIT_PATTERNS))
def test_torch_backend_equals_reference(name):
    pytest.importorskip("torch")
    q, k, v = inputs(seed=2)
    f = attn_ir.compile(print_module(lowered(SPLIT_PATTERNS[name])), pipeline="",
                        backend="torch", device="cpu")
    np.testing.assert_allclose(f(q, k, v), expected(SPLIT_PATTERNS[name], q, k, v), atol=2e-6)


def test_merge_weights_by_lse_and_empty_rows_are_zero():
    rng = np.random.default_rng(0)
    o1, o2 = rng.standard_normal((2, 1, 1, 3, 4))
    lse1 = np.array([[[0.0, -np.inf, -np.inf]]])
    lse2 = np.array([[[np.log(3.0), 1.0, -np.inf]]])
    out = merge_parts([o1, o2], [lse1, lse2])
    np.testing.assert_allclose(out[0, 0, 0], 0.25 * o1[0, 0, 0] + 0.75 * o2[0, 0, 0])
    np.testing.assert_allclose(out[0, 0, 1], o2[0, 0, 1])
    np.testing.assert_array_equal(out[0, 0, 2], 0.0)


def test_merge_ops_verify():
    module = lowered(SPLIT_PATTERNS["longformer"])
    merge = next(op for op in module.walk() if isinstance(op, MergePartsOp))
    assert len(merge.outputs) == len(merge.lses) == 2
    text = print_module(module)
    bad = text.replace("only_rows = array<i64: 0>", "only_rows = array<i64: 0, 500>")
    result = process(bad, "<bad>")
    assert not result.ok
    assert any("only_rows names a row outside" in d.message for d in result.diagnostics)
