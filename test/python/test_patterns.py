"""Property tests of the pattern library against the dense mask, the text
form of patterns, and ``validate``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attn_ir.patterns import (
    ALL_FAMILIES,
    UNKNOWN,
    BlockLocal,
    Causal,
    Dense,
    Domain,
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
from attn_ir.dialects.attn import parse_pattern as parse
from conftest import FAMILIES, cases, naive_mask, tiles

# -- helpers ------------------------------------------------------------------


def _head_mask(mask, head):
    return None if mask is None else mask[head]


def _block_sums(dense: np.ndarray, bq: int, bk: int):
    """Attended pairs and number of pairs of every (query tile, key tile)."""
    nq, nk = dense.shape
    nqt, nkt = -(-nq // bq), -(-nk // bk)
    padded = np.zeros((nqt * bq, nkt * bk), np.int64)
    padded[:nq, :nk] = dense
    sums = padded.reshape(nqt, bq, nkt, bk).sum(axis=(1, 3))
    rows = np.minimum(np.arange(1, nqt + 1) * bq, nq) - np.arange(nqt) * bq
    cols = np.minimum(np.arange(1, nkt + 1) * bk, nk) - np.arange(nkt) * bk
    return sums, np.outer(rows, cols)


def check_tile_table(p, nq, nk, bq, bk, head, mask, dense):
    table = p.tile_table(nq, nk, bq, bk, head, mask)
    sums, area = _block_sums(dense, bq, bk)
    nqt, nkt = sums.shape
    assert (table.num_q_tiles, table.num_k_tiles) == (nqt, nkt)
    qt, kt = table.q_tile, table.k_tile
    assert len(qt) == len(kt) == len(table.full) == len(table.count)
    # Every non-empty tile is listed, no empty one is.
    assert set(zip(qt.tolist(), kt.tolist())) == set(zip(*map(np.ndarray.tolist,
                                                                np.nonzero(sums))))
    # Counts and fullness are exact.
    np.testing.assert_array_equal(table.count, sums[qt, kt])
    np.testing.assert_array_equal(table.full, sums[qt, kt] == area[qt, kt])
    # Sorted by (q_tile, k_tile), no duplicates.
    keys = qt * nkt + kt
    assert (np.diff(keys) > 0).all()
    assert table.num_full + table.num_partial + table.num_skipped == nqt * nkt
    assert table.nnz == dense.sum()
    # CSR view agrees with the flat lists.
    ptr = table.row_ptr
    assert ptr[0] == 0 and ptr[-1] == len(qt)
    for t in range(nqt):
        ks, full = table.key_tiles(t)
        np.testing.assert_array_equal(ks, np.nonzero(sums[t])[0])
        np.testing.assert_array_equal(full, sums[t, ks] == area[t, ks])


def check_candidates(p, nq, nk, bq, bk, head, mask, dense):
    qt, kt = p.candidate_tiles(Domain(nq, nk, head, mask), bq, bk)
    nqt, nkt = -(-nq // bq), -(-nk // bk)
    assert ((qt >= 0) & (qt < nqt) & (kt >= 0) & (kt < nkt)).all()
    sums, _ = _block_sums(dense, bq, bk)
    non_empty = set(zip(*map(np.ndarray.tolist, np.nonzero(sums))))
    assert non_empty <= set(zip(qt.tolist(), kt.tolist()))


def check_row_counts(node, nq, nk, head, seed):
    """row_counts over random [j0, j1) equals the dense mask's row sums."""
    dense = node.dense_mask(nq, nk, head)
    prefix = np.concatenate([np.zeros((nq, 1), np.int64), np.cumsum(dense, axis=1)],
                            axis=1)
    rng = np.random.default_rng(seed)
    i = rng.integers(0, nq, 40)
    a, b = rng.integers(0, nk + 1, 40), rng.integers(0, nk + 1, 40)
    j0, j1 = np.minimum(a, b), np.maximum(a, b)
    dom = Domain(nq, nk, head)
    got = node.row_counts(i, j0, j1, dom)
    np.testing.assert_array_equal(got, prefix[i, j1] - prefix[i, j0])
    # Broadcast form (as tile counting calls it): rows x ranges.
    got = node.row_counts(i[:, None], j0[None, :8], j1[None, :8], dom)
    np.testing.assert_array_equal(got, prefix[i[:, None], j1[None, :8]]
                                  - prefix[i[:, None], j0[None, :8]])
    # Whole rows.
    rows = np.arange(nq)
    np.testing.assert_array_equal(
        node.row_counts(rows, np.zeros_like(rows), np.full_like(rows, nk), dom),
        dense.sum(axis=1))


def check_all(case, bq, bk, seed):
    nq, nk, heads, p, mask = case
    p.validate(nq, nk, heads)
    for head in range(heads):
        m = _head_mask(mask, head)
        dense = p.dense_mask(nq, nk, head, m)
        assert dense.shape == (nq, nk) and dense.dtype == bool
        # (a) nnz
        assert p.nnz(nq, nk, head, m) == dense.sum()
        # (b) tile table
        check_tile_table(p, nq, nk, bq, bk, head, m, dense)
        # (d) candidates
        check_candidates(p, nq, nk, bq, bk, head, m, dense)
        # (c) closed-form row counts, of the pattern and of its parts
        for node in p.walk():
            if node.closed_form:
                check_row_counts(node, nq, nk, head, seed)


# -- properties against the dense mask ------------------------------------------


@settings(max_examples=150, deadline=None)
@given(cases(), tiles(), st.integers(0, 2**32 - 1))
def test_pattern_properties(case, tile, seed):
    check_all(case, *tile, seed)


@pytest.mark.parametrize("family", FAMILIES)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_family_properties(family, data):
    """The same properties, with every family drawn on its own."""
    case = data.draw(cases(family))
    check_all(case, *data.draw(tiles()), data.draw(st.integers(0, 2**32 - 1)))


@pytest.mark.parametrize("family", FAMILIES)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_attends_matches_definition(family, data):
    """The vectorised predicate agrees with each family's documented
    definition, restated pair by pair in plain Python."""
    nq, nk, heads, p, mask = data.draw(cases(family, max_n=32))
    for head in range(heads):
        m = _head_mask(mask, head)
        np.testing.assert_array_equal(p.dense_mask(nq, nk, head, m),
                                      naive_mask(p, nq, nk, head, m))


def test_every_family_is_drawn():
    names = {cls.mnemonic for cls in ALL_FAMILIES}
    assert names == set(FAMILIES)


@pytest.mark.parametrize("p, nq, nk, expected", [
    (Dense(), 3, 5, np.ones((3, 5), bool)),
    (Causal(), 3, 3, np.tril(np.ones((3, 3), bool))),
    (Causal(-1), 3, 3, np.tril(np.ones((3, 3), bool), -1)),
    (Causal(2), 2, 4, np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)),
    (Window(1, 0), 3, 3, np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1]], bool)),
    (Window(1, 1, (2,)), 5, 5, np.array([[1, 0, 1, 0, 0], [0, 1, 0, 1, 0],
                                          [1, 0, 1, 0, 1], [0, 1, 0, 1, 0],
                                          [0, 0, 1, 0, 1]], bool)),
    (Global((1,)), 3, 4, np.array([[0, 1, 0, 0], [1, 1, 1, 1], [0, 1, 0, 0]], bool)),
    (BlockLocal(2), 4, 4, np.kron(np.eye(2, dtype=bool), np.ones((2, 2), bool))),
    (Strided(2), 4, 4, np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0],
                                  [0, 1, 1, 1]], bool)),
    (Fixed(2, 1), 4, 4, np.array([[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0],
                                   [0, 1, 1, 1]], bool)),
    (Window2D((2, 2), (1, 3), 1), 5, 5, np.array([[0, 0, 0, 0, 0], [0, 1, 1, 0, 0],
                                                   [0, 1, 1, 0, 0], [0, 0, 0, 1, 1],
                                                   [0, 0, 0, 1, 1]], bool)),
])
def test_small_masks_by_hand(p, nq, nk, expected):
    np.testing.assert_array_equal(p.dense_mask(nq, nk), expected)


def test_per_head_dilation():
    p = Window(1, 1, (1, 3))
    assert p.head_dependent and not Window(1, 1, (2, 2)).head_dependent
    assert p.dense_mask(8, 8, 0)[4].nonzero()[0].tolist() == [3, 4, 5]
    assert p.dense_mask(8, 8, 1)[4].nonzero()[0].tolist() == [1, 4, 7]
    assert p.nnz(8, 8, 0) != p.nnz(8, 8, 1)


def test_random_blocks_generator_is_documented_one():
    p = RandomBlocks(block=4, count=2, seed=7)
    table = p.chosen(16, 20)
    for b in range(4):
        expected = np.sort(np.random.default_rng([7, b]).choice(5, 2, replace=False))
        np.testing.assert_array_equal(table[b], expected)
    # More requested blocks than exist: every key block.
    assert RandomBlocks(4, 9).nnz(8, 10) == 8 * 10


# -- large shapes, without materialising Nq x Nk -----------------------------


def test_nnz_at_large_length_closed_form():
    n = 1_000_000
    assert Causal().nnz(n, n) == n * (n + 1) // 2
    assert Dense().nnz(n, n // 2) == n * (n // 2)
    i = np.arange(n)
    expected = int((np.minimum(i + 256, n - 1) - np.maximum(i - 256, 0) + 1).sum())
    assert Window(256, 256).nnz(n, n) == expected
    assert Global((0, 5)).nnz(n, n) == 2 * n + 2 * n - 4


def test_tile_table_at_large_length():
    n = 1 << 17
    table = Union((Window(128, 128), Global((0,)))).tile_table(n, n, 128, 128)
    nt = n // 128
    # The window touches three diagonals of tiles (the first and last rows
    # two), the global token adds the rest of query tile 0 and key tile 0.
    assert table.num_q_tiles == nt
    assert table.num_full + table.num_partial == len(table.q_tile)
    assert table.nnz == Union((Window(128, 128), Global((0,)))).nnz(n, n)
    assert len(table.q_tile) == (3 * nt - 2) + 2 * (nt - 2)


def test_dense_mask_refuses_large_shapes():
    with pytest.raises(PatternError, match="too large"):
        Causal().dense_mask(1 << 14, 1 << 14)


def test_tile_sizes_must_be_positive():
    with pytest.raises(PatternError, match="positive"):
        Causal().tile_table(8, 8, 0, 4)


# -- the mask operand without its data ---------------------------------------


def test_mask_operand_without_data():
    p = Union((MaskOperand(), Window(1, 1)))
    assert p.uses_mask and not Window(1, 1).uses_mask
    table = MaskOperand().tile_table(10, 9, 4, 4)
    assert len(table.q_tile) == 3 * 3
    assert (table.count == UNKNOWN).all() and not table.full.any()
    assert table.nnz is None
    with pytest.raises(PatternError, match="mask"):
        MaskOperand().nnz(10, 9)
    with pytest.raises(PatternError, match="mask operand"):
        MaskOperand().dense_mask(4, 4)
    # A union with a full part is full even without the data ...
    table = Union((MaskOperand(), Dense())).tile_table(8, 8, 4, 4)
    assert table.full.all() and table.nnz == 64
    # ... an intersection with an empty part is skipped ...
    table = Intersection((MaskOperand(), Causal(-8))).tile_table(8, 8, 4, 4)
    assert len(table.q_tile) == 0
    # ... and a mixed tile stays unknown.
    table = Union((MaskOperand(), Window(0, 0))).tile_table(8, 8, 4, 4)
    assert (table.count == UNKNOWN).all()
    with pytest.raises(PatternError):
        Union((MaskOperand(), Window(0, 0))).nnz(8, 8)


# -- text form ---------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(cases())
def test_text_round_trip(case):
    p = case[3]
    text = str(p)
    assert text.startswith("#attn.")
    assert parse(text) == p
    assert str(parse(text)) == text


@pytest.mark.parametrize("p, text", [
    (Dense(), "#attn.dense"),
    (Causal(), "#attn.causal"),
    (Causal(0), "#attn.causal"),
    (Causal(1), "#attn.causal<offset = 1>"),
    (Causal(-3), "#attn.causal<offset = -3>"),
    (Window(256, 256, (1,)), "#attn.window<left = 256, right = 256>"),
    (Window(4, 0, (2,)), "#attn.window<left = 4, right = 0, dilation = 2>"),
    (Window(256, 256, (1, 1, 2, 2)),
     "#attn.window<left = 256, right = 256, dilation = [1, 1, 2, 2]>"),
    (Window2D((56, 56), (15, 15), 1),
     "#attn.window2d<grid = [56, 56], window = [15, 15], offset = 1>"),
    (Window2D((4, 8), (3, 5)), "#attn.window2d<grid = [4, 8], window = [3, 5]>"),
    (Global((0, 17)), "#attn.global<[0, 17]>"),
    (Global((5,)), "#attn.global<[5]>"),
    (BlockLocal(64), "#attn.block_local<block = 64>"),
    (BlockLocal(64, 1, 1), "#attn.block_local<block = 64, left = 1, right = 1>"),
    (RandomBlocks(64, 3), "#attn.random_blocks<block = 64, count = 3>"),
    (RandomBlocks(64, 3, 9), "#attn.random_blocks<block = 64, count = 3, seed = 9>"),
    (Strided(128), "#attn.strided<stride = 128>"),
    (Fixed(128, 32), "#attn.fixed<stride = 128, summary = 32>"),
    (MaskOperand(), "#attn.mask"),
    (Union((Causal(), Global((0,)))), "#attn.union<[#attn.causal, #attn.global<[0]>]>"),
    (Intersection((Union((Dense(), MaskOperand())), Window(1, 2))),
     "#attn.intersect<[#attn.union<[#attn.dense, #attn.mask]>, "
     "#attn.window<left = 1, right = 2>]>"),
])
def test_exact_text(p, text):
    assert str(p) == text
    assert parse(text) == p


@pytest.mark.parametrize("text, p", [
    ("#attn.window<right = 1, left = 2>", Window(2, 1)),
    ("#attn.window<left = 2, right = 1, dilation = 3>", Window(2, 1, (3,))),
    ("#attn.window<left = 2, right = 1, dilation = [3]>", Window(2, 1, (3,))),
    ("#attn.causal<offset = 0>", Causal()),
    ("  #attn.causal  ", Causal()),
    ("#attn.block_local<block = 8, right = 2>", BlockLocal(8, 0, 2)),
    ("#attn.union<[#attn.union<[#attn.causal]>, #attn.mask]>",
     Union((Union((Causal(),)), MaskOperand()))),
])
def test_parse_variants(text, p):
    assert parse(text) == p


@pytest.mark.parametrize("text, message", [
    ("#attn.window<left = 1, right = 2, width = 3>",
     "#attn.window has no parameter 'width'"),
    ("#attn.window<left = 1>", "#attn.window: missing parameter 'right'"),
    ("#attn.fixed<stride = 4>", "#attn.fixed: missing parameter 'summary'"),
    ("#attn.window<left = 1, left = 2, right = 3>", "parameter 'left' given twice"),
    ("i32", "expected an #attn pattern attribute, got i32"),
    ("#builtin.int<3>", "expected an #attn pattern attribute"),
    ("#attn.causal #attn.dense", "unexpected text after the pattern"),
    ("#attn.causal<offset = 1> x", "unexpected text after the pattern"),
    ("#attn.window<left = i32, right = 1>", "parameter 'left' expects an integer"),
    ("#attn.nosuch", "attn.nosuch"),
    ("", "attribute expected"),
    # Values of the wrong kind: a list, a pattern or an integer in the wrong place.
    ("#attn.global<0>", "#attn.global: parameter 'indices' expects a list"),
    ("#attn.causal<offset = [1]>", "#attn.causal: parameter 'offset' expects an integer"),
    ("#attn.causal<offset = #attn.dense>",
     "#attn.causal: parameter 'offset' expects an integer"),
    ("#attn.union<[1, 2]>", "#attn.union: parameter 'patterns' expects a pattern"),
    ("#attn.union<#attn.dense>", "#attn.union: parameter 'patterns' expects a list"),
    ("#attn.window<left = 1, right = 1, dilation = [#attn.dense]>",
     "#attn.window: parameter 'dilation' expects an integer"),
])
def test_parse_errors(text, message):
    with pytest.raises(PatternError) as info:
        parse(text)
    assert message in str(info.value)


# -- validate ----------------------------------------------------------------


@pytest.mark.parametrize("p, shape, messages", [
    (Window(-1, 2), (8, 8, 1), ["#attn.window", "left", "-1"]),
    (Window(2, -3), (8, 8, 1), ["#attn.window", "right", "-3"]),
    (Window(2, 2, (0,)), (8, 8, 1), ["#attn.window", "dilation", "positive"]),
    (Window(2, 2, (1, 0)), (8, 8, 2), ["#attn.window", "dilation"]),
    (Window(2, 2, (1, 2)), (8, 8, 3), ["#attn.window", "dilation", "2 entries", "3 heads"]),
    (Window(2, 2, (1, 2, 1)), (8, 8, 1), ["#attn.window", "dilation"]),
    (Window(2, 2, ()), (8, 8, 1), ["#attn.window", "dilation"]),
    (Global((0, 8)), (8, 16, 1), ["#attn.global", "8", "out of range"]),
    (Global((0, 8)), (16, 8, 1), ["#attn.global", "8", "out of range"]),
    (Global((-1,)), (8, 8, 1), ["#attn.global", "-1", "out of range"]),
    (Global((3, 1, 3)), (8, 8, 1), ["#attn.global", "3", "twice"]),
    (Window2D((2, 2), (2, 3)), (8, 8, 1), ["#attn.window2d", "odd", "2"]),
    (Window2D((2, 2), (3, 0)), (8, 8, 1), ["#attn.window2d", "odd"]),
    (Window2D((3, 3), (3, 3)), (8, 16, 1), ["#attn.window2d", "3x3", "9", "8"]),
    (Window2D((2, 4), (3, 3), 1), (16, 8, 1), ["#attn.window2d", "offset 1", "9"]),
    (Window2D((0, 4), (3, 3)), (8, 8, 1), ["#attn.window2d", "grid"]),
    (Window2D((2, 2), (3, 3), -1), (8, 8, 1), ["#attn.window2d", "offset"]),
    (Window2D((3,), (3, 3)), (8, 8, 1), ["#attn.window2d", "grid"]),
    (Window2D((2, 2), (3, 3, 3)), (8, 8, 1), ["#attn.window2d", "window"]),
    (BlockLocal(0), (8, 8, 1), ["#attn.block_local", "block", "positive"]),
    (BlockLocal(4, -1), (8, 8, 1), ["#attn.block_local", "left"]),
    (RandomBlocks(0, 2), (8, 8, 1), ["#attn.random_blocks", "block"]),
    (RandomBlocks(4, -2), (8, 8, 1), ["#attn.random_blocks", "count"]),
    (RandomBlocks(4, 2, -1), (8, 8, 1), ["#attn.random_blocks", "seed"]),
    (Strided(0), (8, 8, 1), ["#attn.strided", "stride"]),
    (Fixed(4, 5), (8, 8, 1), ["#attn.fixed", "summary (5)", "stride (4)"]),
    (Fixed(4, 0), (8, 8, 1), ["#attn.fixed", "summary"]),
    (Fixed(0, 0), (8, 8, 1), ["#attn.fixed", "stride"]),
    (Union(()), (8, 8, 1), ["#attn.union", "at least one"]),
    (Intersection(()), (8, 8, 1), ["#attn.intersect", "at least one"]),
    # Rules apply inside combinations.
    (Union((Causal(), Intersection((Dense(), Global((9,)))))), (8, 8, 1),
     ["#attn.global", "9"]),
])
def test_validate_rejects(p, shape, messages):
    with pytest.raises(PatternError) as info:
        p.validate(*shape)
    for m in messages:
        assert m in str(info.value)


@pytest.mark.parametrize("p, shape", [
    (Window(0, 0), (1, 1, 1)),
    (Window(3, 3, (1, 2, 3)), (8, 8, 3)),
    (Window(3, 3, (2,)), (8, 8, 5)),
    (Global(()), (1, 1, 1)),
    (Global((7, 0)), (8, 8, 1)),
    (Window2D((2, 4), (3, 3), 1), (9, 9, 1)),
    (Window2D((1, 1), (1, 1), 0), (1, 1, 1)),
    (Fixed(4, 4), (8, 8, 1)),
    (RandomBlocks(4, 0), (8, 8, 1)),
    (Causal(-100), (8, 8, 1)),
    (MaskOperand(), (8, 8, 1)),
    (Union((Intersection((Causal(),)),)), (8, 8, 1)),
])
def test_validate_accepts(p, shape):
    p.validate(*shape)
