"""FlexAttention ``BlockMask``s straight from tile tables.

``create_block_mask`` finds the full and partial blocks by evaluating the
mask_mod on every pair (about a second on CPU, 176 ms for its first call on
an H200); the tile table of ``tile.attention`` already separates them, so
the backend builds the block mask from it with ``BlockMask.from_kv_blocks``:
listed full tiles are FlexAttention's full blocks (no mask_mod call),
listed partial ones its partial blocks, the rest are skipped.  A tile that
a short last query or key block cuts is made partial, because FlexAttention
pads the mask with False there.  The index tables are built with NumPy and
moved to the device in one copy each.

Run-time tables (dynamic sparsity, whose tiles depend on the data) are
built on the device by the system that needs them (``from_device_tables``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from attn_ir.dialects.tile import TileTableAttr


def table_maps(table: TileTableAttr, nq: int, nk: int, bq: int, bk: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """(partial, full) [query tiles, key tiles] bool maps of one table, as
    FlexAttention classifies blocks."""
    ptr, keys, full = (np.asarray(a) for a in table.arrays)
    nqt, nkt = -(-nq // bq), -(-nk // bk)
    q_tile = np.repeat(np.arange(nqt), np.diff(ptr))
    whole = ((q_tile + 1) * bq <= nq) & ((keys + 1) * bk <= nk)
    is_full = full.astype(bool) & whole
    partial_map = np.zeros((nqt, nkt), bool)
    full_map = np.zeros((nqt, nkt), bool)
    full_map[q_tile[is_full], keys[is_full]] = True
    partial_map[q_tile[~is_full], keys[~is_full]] = True
    return partial_map, full_map


def _ordered(dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(count, indices) of a [..., KV blocks] map, in FlexAttention's order:
    the listed blocks ascending, then the others."""
    count = dense.sum(axis=-1).astype(np.int32)
    indices = np.argsort(~dense, axis=-1, kind="stable").astype(np.int32)
    return count, indices


def from_tables(tables: Sequence[TileTableAttr], batch: int, heads: int, nq: int, nk: int,
                bq: int, bk: int, mask_mod, device) -> object:
    """A BlockMask [B, H] for one table shared by every head or one per head."""
    from torch.nn.attention.flex_attention import BlockMask

    maps = [table_maps(t, nq, nk, bq, bk) for t in tables]
    partial = np.stack([m[0] for m in maps])[None]  # [1, T, nqt, nkt]
    full = np.stack([m[1] for m in maps])[None]
    arrays = [*_ordered(partial), *_ordered(full)]
    kv_num, kv_idx, full_num, full_idx = (
        torch.from_numpy(np.ascontiguousarray(a)).to(device, non_blocking=True)
        for a in arrays)
    shape = (batch, heads)
    return BlockMask.from_kv_blocks(
        kv_num.expand(*shape, *kv_num.shape[2:]), kv_idx.expand(*shape, *kv_idx.shape[2:]),
        full_num.expand(*shape, *full_num.shape[2:]),
        full_idx.expand(*shape, *full_idx.shape[2:]),
        BLOCK_SIZE=(bq, bk), mask_mod=mask_mod, seq_lengths=(nq, nk))


def from_device_tables(kv_num, kv_idx, full_num, full_idx, bq: int, bk: int, nq: int, nk: int,
                       mask_mod, backward: bool = True) -> object:
    """A BlockMask from FlexAttention's [B, H, query tiles(, key tiles)]
    int32 tables built on the device (run-time tables: their tiles depend
    on the data); the transposed tables only when ``backward`` needs them."""
    from torch.nn.attention.flex_attention import BlockMask

    return BlockMask.from_kv_blocks(kv_num, kv_idx, full_num, full_idx, BLOCK_SIZE=(bq, bk),
                                    mask_mod=mask_mod, seq_lengths=(nq, nk),
                                    compute_q_blocks=backward)
