"""Runtime of ``tile.attention_part`` and ``tile.merge_parts`` in emitted
modules (``attn_ir.backends.numpy.parts``): one part of a split attention
over its tile table, with its log-sum-exp, and the merge of the parts.

Copied (below the ``EMITTED BELOW`` marker) into emitted modules that use it.
"""

import numpy as np

# --- EMITTED BELOW ---


def _attention_part(q, k, v, ptr, keys, full, keep, attends, block_q, block_k, scale,
                    state_dtype):
    """(output, lse) of one part: per query tile, an online softmax over the
    listed key tiles (``keys[ptr[t]:ptr[t + 1]]``, ``full`` ones without
    mask work), rows outside ``keep`` excluded.  Both float32."""
    b, h, nq, _ = q.shape
    nk, dv = k.shape[2], v.shape[3]
    out = np.zeros((b, h, nq, dv), np.float32)
    lse = np.full((b, h, nq), -np.inf, np.float32)
    for t in range(len(ptr) - 1):
        rows = np.arange(t * block_q, min(nq, t * block_q + block_q))
        kept = keep[rows]
        if ptr[t] == ptr[t + 1] or not kept.any():
            continue
        qs = q[:, :, rows].astype(state_dtype)
        run_max = np.full((b, h, len(rows)), -np.inf, state_dtype)
        run_sum = np.zeros((b, h, len(rows)), state_dtype)
        acc = np.zeros((b, h, len(rows), dv), state_dtype)
        for kt, is_full in zip(keys[ptr[t]:ptr[t + 1]], full[ptr[t]:ptr[t + 1]]):
            cols = np.arange(kt * block_k, min(nk, kt * block_k + block_k))
            s = (qs @ k[:, :, cols].astype(state_dtype).swapaxes(-1, -2)) * state_dtype(scale)
            ok = kept[:, None] if is_full else kept[:, None] & attends(
                rows[:, None], cols[None, :], 0, None)
            s = np.where(ok, s, -np.inf)
            new_max = np.maximum(run_max, s.max(axis=-1))
            shift = np.where(np.isneginf(new_max), 0.0, new_max).astype(state_dtype)
            factor = np.exp(run_max - shift)
            p = np.exp(s - shift[..., None])
            run_sum = run_sum * factor + p.sum(axis=-1)
            acc = acc * factor[..., None] + p @ v[:, :, cols].astype(state_dtype)
            run_max = new_max
        empty = run_sum == 0
        out[:, :, rows] = np.where(empty[..., None], 0.0,
                                   acc / np.where(empty, 1.0, run_sum)[..., None])
        with np.errstate(divide="ignore"):
            lse[:, :, rows] = np.where(empty, -np.inf,
                                       run_max + np.log(np.where(empty, 1.0, run_sum)))
    return out, lse


def _merge_parts(outputs, lses, out_dtype):
    """sum_p exp(lse_p - L) out_p, L = log sum_p exp(lse_p); 0 for rows no
    part gives a key."""
    lse = np.stack([np.asarray(x, np.float64) for x in lses])
    top = lse.max(axis=0)
    weights = np.exp(lse - np.where(np.isneginf(top), 0.0, top))
    total = weights.sum(axis=0)
    out = sum(w[..., None] * np.asarray(o, np.float64) for w, o in zip(weights, outputs))
    empty = total == 0
    return np.where(empty[..., None], 0.0,
                    out / np.where(empty, 1.0, total)[..., None]).astype(out_dtype)
