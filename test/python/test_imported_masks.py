"""Imported masks end where they started: a boolean mask turned into a tile
table (``Tiles.from_mask``), exported to FlexAttention or read back from a
mask_mod must attend exactly the pairs of the SOURCE mask, compared pair by
pair with that mask (never with the table the import built).  The masks are
made to have near-full tiles (one pair missing), full and empty tiles and
ragged edge tiles, where a classifier that rounds is wrong."""

from __future__ import annotations

import numpy as np
import pytest

from attn_ir import patterns as P
from attn_ir import reference
from attn_ir.dialects.attn import parse_pattern

SHAPES = [  # (heads, nq, nk, block): ragged edges, one-tile, per-head tables
    (1, 16, 16, (4, 4)),
    (1, 19, 13, (4, 8)),
    (3, 10, 23, (5, 4)),
    (2, 7, 7, (8, 8)),
]


def source_mask(heads: int, nq: int, nk: int, block: tuple[int, int], seed: int,
                shared: bool) -> np.ndarray:
    """[heads, nq, nk]: every tile drawn as empty, full, near-full (one pair
    missing, also in edge tiles) or 90 % dense."""
    rng = np.random.default_rng(seed)
    bq, bk = block
    out = np.zeros((heads, nq, nk), bool)
    for h in range(1 if shared else heads):
        for q0 in range(0, nq, bq):
            for k0 in range(0, nk, bk):
                rows, cols = min(bq, nq - q0), min(bk, nk - k0)
                kind = rng.integers(4)
                tile = np.full((rows, cols), kind != 0)
                if kind == 2 and rows * cols > 1:
                    tile[rng.integers(rows), rng.integers(cols)] = False
                if kind == 3:
                    tile = rng.random((rows, cols)) < 0.9
                out[h, q0:q0 + rows, k0:k0 + cols] = tile
    if shared:
        out[1:] = out[0]
    return out


def masked_softmax_attention(q, k, v, mask, scale):
    """Plain masked softmax per (batch, head), rows with no pair give 0:
    written here, independently of attn_ir.reference."""
    out = np.zeros(q.shape[:3] + (v.shape[3],))
    for b in range(q.shape[0]):
        for h in range(q.shape[1]):
            for i in range(q.shape[2]):
                keys = [j for j in range(k.shape[2]) if mask[h, i, j]]
                if not keys:
                    continue
                s = np.array([scale * q[b, h, i] @ k[b, h, j] for j in keys])
                w = np.exp(s - s.max())
                out[b, h, i] = (w / w.sum()) @ v[b, h, keys]
    return out


CASES = [(shape, seed, shared) for shape in SHAPES for seed in range(3)
         for shared in ((True, False) if shape[0] > 1 else (True,))]


@pytest.mark.parametrize("shape,seed,shared", CASES)
def test_from_mask_attends_the_source(shape, seed, shared):
    heads, nq, nk, block = shape
    mask = source_mask(heads, nq, nk, block, seed, shared)
    p = P.Tiles.from_mask(mask[0] if shared else mask, block)
    p.validate(nq, nk, heads)
    i, j = np.meshgrid(np.arange(nq), np.arange(nk), indexing="ij")
    again = parse_pattern(str(p))  # the printed attribute, parsed back
    for h in range(heads):
        dom = P.Domain(nq, nk, h)
        np.testing.assert_array_equal(p.attends(i, j, dom), mask[h])
        np.testing.assert_array_equal(again.attends(i, j, dom), mask[h])
        assert p.nnz(nq, nk, h) == mask[h].sum()


@pytest.mark.parametrize("shape,seed,shared", CASES)
def test_from_mask_tile_classes(shape, seed, shared):
    """Full exactly where every pair of the source tile is kept (its extent
    clipped at the edges), skipped where none is, partial otherwise."""
    heads, nq, nk, block = shape
    bq, bk = block
    mask = source_mask(heads, nq, nk, block, seed, shared)
    p = P.Tiles.from_mask(mask[0] if shared else mask, block)
    for h in range(heads):
        table = p.tile_table(nq, nk, bq, bk, h)
        listed = {(int(a), int(b)): bool(f) for a, b, f in zip(table.q_tile, table.k_tile,
                                                               table.full)}
        for qt in range(-(-nq // bq)):
            for kt in range(-(-nk // bk)):
                tile = mask[h, qt * bq:(qt + 1) * bq, kt * bk:(kt + 1) * bk]
                if not tile.any():
                    assert (qt, kt) not in listed
                else:
                    assert listed[(qt, kt)] == bool(tile.all()), (h, qt, kt)


def test_from_mask_near_full_tiles_through_the_reference():
    """The attention of an imported mask with near-full tiles is the plain
    masked softmax over the source mask."""
    heads, nq, nk, block = 2, 12, 10, (4, 5)
    mask = source_mask(heads, nq, nk, block, seed=11, shared=False)
    # Every tile near-full: each misses exactly one pair.
    for h in range(heads):
        for q0 in range(0, nq, 4):
            for k0 in range(0, nk, 5):
                mask[h, q0:q0 + 4, k0:k0 + 5] = True
                mask[h, q0 + (h + q0) % 4, k0 + (k0 // 5) % 5] = False
    p = P.Tiles.from_mask(mask, block)
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((1, heads, n, 4)) for n in (nq, nk, nk))
    got = reference.attention(q, k, v, p, scale=0.5)
    np.testing.assert_allclose(got, masked_softmax_attention(q, k, v, mask, 0.5),
                               rtol=1e-12, atol=1e-12)


# -- FlexAttention -----------------------------------------------------------------


def _flex():
    pytest.importorskip("torch")
    pytest.importorskip("torch.nn.attention.flex_attention")
    from attn_ir.interop import flex

    return flex


@pytest.mark.parametrize("shape,seed", [(SHAPES[1], 0), (SHAPES[2], 1)])
def test_flex_block_mask_of_an_imported_mask_is_the_source(shape, seed):
    """Source mask -> #attn.tiles -> BlockMask: full blocks plus mask_mod in
    partial blocks give the source pairs."""
    import torch

    flex = _flex()
    heads, nq, nk, block = shape
    mask = source_mask(heads, nq, nk, block, seed, shared=False)
    p = P.Tiles.from_mask(mask, block)
    size = 4
    bm = flex.to_block_mask(p, 1, heads, nq, nk, block_size=size)
    fn = flex.mask_mod(p, nq, nk)

    def blocks(num, indices):
        listed = torch.arange(indices.shape[-1]) < num[..., None]
        dense = torch.zeros(indices.shape, dtype=torch.bool).scatter_(-1, indices.long(), listed)
        return dense.repeat_interleave(size, -2).repeat_interleave(size, -1)[..., :nq, :nk]

    full = blocks(bm.full_kv_num_blocks, bm.full_kv_indices)
    partial = blocks(bm.kv_num_blocks, bm.kv_indices)
    h = torch.arange(heads)[None, :, None, None]
    got = full | (partial & fn(torch.tensor(0), h, torch.arange(nq)[:, None],
                               torch.arange(nk)[None, :]))
    np.testing.assert_array_equal(got[0].numpy(), mask)


@pytest.mark.parametrize("shape,seed", [(SHAPES[0], 2), (SHAPES[2], 0)])
def test_flex_from_mask_mod_gives_the_source(shape, seed):
    """A mask_mod reading the source mask -> pattern: the pattern's pairs are
    the source's, per head."""
    import torch

    flex = _flex()
    heads, nq, nk, block = shape
    mask = source_mask(heads, nq, nk, block, seed, shared=False)
    table = torch.from_numpy(mask)

    def fn(b, h, q_idx, kv_idx):
        return table[h, q_idx, kv_idx]

    p = flex.from_mask_mod(fn, nq, nk, H=heads, block_size=block)
    p.validate(nq, nk, heads)
    for h in range(heads):
        np.testing.assert_array_equal(p.dense_mask(nq, nk, h), mask[h])
