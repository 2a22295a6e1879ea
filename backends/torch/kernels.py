"""The kernels the torch backend calls: FlexAttention (compiled once per
process, then cached by ``torch.compile`` per block-mask structure), the
few dense rows of a rows part, and the log-sum-exp merge of parts.

A rows part (``only_rows``) holds a handful of query rows that attend
nearly every key, 12 heads x 1 to 16 rows at Longformer's and BigBird's
sizes: one query block per head is too little parallelism for a
FlashAttention kernel (issue 20 measured 188 us for 16 global rows at
16384 keys through SDPA).  So the keys are split into chunks that become
extra heads, each chunk's attention runs with its log-sum-exp, and the
chunks are merged, as flash-decoding does (Dao et al., "Flash-Decoding for
long-context inference", 2023).
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass

import torch

SPLIT_TARGET_PROGRAMS = 528
"""Programs the split-K rows kernel aims for: 4 per streaming multiprocessor
of an H100/H200 (132 SMs)."""

MIN_CHUNK = 512
"""Fewest keys per chunk of the split-K rows kernel."""

DYNAMO_CACHE_LIMIT = 256
"""Compiled variants kept per code object: every tile.attention of a
module compiles FlexAttention for its own mask_mod (the default, 8, would
send the ninth layer to FlexAttention's unfused eager path)."""


@functools.cache
def compiled_flex():
    """``torch.compile(flex_attention)``, made once per process."""
    import torch._dynamo
    from torch.nn.attention.flex_attention import flex_attention

    config = torch._dynamo.config
    for name in ("recompile_limit", "cache_size_limit"):
        if hasattr(config, name):
            setattr(config, name, max(getattr(config, name), DYNAMO_CACHE_LIMIT))
    for name in ("accumulated_recompile_limit", "accumulated_cache_size_limit"):
        if hasattr(config, name):
            setattr(config, name, max(getattr(config, name), 4 * DYNAMO_CACHE_LIMIT))
    return torch.compile(flex_attention, dynamic=False)


WIDE_TILE_OPTIONS = {"fwd_BLOCK_M": 128, "fwd_BLOCK_N": 64, "fwd_num_warps": 4,
                     "fwd_num_stages": 3}
"""FlexAttention's forward kernel for 128-token tiles.  Measured on an H200
(torch 2.11, bf16, 12 heads, D = 64, docs/gpu.md): causal attention on
original positions over 8192 compacted tokens 0.49 ms against 0.67 ms with
FlexAttention's own choice (and 0.52 ms with 128 x 128, 8 warps), a band
|i - j| <= 256 with a global key column at 16384 tokens 0.136 ms against
0.145 ms."""


def kernel_options(block_mask) -> dict | None:
    """FlexAttention's kernel tiles: WIDE_TILE_OPTIONS for tiles of 128 and
    more, else no larger than the block mask's blocks (its default is
    128 x 64 or 128 x 128, too large for 64-blocks)."""
    bq, bk = block_mask.BLOCK_SIZE
    if bq >= 128 and bk >= 128:
        return dict(WIDE_TILE_OPTIONS)
    return {"BLOCK_M": min(bq, 128), "BLOCK_N": min(bk, 128)}


def flex(q, k, v, block_mask, scale: float, compile: bool):
    """(output, lse) of FlexAttention; lse in natural log, -inf (output 0)
    for rows without keys."""
    import torch.nn.attention.flex_attention as fa

    if not compile:
        # FlexAttention's eager path (CPU, tests): it evaluates the mask_mod
        # on every pair and ignores the block structure, and says so.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _flex_call(fa.flex_attention, fa, q, k, v, block_mask, scale)
    return _flex_call(compiled_flex(), fa, q, k, v, block_mask, scale)


def _flex_call(fn, fa, q, k, v, block_mask, scale):
    options = kernel_options(block_mask) if q.is_cuda else None
    if hasattr(fa, "AuxRequest"):
        out, aux = fn(q, k, v, block_mask=block_mask, scale=scale,
                      return_aux=fa.AuxRequest(lse=True), kernel_options=options)
        return out, aux.lse
    return fn(q, k, v, block_mask=block_mask, scale=scale, return_lse=True,
              kernel_options=options)


@dataclass
class RowsResult:
    """The result of a rows part: only its rows (int64 [R]), their outputs
    [B, H, R, Dv] and log-sum-exps [B, H, R]."""

    rows: torch.Tensor
    output: torch.Tensor
    lse: torch.Tensor
    stream: object = None


def masked_rows(q_rows, k, v, allowed, scale: float):
    """(output f32, lse f32) of a few rows against every key, in f32:
    ``allowed`` [B|1, H|1, R, Nk] bool or None (every key)."""
    s = torch.matmul(q_rows.float(), k.float().transpose(-1, -2)) * scale
    if allowed is not None:
        s = s.masked_fill(~allowed, float("-inf"))
    lse = torch.logsumexp(s, dim=-1)
    finite = torch.isfinite(lse)
    p = torch.exp(s - torch.where(finite, lse, 0.0)[..., None])
    out = torch.matmul(p, v.float())
    return torch.where(finite[..., None], out, 0.0), lse


def _chunks(nk: int, programs: int) -> int:
    """Number of key chunks: a power of two dividing nk, chunks of at least
    MIN_CHUNK keys, about SPLIT_TARGET_PROGRAMS programs in all."""
    split = 1
    while (nk % (split * 2) == 0 and nk // (split * 2) >= MIN_CHUNK
           and programs * split * 2 <= SPLIT_TARGET_PROGRAMS):
        split *= 2
    return split


def split_k_rows(q_rows, k, v, scale: float):
    """(output f32, lse f32) of a few rows against every key (no mask) with
    the fused flash kernel, the keys split into chunks (see the module
    docstring).  CUDA, f16/bf16 only."""
    b, h, r, d = q_rows.shape
    nk, dv = k.shape[2], v.shape[3]
    split = _chunks(nk, b * h)
    kc = k.reshape(b, h * split, nk // split, d)
    vc = v.reshape(b, h * split, nk // split, dv)
    qc = q_rows[:, :, None].expand(b, h, split, r, d).reshape(b, h * split, r, d)
    out, lse = torch.ops.aten._scaled_dot_product_flash_attention(
        qc, kc, vc, 0.0, False, False, scale=scale)[:2]
    out = out.reshape(b, h, split, r, dv).float()
    lse = lse[..., :r].reshape(b, h, split, r)
    total = torch.logsumexp(lse, dim=2)
    weights = torch.exp(lse - total[:, :, None])
    return (weights[..., None] * out).sum(dim=2), total


def merge_into(base_out, base_lse, rows: RowsResult, in_place: bool):
    """base_out with the rows of ``rows`` merged in by log-sum-exp."""
    idx = rows.rows
    lb = base_lse.index_select(2, idx).float()
    top = torch.maximum(lb, rows.lse)
    top = torch.where(torch.isfinite(top), top, 0.0)
    wb, wr = torch.exp(lb - top), torch.exp(rows.lse - top)
    total = wb + wr
    merged = (wb[..., None] * base_out.index_select(2, idx).float()
              + wr[..., None] * rows.output) / torch.where(total > 0, total, 1.0)[..., None]
    merged = merged.to(base_out.dtype)
    if in_place:
        return base_out.index_copy_(2, idx, merged)
    return base_out.index_copy(2, idx, merged)


def merge_full(outputs, lses):
    """The general merge of full-shape parts, f32."""
    lse = torch.stack([x.float() for x in lses])
    top = lse.max(dim=0).values
    weights = torch.exp(lse - torch.where(torch.isfinite(top), top, 0.0))
    total = weights.sum(dim=0)
    out = sum(w[..., None] * o.float() for w, o in zip(weights, outputs))
    return out / torch.where(total > 0, total, 1.0)[..., None], torch.log(total) + top
