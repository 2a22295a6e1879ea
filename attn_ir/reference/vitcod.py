"""Reference definitions of the ops a polarised attention is built from
(``attn-polarize``), in float64, as plainly as possible.  Every backend's
version of these ops is compared against them, and, composed, they equal
``attn_ir.reference.attention`` of the unsplit attention.

* ``permute_keys``: reorder each head's keys by its polarisation;
* ``partial_attention``: softmax attention over the pairs a pattern keeps,
  returning the normalised output and the log-sum-exp of each row (``-inf``
  and an output of 0 for a row that keeps no pair);
* ``softmax_merge``: the online-softmax merge of two such partial results
  (Milakov and Gimelshein 2018; SALO and ViTCoD merge their parts this way):
  ``m = max(l1, l2)``, ``o = (e^(l1-m) o1 + e^(l2-m) o2) / (e^(l1-m) + e^(l2-m))``,
  ``l = m + log(e^(l1-m) + e^(l2-m))``.
"""

from __future__ import annotations

import numpy as np

from attn_ir.patterns import Domain, Pattern, PatternError
from attn_ir.patterns.vitcod.polarization import PolarPart, polarize

ROW_CHUNK = 256


def permute_keys(x: np.ndarray, part: PolarPart, nq: int) -> np.ndarray:
    """``x`` [B, H, Nk, D] with each head's keys in its polarised order."""
    b, h, nk, _ = x.shape
    out = np.empty_like(x)
    for hh in range(h):
        order = polarize(part.source, nq, nk, hh if part.head_dependent else 0,
                         part.threshold).order
        out[:, hh] = x[:, hh, order]
    return out


def partial_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, pattern: Pattern,
                      scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(output [B, H, Nq, Dv], log-sum-exp [B, H, Nq]) in float64."""
    if pattern.uses_mask:
        raise PatternError("partial_attention takes a static pattern, not #attn.mask")
    b, h, nq, d = q.shape
    nk = k.shape[2]
    pattern.validate(nq, nk, h)
    scale = 1.0 / np.sqrt(d) if scale is None else scale
    out = np.zeros((b, h, nq, v.shape[3]))
    lse = np.full((b, h, nq), -np.inf)
    cols = np.arange(nk)
    for hh in range(h):
        dom = Domain(nq, nk, hh)
        for r0 in range(0, nq, ROW_CHUNK):
            rows = np.arange(r0, min(nq, r0 + ROW_CHUNK))
            keep = np.broadcast_to(pattern.attends(rows[:, None], cols[None, :], dom),
                                   (len(rows), nk))
            for bb in range(b):
                s = (q[bb, hh, rows].astype(np.float64) @ k[bb, hh].astype(np.float64).T) * scale
                s = np.where(keep, s, -np.inf)
                m = s.max(axis=1, initial=-np.inf)
                shift = np.where(np.isneginf(m), 0.0, m)
                p = np.where(keep, np.exp(s - shift[:, None]), 0.0)
                total = p.sum(axis=1)
                empty = total == 0
                out[bb, hh, rows] = np.where(
                    empty[:, None], 0.0,
                    (p @ v[bb, hh].astype(np.float64)) / np.where(empty, 1.0, total)[:, None])
                with np.errstate(divide="ignore"):
                    lse[bb, hh, rows] = np.where(empty, -np.inf, shift + np.log(total))
    return out, lse


def softmax_merge(o1: np.ndarray, l1: np.ndarray, o2: np.ndarray,
                  l2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The merge of two partial results (see the module doc), float64."""
    o1, l1, o2, l2 = (np.asarray(a, np.float64) for a in (o1, l1, o2, l2))
    m = np.maximum(l1, l2)
    shift = np.where(np.isneginf(m), 0.0, m)
    w1, w2 = np.exp(l1 - shift), np.exp(l2 - shift)
    total = w1 + w2
    empty = total == 0
    safe = np.where(empty, 1.0, total)
    out = np.where(empty[..., None], 0.0,
                   (w1[..., None] * o1 + w2[..., None] * o2) / safe[..., None])
    with np.errstate(divide="ignore"):
        lse = np.where(empty, -np.inf, shift + np.log(safe))
    return out, lse
