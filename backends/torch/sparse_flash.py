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
  With the keys in order of (bucket, original position) -- as
  ``attn.sort_by_bucket`` (stable) and ``attn.keep_random`` (ascending)
  leave them; other key orders are sorted so at run time -- the keys a
  query attends (same bucket, position at most its own) are one run of
  consecutive key slots, ``lo[i] <= j < hi[i]``, found by two
  ``searchsorted`` per call (``row_ranges``).  The mask_mod is then
  arithmetic on the key index against two per-row values (no per-pair
  gather), and the BlockMask comes from the ranges without a sort
  (``range_blocks``): the key tiles a query tile visits are one run, full
  where every row's range covers the tile, partial at the two ends.  It is
  exactly the predicate of ``attn_ir.reference.sparse_flash`` (the tests
  compare the kernel's view, full blocks plus the mask_mod in partial ones,
  with it pair by pair), and it skips at least the tiles that
  ``tile_classes`` skips.
"""

from __future__ import annotations

import functools
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


CODE_STRIDE = 1 << 32
"""Bucket stride of a key's sort code ``bucket * CODE_STRIDE + position``
(positions are int32)."""


def _codes(pos: torch.Tensor, bucket: torch.Tensor | None) -> torch.Tensor:
    """int64 sort codes of slots: (bucket, position), padding (-1) last."""
    code = pos.long() if bucket is None else bucket.long() * CODE_STRIDE + pos.long()
    return torch.where(pos >= 0, code, BIG)


def row_ranges(q_pos, k_pos, q_bucket, k_bucket) -> tuple[torch.Tensor, torch.Tensor]:
    """(lo, hi) int32 [B, H, Mq]: query slot i attends exactly the key slots
    ``lo[i] <= j < hi[i]`` (same bucket, key position at most the query's,
    both valid), for keys in code order (``_codes`` ascending)."""
    k_code = _codes(k_pos, k_bucket).contiguous()
    base = 0 if q_bucket is None else q_bucket.long() * CODE_STRIDE
    q_long = q_pos.long()
    lo = torch.searchsorted(k_code, (base + torch.zeros_like(q_long)).contiguous())
    hi = torch.searchsorted(k_code, (base + q_long).contiguous(), right=True)
    valid = q_pos >= 0
    lo = torch.where(valid, lo, 0).to(torch.int32)
    return lo, torch.where(valid, hi, 0).to(torch.int32)


def range_blocks(lo: torch.Tensor, hi: torch.Tensor, bq: int, bk: int, nk: int):
    """FlexAttention's (kv_num, kv_idx, full_num, full_idx) for rows that
    attend the key runs ``[lo, hi)``: per query tile the key tiles from the
    smallest ``lo`` to the largest ``hi`` of its non-empty rows; full those
    that every row's run covers (none when a row is empty or the tile is
    cut short), partial the others, listed first in ascending order."""
    *lead, mq = lo.shape
    nqt, nkt = -(-mq // bq), -(-nk // bk)
    pad = nqt * bq - mq
    lo = torch.nn.functional.pad(lo, (0, pad)).reshape(*lead, nqt, bq).long()
    hi = torch.nn.functional.pad(hi, (0, pad)).reshape(*lead, nqt, bq).long()
    nonempty = hi > lo
    anything = nonempty.any(-1)
    first = torch.where(anything, torch.where(nonempty, lo, BIG).amin(-1) // bk, 0)
    last = torch.where(anything, -(-torch.where(nonempty, hi, 0).amax(-1) // bk), 0)
    f0 = -(-lo.amax(-1) // bk)
    f1 = hi.amin(-1) // bk
    has_full = f1 > f0
    f0 = torch.where(has_full, f0, first)
    f1 = torch.where(has_full, f1, first)
    n = torch.arange(nkt, device=lo.device)
    left = (f0 - first)[..., None]
    kv_idx = torch.where(n < left, first[..., None] + n, f1[..., None] + n - left)
    full_idx = f0[..., None] + n

    def table(x):
        return x.clamp(0, nkt - 1).to(torch.int32).contiguous()

    kv_num = ((f0 - first) + (last - f1)).to(torch.int32).contiguous()
    return kv_num, table(kv_idx), (f1 - f0).to(torch.int32).contiguous(), table(full_idx)


@functools.cache
def compiled_range_blocks():
    """``range_blocks`` as one fused kernel (about twenty small ops
    otherwise: 83 us of a graphed QK-drop call at 16384 tokens, measured on
    an H200)."""
    return torch.compile(range_blocks, dynamic=False)


def _keys_in_code_order(op: TiledIndexedAttentionOp) -> bool:
    """Whether the key slots arrive in order of (bucket, position), known
    from their producers: ``attn.keep_random`` lists ascending positions,
    ``attn.sort_by_bucket`` the stable order with its sorted buckets."""
    owner = op.k_positions.owner
    if op.k_buckets is None:
        return isinstance(owner, D.KeepRandomOp)
    return (isinstance(owner, D.SortByBucketOp) and op.k_positions is owner.order
            and op.k_buckets is owner.sorted)


def _lower_indexed(program, op: TiledIndexedAttentionOp):
    b, h, mq, mk, _, _ = op.dims
    bq, bk = op.blocks
    scale = float(op.scale.value.data)
    device = program.device
    with_buckets = bool(op.buckets)
    in_order = _keys_in_code_order(op)
    # The mask_mod reads persistent buffers, refilled at every call, so that
    # it is one function (one compiled kernel) for every call.
    lo = torch.zeros((b, h, mq), dtype=torch.int32, device=device)
    hi = torch.zeros((b, h, mq), dtype=torch.int32, device=device)

    def mask_mod(bb, hh, qi, ki):
        row = qi.clamp(0, mq - 1)
        return (ki >= lo[bb, hh, row]) & (ki < hi[bb, hh, row])

    def step(q, k, v, qp, kp, *bucket_ids):
        qb, kb = bucket_ids if with_buckets else (None, None)
        if not in_order:
            order = torch.argsort(_codes(kp, kb), dim=-1, stable=True)
            kp = torch.gather(kp, -1, order)
            kb = None if kb is None else torch.gather(kb, -1, order)
            rows = order[..., None]
            k = torch.gather(k, 2, rows.expand(-1, -1, -1, k.shape[-1]))
            v = torch.gather(v, 2, rows.expand(-1, -1, -1, v.shape[-1]))
        ranges = row_ranges(qp, kp, qb, kb)
        lo.copy_(ranges[0])
        hi.copy_(ranges[1])
        backward = torch.is_grad_enabled() and any(x.requires_grad for x in (q, k, v))
        tables = (compiled_range_blocks() if program.compile else range_blocks)(lo, hi, bq, bk, mk)
        bm = block_masks.from_device_tables(*tables, bq, bk, mq, mk, mask_mod, backward)
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
