"""Runtime of emitted modules: ``tile.attention`` executed by its
``#tile.coalesced`` plan (``attn_ir.dialects.tile_coalesced``): each query
block against contiguous key ranges.

The NumPy emitter copies everything below the ``EMITTED BELOW`` marker into
each module with a coalesced ``tile.attention`` (after the tiled runtime,
whose helpers it uses), so this code imports only NumPy.

* ``_coalesced_schedule`` (once per table, at import) joins the pieces of a
  block that touch into spans: a span is one contiguous slice of K and V,
  computed with one matrix product per key step, whatever mix of full and
  partial pieces it holds.  Partial pieces get the predicate, evaluated
  here once (identical masks, as every interior block of a window or the
  diagonal of causal has, are stored once); full pieces get no mask work.
  Consecutive blocks of one shape whose spans move by a constant number
  of keys (a window's interior blocks) form a group, computed as one
  batched product over strided views of K and V (no copy); a span every
  block of a group shares (a global token's column) is one product over
  all their rows.
* ``_coalesced_attention`` cuts every group into work items of several
  blocks and (batch, head) rows, so that one key step's scores stay about
  ``_CO_STEP_SCORES``, and hands them to ``parallel_map`` (NumPy releases
  the GIL in its matmuls and ufuncs); items write disjoint rows of the
  output.
* Per step: ``np.matmul`` into a preallocated score buffer, ``np.copyto``
  of -inf on the masked columns, ``np.exp`` in place, the row sums as a
  matrix-vector product and the numerator as a matrix product, both with
  ``out=``; everything in the state dtype (f32 unless asked).  As in the
  tiled runtime, the exponentials are unshifted and checked afterwards
  (``_SAFE_SUM``); an item with a row outside the range is recomputed with
  the max-shifted softmax (a pass for the row maxima, one for the sums).
"""

import numpy as np

# --- EMITTED BELOW ---

_CO_STEP_SCORES = 1 << 19
"""Scores of one key step of one work item (2 MiB in f32)."""

_CO_MIN_STEP_KEYS = 128
"""Keys per step at least."""

_CO_MAX_STEP_KEYS = 2048
"""Work items are sized so that a block's spans up to this many keys fit
one step (a window's band is then one step: one exp, one row-sum pass)."""

_CO_BATCHES = 32
"""Work items are handed to ``parallel_map`` in about this many batches."""


def _coalesced_schedule(rows, ptr, start, end, full, nq, nk, attends, head=0):
    """Plan the execution of one ``#tile.coalesced`` table for ``nq``
    queries and ``nk`` keys: a list of blocks (first row, end row, spans),
    a span being [first key, end key, masks] with masks (first key, end
    key, excluded [rows, keys] bool) for its partial pieces."""
    rows, ptr = np.asarray(rows, np.int64), np.asarray(ptr, np.int64)
    start, end = np.asarray(start, np.int64), np.asarray(end, np.int64)
    full = np.asarray(full, bool)
    shared = {}
    blocks = []
    for j in range(len(rows) - 1):
        r0, r1 = int(rows[j]), int(rows[j + 1])
        spans = []
        for p in range(int(ptr[j]), int(ptr[j + 1])):
            a, z = int(start[p]), int(end[p])
            if spans and spans[-1][1] == a:
                spans[-1][1] = z
            else:
                spans.append([a, z, []])
            if full[p]:
                continue
            excluded = ~np.broadcast_to(
                attends(np.arange(r0, r1)[:, None], np.arange(a, z)[None, :], head, None),
                (r1 - r0, z - a))
            if not excluded.any():
                continue
            excluded = np.ascontiguousarray(excluded)
            same = shared.setdefault((excluded.shape, hash(excluded.tobytes())), [])
            for other in same:
                if np.array_equal(other, excluded):
                    excluded = other
                    break
            else:
                same.append(excluded)
            spans[-1][2].append((a, z, excluded))
        if spans:
            blocks.append((r0, r1, spans))
    return {"nq": nq, "nk": nk, "attends": attends, "head": head, "uses_mask": False,
            "blocks": blocks, "groups": _coalesced_groups(blocks)}


def _coalesced_shape(block):
    """What consecutive blocks must share to run as one batched product:
    rows, span widths, and mask positions and arrays."""
    r0, r1, spans = block
    return (r1 - r0, tuple((z - a, tuple((m0 - a, m1 - a, id(ex)) for m0, m1, ex in masks))
                           for a, z, masks in spans))


def _coalesced_groups(blocks):
    """Runs of consecutive blocks of one shape whose spans move by a
    constant number of keys from one block to the next (the band of a
    window: every interior block).  A group is (first row, rows per block,
    blocks, spans as (first key, width, key step, masks as (offset, end
    offset, excluded)))."""
    groups = []
    for block in blocks:
        r0, r1, spans = block
        shape = _coalesced_shape(block)
        if groups:
            g = groups[-1]
            last = g["last"]
            steps = tuple(a - b[0] for (a, _, _), b in zip(spans, last[2]))
            if (shape == g["shape"] and r0 == last[1] and min(steps) >= 0
                    and (g["count"] == 1 or steps == g["steps"])):
                g["steps"], g["last"] = steps, block
                g["count"] += 1
                continue
        groups.append({"shape": shape, "first": block, "last": block, "count": 1,
                       "steps": tuple(0 for _ in spans)})
    out = []
    for g in groups:
        r0, r1, spans = g["first"]
        out.append((r0, r1 - r0, g["count"], [
            (a, z - a, step, [(m0 - a, m1 - a, ex) for m0, m1, ex in masks])
            for (a, z, masks), step in zip(spans, g["steps"])]))
    return out


def _coalesced_attention(q, k, v, schedules, scale, state_dtype, out_dtype,
                         parallel_map=None):
    """softmax(scale q k^T under the pattern) v for q [B,H,Nq,D], k [B,H,Nk,D],
    v [B,H,Nk,Dv] by the coalesced plans ``schedules`` (one for all heads,
    or one per head).  Returns [B,H,Nq,Dv] in ``out_dtype``."""
    bad = ~np.isfinite(v)
    if bad.any():
        # As in _tiled_attention: a non-finite value reaches only the rows
        # that attend its key.
        out = _coalesced_attention(q, k, np.where(bad, 0, v), schedules, scale,
                                   state_dtype, np.float64, parallel_map)
        return _add_nonfinite_values(out, v, bad, schedules, None).astype(out_dtype)
    state_dtype = np.dtype(state_dtype)
    b, h, nq, d = q.shape
    nk, dv = k.shape[2], v.shape[3]
    bh = b * h
    qs = q.reshape(bh, nq, d)
    ks = np.ascontiguousarray(k.reshape(bh, nk, d), dtype=state_dtype)
    vs = np.ascontiguousarray(v.reshape(bh, nk, dv), dtype=state_dtype)
    out = np.zeros((bh, nq, dv), state_dtype)
    items = []
    for n, schedule in enumerate(schedules):
        # Rows are batch * H + head: one head's rows are a slice with step H.
        sel = slice(None) if len(schedules) == 1 else slice(n, None, h)
        operands = (qs[sel], ks[sel], vs[sel], out[sel], state_dtype.type(scale))
        count = operands[0].shape[0]
        for group in schedule["groups"]:
            r0, rows, blocks, spans = group
            # One step holds every span of a block up to _CO_MAX_STEP_KEYS keys.
            unit = rows * min(sum(w for _, w, _, _ in spans), _CO_MAX_STEP_KEYS)
            units = max(1, _CO_STEP_SCORES // unit)
            g_chunk = min(blocks, units)
            c_chunk = max(1, min(count, units // g_chunk))
            for g0 in range(0, blocks, g_chunk):
                for c0 in range(0, count, c_chunk):
                    items.append((operands, group, g0, min(blocks, g0 + g_chunk),
                                  c0, min(count, c0 + c_chunk)))
    per_batch = max(1, -(-len(items) // _CO_BATCHES))
    batches = [items[i:i + per_batch] for i in range(0, len(items), per_batch)]
    for _ in (map if parallel_map is None else parallel_map)(_coalesced_items, batches):
        pass
    return out.reshape(b, h, nq, dv).astype(out_dtype, copy=False)


def _coalesced_steps(spans, units):
    """The key steps of a group's blocks: each a list of pieces (span,
    first key offset, end offset, first column, masks as (first offset,
    end offset, mask's first offset, excluded)) whose columns are
    concatenated in one score buffer of about ``_CO_STEP_SCORES`` / units
    columns, and its width.  Short spans (a global token's column) share a
    step with the band."""
    budget = max(_CO_MIN_STEP_KEYS, _CO_STEP_SCORES // units)
    steps, pieces, width = [], [], 0
    for span in spans:
        _, w, _, masks = span
        for s0 in range(0, w, budget):
            s1 = min(w, s0 + budget)
            if pieces and width + s1 - s0 > budget:
                steps.append((pieces, width))
                pieces, width = [], 0
            inside = [(max(m0, s0), min(m1, s1), m0, ex) for m0, m1, ex in masks
                      if m0 < s1 and m1 > s0]
            pieces.append((span, s0, s1, width, inside))
            width += s1 - s0
    if pieces:
        steps.append((pieces, width))
    return steps


def _coalesced_items(items):
    """Run work items one after the other with shared scratch buffers."""
    dtype = items[0][0][1].dtype
    size, rows, width, dv = 0, 0, 0, items[0][0][2].shape[2]
    plans = []
    for operands, group, g0, g1, c0, c1 in items:
        units = (c1 - c0) * (g1 - g0) * group[1]
        steps = _coalesced_steps(group[3], units)
        plans.append(steps)
        step_width = max(w for _, w in steps)
        size = max(size, units * step_width)
        rows, width = max(rows, units), max(width, step_width)
    scratch = np.empty(size, dtype)
    ones = np.ones(width, dtype)
    buffers = (scratch, ones, np.empty(rows, dtype), np.empty(rows * dv, dtype))
    for item, steps in zip(items, plans):
        _coalesced_item(*item, steps, buffers)


def _coalesced_keys(x, span, s0, s1, g0, g):
    """Rows s0 .. s1 of the span of blocks g0 .. g0 + g of x [c, N, D]:
    [c, s1 - s0, D] when every block reads the same keys, else a strided
    view [c, g, s1 - s0, D] (no copy)."""
    a, _, step, _ = span
    first = a + g0 * step + s0
    if step == 0:
        return x[:, first:first + s1 - s0]
    return _strided(x, first, g, step, s1 - s0)


def _coalesced_scores(q, kc, pieces, g0, s):
    """Scores of a step's pieces into the columns of s [c, g, r, width],
    -inf where a partial piece's pair is excluded."""
    c, g, r, width = s.shape
    for span, s0, s1, col, inside in pieces:
        kp = _coalesced_keys(kc, span, s0, s1, g0, g)
        if kp.ndim == 3:
            np.matmul(q.reshape(c, g * r, -1), kp.swapaxes(1, 2),
                      out=s.reshape(c, g * r, width)[:, :, col:col + s1 - s0])
        else:
            np.matmul(q, kp.swapaxes(2, 3), out=s[..., col:col + s1 - s0])
        for lo, hi, m0, excluded in inside:
            np.copyto(s[..., col + lo - s0:col + hi - s0], -np.inf,
                      where=excluded[:, lo - m0:hi - m0])


def _coalesced_values(s, vc, pieces, g0, part_acc, acc, first=False):
    """acc += s v over a step's pieces (acc = s v for the ``first`` step)."""
    c, g, r, width = s.shape
    for n, (span, s0, s1, col, _) in enumerate(pieces):
        vp = _coalesced_keys(vc, span, s0, s1, g0, g)
        target = acc if first and n == 0 else part_acc
        if vp.ndim == 3:
            np.matmul(s.reshape(c, g * r, width)[:, :, col:col + s1 - s0], vp,
                      out=target.reshape(c, g * r, -1))
        else:
            np.matmul(s[..., col:col + s1 - s0], vp, out=target)
        if target is part_acc:
            acc += part_acc


def _coalesced_item(operands, group, g0, g1, c0, c1, steps, buffers):
    """Attention of blocks g0 .. g1 of a group for (batch, head) rows
    c0 .. c1, written into the output."""
    qs, ks, vs, out, scale = operands
    scratch, ones, sum_buf, acc_buf = buffers
    r0, r, _, _ = group
    c, g, dv = c1 - c0, g1 - g0, vs.shape[2]
    first, end = r0 + g0 * r, r0 + g1 * r
    q = np.empty((c, g, r, qs.shape[2]), scale.dtype)
    np.multiply(qs[c0:c1, first:end].reshape(q.shape), scale, out=q)
    kc, vc = ks[c0:c1], vs[c0:c1]
    acc = np.empty((c, g, r, dv), scale.dtype)
    total = np.empty((c, g, r), scale.dtype)
    part_sum = sum_buf[:c * g * r].reshape(c, g, r)
    part_acc = acc_buf[:c * g * r * dv].reshape(c, g, r, dv)
    with np.errstate(over="ignore", invalid="ignore"):
        for n, (pieces, width) in enumerate(steps):
            s = scratch[:c * g * r * width].reshape(c, g, r, width)
            _coalesced_scores(q, kc, pieces, g0, s)
            np.exp(s, out=s)
            np.matmul(s, ones[:width], out=total if n == 0 else part_sum)
            if n:
                total += part_sum
            _coalesced_values(s, vc, pieces, g0, part_acc, acc, first=n == 0)
    low, high = _SAFE_SUM[total.dtype]
    if not (((total >= low) & (total <= high)).all() and np.isfinite(acc).all()):
        acc, total = _coalesced_exact(q, kc, vc, steps, g0, scratch, part_acc)
        total[total == 0] = 1
    np.divide(acc, total[..., None], out=out[c0:c1, first:end].reshape(c, g, r, dv))


def _coalesced_exact(q, kc, vc, steps, g0, scratch, part_acc):
    """Numerator and row sums with the max-shifted softmax: one pass for
    the row maxima, one for the exponentials; rows with no key sum to 0."""
    c, g, r = q.shape[:3]
    row_max = np.full((c, g, r), -np.inf, q.dtype)
    for pieces, width in steps:
        s = scratch[:c * g * r * width].reshape(c, g, r, width)
        _coalesced_scores(q, kc, pieces, g0, s)
        np.maximum(row_max, s.max(axis=3), out=row_max)
    shift = np.where(np.isneginf(row_max), 0, row_max)[..., None]
    acc = np.zeros((c, g, r, vc.shape[2]), q.dtype)
    total = np.zeros((c, g, r), q.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        for pieces, width in steps:
            s = scratch[:c * g * r * width].reshape(c, g, r, width)
            _coalesced_scores(q, kc, pieces, g0, s)
            s -= shift
            np.exp(s, out=s)
            total += s.sum(axis=3)
            _coalesced_values(s, vc, pieces, g0, part_acc, acc)
    return acc, total
