"""SpAtten's dynamic sparsity, defined in plain NumPy: the oracle of the
``attn`` ops of ``attn_ir.dialects.spatten.attn`` and of both backends.

Wang, Zhang, Han, "SpAtten: Efficient Sparse Attention Architecture with
Cascade Token and Head Pruning", HPCA 2021 (arXiv:2012.09852), and its
artifact (github.com/mit-han-lab/spatten: RTL, simulator and the GPT-2
workload traces).  What is defined here:

* **Progressive quantisation** (paper Sec. III-D): K and V are stored as
  ``msb_bits`` most significant and ``lsb_bits`` least significant bits of
  one symmetric linear code per (batch, head) (``quantize``).  Attention is
  computed first from the MSBs; a query row whose largest probability is
  below ``threshold`` (the softmax is not confident) is recomputed with MSB
  and LSB (``progressive_attention``).  Values are used at MSB precision
  (the artifact's GPT-2 runs refetch LSBs for keys only: ``requant..._k``).
  A value read without its LSBs is reconstructed at the middle of the LSB
  range, so its error is at most ``2^(lsb_bits - 1)`` code steps.
* **Local value pruning** (Sec. III-B): per query row only the ``value_keep``
  fraction of the keys with the largest probabilities have their V fetched;
  the others contribute nothing (the probabilities are not renormalised).
* **Cascade token pruning** (Sec. III-A): the importance of a token is the
  sum of the attention probabilities it receives, over heads and query rows
  (the column sums), accumulated from layer to layer (``token_importance``);
  before a pruning layer the ``k`` most important surviving tokens are kept
  (``topk``), so a token pruned in layer l stays pruned in every later layer.
* **Cascade head pruning** (Sec. III-A): the importance of a head is the
  sum of the magnitudes of its outputs, accumulated over layers
  (``head_importance``); pruned heads stay pruned.
* **Top-k** (Sec. IV-B): the positions of the k largest scores, ties broken
  towards the lower position, returned in ascending order so compaction
  keeps the tokens in sequence order.

Compacted tensors travel with the original indices of their rows
(``gather``), so patterns are evaluated on original positions, and
``scatter`` puts results back.  Probabilities, column sums and importance
are float64, so every backend takes exactly the same pruning and
requantisation decisions; the 12-bit datapath of the accelerator enters the
cost model (bytes, energy), not the arithmetic.

``SpAttenSchedule`` is the data record of a pruned model (keep ratios per
layer, bit widths, threshold) used by the presets (``attn_ir.presets.spatten``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from attn_ir.diagnostics import InputError
from attn_ir.patterns import Domain, Pattern

ROW_CHUNK = 256
"""Query rows per chunk in ``progressive_attention``."""


# -- quantisation ---------------------------------------------------------------


def code_limit(msb_bits: int, lsb_bits: int) -> int:
    """Largest magnitude of a symmetric code of msb_bits + lsb_bits bits."""
    return 2 ** (msb_bits + lsb_bits - 1) - 1


def quantize(x: np.ndarray, msb_bits: int, lsb_bits: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(MSB plane, LSB plane, scale) of x [B, H, N, D]: one symmetric linear
    code c = round(x / s) of msb_bits + lsb_bits bits per element, s =
    max|x[b, h]| / (2^(bits-1) - 1) per (batch, head) (1 where x[b, h] is 0);
    MSB = floor(c / 2^lsb_bits) (signed), LSB = c - MSB * 2^lsb_bits in
    [0, 2^lsb_bits).  Planes are int64 arrays; scales float32."""
    x = np.asarray(x, np.float64)
    limit = code_limit(msb_bits, lsb_bits)
    peak = np.abs(x).max(axis=(2, 3)) if x.size else np.zeros(x.shape[:2])
    scale = np.where(peak > 0, peak / limit, 1.0).astype(np.float32)
    code = np.clip(np.rint(x / scale.astype(np.float64)[:, :, None, None]), -limit, limit)
    code = code.astype(np.int64)
    msb = code >> lsb_bits
    lsb = code - (msb << lsb_bits)
    return msb, lsb, scale


def dequantize(msb: np.ndarray, lsb: np.ndarray | None, scale: np.ndarray,
               lsb_bits: int) -> np.ndarray:
    """float64 values of planes [B, H, N, D] with scales [B, H]: the full code
    with ``lsb``, else the MSBs with the middle of the LSB range."""
    code = np.asarray(msb, np.int64) << lsb_bits
    if lsb is not None:
        code = code + np.asarray(lsb, np.int64)
    elif lsb_bits > 0:
        code = code + (1 << (lsb_bits - 1))
    return code.astype(np.float64) * np.asarray(scale, np.float64)[:, :, None, None]


def msb_error_bound(scale: np.ndarray, lsb_bits: int) -> np.ndarray:
    """Largest |x - dequantize(MSB only)| per (batch, head)."""
    half_step = 0.5 if lsb_bits == 0 else float(1 << (lsb_bits - 1))
    return np.asarray(scale, np.float64) * half_step


# -- index operations -------------------------------------------------------------


def topk_positions(scores: np.ndarray, k: int) -> np.ndarray:
    """[B, k] positions of the k largest scores of each row of [B, N],
    ascending; equal scores prefer the lower position, NaN ranks last."""
    scores = np.asarray(scores, np.float64)
    key = np.where(np.isnan(scores), np.inf, -scores)
    order = np.argsort(key, axis=-1, kind="stable")[..., :k]
    return np.sort(order, axis=-1).astype(np.int64)


def topk_count(n: int, k: int | None, keep: float | None) -> int:
    """How many a top-k of n keeps: ``k`` itself, or floor(keep * n) (at least 1)."""
    if k is not None:
        return k
    assert keep is not None
    return min(n, max(1, math.floor(keep * n + 1e-9)))


def _checked_index(index: np.ndarray, n: int, what: str) -> np.ndarray:
    if index.size and (index.min() < 0 or index.max() >= n):
        raise InputError(f"{what}: indices must lie in 0 .. {n - 1}, got "
                         f"{index.min()} .. {index.max()}")
    return index


def gather(x: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
    """x with dimension ``dim`` (>= 1) indexed by index [B, K] per batch."""
    x = np.asarray(x)
    index = _checked_index(np.asarray(index, np.int64), x.shape[dim], "attn.gather")
    shape = [1] * x.ndim
    shape[0], shape[dim] = index.shape
    full = index.reshape(shape)
    full = np.broadcast_to(full, [*x.shape[:dim], index.shape[1], *x.shape[dim + 1:]])
    return np.take_along_axis(x, full, axis=dim)


def scatter(src: np.ndarray, index: np.ndarray, dim: int,
            into: np.ndarray | None = None, size: int | None = None) -> np.ndarray:
    """``into`` (zeros with dimension ``dim`` of ``size`` when None) with the
    slices of src placed at the positions index [B, K] along ``dim``."""
    src = np.asarray(src)
    index = np.asarray(index, np.int64)
    if into is None:
        shape = list(src.shape)
        shape[dim] = size
        out = np.zeros(shape, src.dtype)
    else:
        out = np.array(into, copy=True)
    _checked_index(index, out.shape[dim], "attn.scatter")
    shape = [1] * src.ndim
    shape[0], shape[dim] = index.shape
    full = np.broadcast_to(index.reshape(shape), src.shape)
    np.put_along_axis(out, full, src.astype(out.dtype), axis=dim)
    return out


# -- attention with progressive quantisation ------------------------------------


def value_keep_count(nk: int, value_keep: float | None) -> int:
    """Values fetched per query row under local value pruning."""
    return nk if value_keep is None else topk_count(nk, None, value_keep)


def _softmax(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    s = np.where(allowed, scores, -np.inf)
    peak = s.max(axis=-1, initial=-np.inf, keepdims=True)
    shift = np.where(np.isneginf(peak), 0.0, peak)
    e = np.where(allowed, np.exp(s - shift), 0.0)
    total = e.sum(axis=-1, keepdims=True)
    return np.where(total > 0, e / np.where(total > 0, total, 1.0), 0.0)


def progressive_attention(
    q: np.ndarray, k_msb: np.ndarray, k_lsb: np.ndarray, k_scale: np.ndarray,
    v_msb: np.ndarray, v_scale: np.ndarray, q_pos: np.ndarray, k_pos: np.ndarray,
    pattern: Pattern, *, scale: float, lsb_bits: int, threshold: float,
    value_keep: float | None, context: int, heads: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SpAtten's attention of one layer on compacted operands.

    q [B, Hk, Nq, D] (float), K planes [B, Hk, Nk, D] with scales [B, Hk],
    V MSBs [B, Hk, Nk, Dv] with scales [B, Hk]; q_pos [B, Nq] and k_pos
    [B, Nk] are the original positions (the pattern decides on them, over a
    sequence of ``context`` tokens); ``heads`` [B, Hk] the original head of
    each (for patterns that differ per head).  Returns the output [B, Hk,
    Nq, Dv] (float32), the column sums of the probabilities [B, Hk, Nk] and
    the requantised rows [B, Hk, Nq] (bool)."""
    b, hk, nq, _ = q.shape
    nk, dv = v_msb.shape[2], v_msb.shape[3]
    k_coarse = dequantize(k_msb, None, k_scale, lsb_bits)
    k_fine = dequantize(k_msb, k_lsb, k_scale, lsb_bits)
    v_coarse = dequantize(v_msb, None, v_scale, lsb_bits)
    keep_v = value_keep_count(nk, value_keep)
    out = np.zeros((b, hk, nq, dv), np.float64)
    colsum = np.zeros((b, hk, nk), np.float64)
    requant = np.zeros((b, hk, nq), bool)
    for bb in range(b):
        for h in range(hk):
            head = int(heads[bb, h]) if heads is not None else h
            dom = Domain(context, context, head)
            qs = np.asarray(q[bb, h], np.float64)
            for r0 in range(0, nq, ROW_CHUNK):
                r1 = min(nq, r0 + ROW_CHUNK)
                allowed = pattern.attends(np.asarray(q_pos[bb, r0:r1])[:, None],
                                          np.asarray(k_pos[bb])[None, :], dom)
                allowed = np.broadcast_to(allowed, (r1 - r0, nk))
                p = _softmax(qs[r0:r1] @ k_coarse[bb, h].T * scale, allowed)
                flag = (allowed.any(axis=1) & (p.max(axis=1, initial=0.0) < threshold)
                        & (lsb_bits > 0))
                if flag.any():
                    fine = _softmax(qs[r0:r1][flag] @ k_fine[bb, h].T * scale, allowed[flag])
                    p[flag] = fine
                requant[bb, h, r0:r1] = flag
                colsum[bb, h] += p.sum(axis=0)
                if keep_v < nk:
                    chosen = topk_positions(p, keep_v)
                    kept = np.zeros_like(p)
                    np.put_along_axis(kept, chosen, np.take_along_axis(p, chosen, axis=1),
                                      axis=1)
                    p = kept
                out[bb, h, r0:r1] = p @ v_coarse[bb, h]
    return out.astype(np.float32), colsum, requant


def token_importance(colsum: np.ndarray, k_pos: np.ndarray, tokens: int,
                     carried: np.ndarray | None = None) -> np.ndarray:
    """carried [B, tokens] (zeros when None) plus, at each key's original
    position, its column sums summed over heads."""
    out = (np.zeros((colsum.shape[0], tokens)) if carried is None
           else np.array(carried, np.float64, copy=True))
    per_key = np.asarray(colsum, np.float64).sum(axis=1)
    for bb in range(out.shape[0]):
        np.add.at(out[bb], np.asarray(k_pos[bb], np.int64), per_key[bb])
    return out


def head_importance(o: np.ndarray, heads: np.ndarray | None, num_heads: int,
                    carried: np.ndarray | None = None) -> np.ndarray:
    """carried [B, num_heads] (zeros when None) plus, for each head of o [B,
    Hk, Nq, Dv], the sum of the magnitudes of its outputs."""
    out = (np.zeros((o.shape[0], num_heads)) if carried is None
           else np.array(carried, np.float64, copy=True))
    magnitude = np.abs(np.asarray(o, np.float64)).sum(axis=(2, 3))
    if heads is None:
        heads = np.broadcast_to(np.arange(o.shape[1]), magnitude.shape)
    for bb in range(out.shape[0]):
        np.add.at(out[bb], np.asarray(heads[bb], np.int64), magnitude[bb])
    return out


# -- the schedule of a pruned model -------------------------------------------


@dataclass(frozen=True)
class SpAttenSchedule:
    """How a model is pruned and quantised (a preset parameter).

    ``token_keep[l]`` is the fraction of the ``context`` tokens layer l
    fetches (the cascade: a layer keeps at most what the previous kept);
    ``head_keep[l]`` the fraction of heads; ``value_keep`` the fraction of
    a row's keys whose values are fetched (local value pruning, None for
    all).  Generation runs ``iterations`` decoding steps after a prompt of
    ``context - iterations`` tokens; pruning starts at iteration
    ``prune_from``.  An encoder (``iterations = 0``) runs once over all
    tokens, pruning queries with the keys."""

    token_keep: tuple[float, ...]
    head_keep: tuple[float, ...]
    value_keep: float | None
    msb_bits: int
    lsb_bits: int
    threshold: float
    iterations: int = 0
    prune_from: int = 0

    def token_count(self, layer: int, context: int, available: int) -> int:
        """Tokens layer ``layer`` keeps of ``available`` candidates."""
        return min(available, max(1, math.floor(self.token_keep[layer] * context + 1e-9)))

    def head_count(self, layer: int, heads: int, available: int) -> int:
        return min(available, max(1, math.floor(self.head_keep[layer] * heads + 1e-9)))

    @property
    def prunes(self) -> bool:
        return any(k < 1 for k in (*self.token_keep, *self.head_keep))
