"""Sparse Flash Attention (Pagliardini et al., 2023) on the torch backend:
the ops ``attn-tile`` leaves of ``attn.qk_drop_attention`` and
``attn.hash_attention``, each with the definition of ``attn_ir.reference.sparse_flash``.

* ``attn.keep_random``: the seeded keep lists are computed at compile time
  (they depend on attributes only) and held on the device.
* ``attn.hash_buckets``: the angular LSH with the same rotations
  (``lsh_rotations``), projected in float64 so that the buckets are those
  of the reference (a bucket decided by a rounding difference would move a
  token between buckets); ties go to the lower id as there.
* ``attn.sort_by_bucket``: a stable sort, so tokens keep their original
  order inside a bucket (the causal test on original positions relies on it
  to skip tiles).
* ``attn.gather_tokens`` / ``attn.scatter_tokens``: compaction and its
  inverse (-1 padding: zero rows, dropped rows).
* ``tile.indexed_attention``: FlexAttention over the compacted sequences.
  Its tile table depends on the data, so the BlockMask is built on the
  device at every call from each tile's range of original positions and
  bucket ids, with the rule of ``attn_ir.reference.sparse_flash.tile_classes``:
  skipped when the keys' smallest position exceeds the queries' largest or
  the bucket ranges do not overlap, full when every slot is valid, every key
  precedes every query and one bucket holds them all, partial otherwise.
  The mask_mod tests ``k_pos <= q_pos`` and equal buckets on the index
  operands (data, so gathers; the issue's one exception to arithmetic).
"""

from __future__ import annotations

from typing import cast

import torch
from xdsl.dialects.builtin import TensorType

from attn_ir.reference import sparse_flash as SF
from attn_ir.backends.torch import block_masks, kernels
from attn_ir.dialects.sparse_flash import attn as D
from attn_ir.dialects.sparse_flash.tile import TiledIndexedAttentionOp
from attn_ir.backends.torch.program import TorchExtension

BIG = 1 << 62


def _shape(value) -> tuple[int, ...]:
    return tuple(cast(TensorType, value.type).get_shape())


def _lower_keep_random(program, op: D.KeepRandomOp):
    b, h, m = _shape(op.keep)
    keep = torch.as_tensor(SF.keep_random(b, h, op.length.value.data, m, op.seed.value.data),
                           dtype=torch.int64, device=program.device)
    return lambda: (keep,)


def _lower_hash_buckets(program, op: D.HashBucketsOp):
    _, h, _, d = _shape(op.input)
    buckets = op.buckets.value.data
    rotations = torch.as_tensor(SF.lsh_rotations(op.seed.value.data, h, d, buckets),
                                dtype=torch.float64, device=program.device)
    half = buckets // 2

    def step(x):
        proj = torch.einsum("bhnd,hdr->bhnr", x.double(), rotations)
        top, up = proj.max(dim=-1)
        bottom, down = proj.min(dim=-1)
        return (torch.where(top >= -bottom, up, down + half),)

    return step


def _lower_sort(program, op: D.SortByBucketOp):
    def step(bucket):
        sorted_buckets, order = torch.sort(bucket, dim=-1, stable=True)
        return order, sorted_buckets

    return step


def _index(x: torch.Tensor) -> torch.Tensor:
    return x.to(torch.int64)


def _lower_gather(program, op: D.GatherTokensOp):
    d = _shape(op.input)[3]

    def step(x, index):
        index = _index(index)
        picked = torch.gather(x, 2, index.clamp(min=0)[..., None].expand(-1, -1, -1, d))
        return (torch.where((index >= 0)[..., None], picked, 0).to(x.dtype),)

    return step


def _lower_scatter(program, op: D.ScatterTokensOp):
    b, h, n, d = _shape(op.output)

    def step(y, index):
        index = _index(index)
        # Padding goes to an extra row, dropped at the end.
        target = torch.where(index >= 0, index, n)[..., None].expand(-1, -1, -1, d)
        out = torch.zeros(b, h, n + 1, d, dtype=y.dtype, device=y.device)
        return (out.scatter(2, target, y)[:, :, :n],)

    return step


def _tile_bounds(values: torch.Tensor, valid: torch.Tensor, block: int):
    """Per tile of ``block`` slots: (smallest, largest valid value, any valid,
    all valid), padded slots past the end counting as valid for 'all'."""
    *lead, n = values.shape
    tiles = -(-n // block)
    pad = tiles * block - n
    if pad:
        values = torch.nn.functional.pad(values, (0, pad))
        present = torch.nn.functional.pad(torch.ones_like(valid), (0, pad))
        valid = torch.nn.functional.pad(valid, (0, pad))
    else:
        present = torch.ones_like(valid)
    v = values.reshape(*lead, tiles, block)
    ok = valid.reshape(*lead, tiles, block)
    here = present.reshape(*lead, tiles, block)
    low = torch.where(ok, v, BIG).amin(-1)
    high = torch.where(ok, v, -BIG).amax(-1)
    return low, high, ok.any(-1), (ok | ~here).all(-1)


def tile_maps(q_pos, k_pos, q_bucket, k_bucket, bq: int, bk: int, mq: int, mk: int):
    """(partial, full) [B, H, query tiles, key tiles] maps on the device
    (``attn_ir.reference.sparse_flash.tile_classes``; a tile cut short at the end is
    never full, as FlexAttention pads it)."""
    q_valid, k_valid = q_pos >= 0, k_pos >= 0
    q_lo, q_hi, q_any, q_all = _tile_bounds(q_pos, q_valid, bq)
    k_lo, k_hi, k_any, k_all = _tile_bounds(k_pos, k_valid, bk)
    q_lo, q_hi, q_any, q_all = (a[..., :, None] for a in (q_lo, q_hi, q_any, q_all))
    k_lo, k_hi, k_any, k_all = (a[..., None, :] for a in (k_lo, k_hi, k_any, k_all))
    skip = ~q_any | ~k_any | (k_lo > q_hi)
    full = q_all & k_all & (k_hi <= q_lo)
    if q_bucket is not None:
        qb_lo, qb_hi, _, _ = _tile_bounds(q_bucket, q_valid, bq)
        kb_lo, kb_hi, _, _ = _tile_bounds(k_bucket, k_valid, bk)
        qb_lo, qb_hi = qb_lo[..., :, None], qb_hi[..., :, None]
        kb_lo, kb_hi = kb_lo[..., None, :], kb_hi[..., None, :]
        skip = skip | (kb_lo > qb_hi) | (kb_hi < qb_lo)
        full = full & (qb_lo == qb_hi) & (kb_lo == kb_hi) & (qb_lo == kb_lo)
    nqt, nkt = skip.shape[-2:]
    whole_q = torch.arange(nqt, device=skip.device) * bq + bq <= mq
    whole_k = torch.arange(nkt, device=skip.device) * bk + bk <= mk
    full = full & ~skip & whole_q[:, None] & whole_k[None, :]
    partial = ~skip & ~full
    return partial, full


def _lower_indexed(program, op: TiledIndexedAttentionOp):
    b, h, mq, mk, _, _ = op.dims
    bq, bk = op.blocks
    scale = float(op.scale.value.data)
    device = program.device
    with_buckets = bool(op.buckets)
    # The mask_mod reads persistent buffers, refilled at every call, so that
    # it is one function (one compiled kernel) for every call.
    q_pos = torch.full((b, h, mq), -1, dtype=torch.int64, device=device)
    k_pos = torch.full((b, h, mk), -1, dtype=torch.int64, device=device)
    q_bkt = torch.zeros((b, h, mq), dtype=torch.int64, device=device)
    k_bkt = torch.zeros((b, h, mk), dtype=torch.int64, device=device)

    if with_buckets:
        def mask_mod(bb, hh, qi, ki):
            qp, kp = q_pos[bb, hh, qi], k_pos[bb, hh, ki]
            return ((qp >= 0) & (kp >= 0) & (kp <= qp)
                    & (q_bkt[bb, hh, qi] == k_bkt[bb, hh, ki]))
    else:
        def mask_mod(bb, hh, qi, ki):
            qp, kp = q_pos[bb, hh, qi], k_pos[bb, hh, ki]
            return (qp >= 0) & (kp >= 0) & (kp <= qp)

    def step(q, k, v, qp, kp, *bucket_ids):
        q_pos.copy_(qp)
        k_pos.copy_(kp)
        qb = kb = None
        if with_buckets:
            q_bkt.copy_(bucket_ids[0])
            k_bkt.copy_(bucket_ids[1])
            qb, kb = q_bkt, k_bkt
        partial, full = tile_maps(q_pos, k_pos, qb, kb, bq, bk, mq, mk)
        # The transposed (query-block) tables only serve the backward pass.
        backward = torch.is_grad_enabled() and any(x.requires_grad for x in (q, k, v))
        bm = block_masks.from_classes(partial, full, bq, bk, mq, mk, mask_mod, backward)
        out, _ = kernels.flex(q, k, v, bm, scale, program.compile)
        return (out,)

    return step


LOWERINGS = {
    D.KeepRandomOp: _lower_keep_random,
    D.HashBucketsOp: _lower_hash_buckets,
    D.SortByBucketOp: _lower_sort,
    D.GatherTokensOp: _lower_gather,
    D.ScatterTokensOp: _lower_scatter,
    TiledIndexedAttentionOp: _lower_indexed,
}
"""Op class → ``lower(program, op) -> step``."""


EXTENSION = TorchExtension(lowerings=LOWERINGS, flex_ops=(TiledIndexedAttentionOp,))
