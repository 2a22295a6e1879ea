"""Runtime of emitted modules: block-sparse attention over a tile table
(``tile.attention``), vectorised over tiles.

The NumPy emitter copies everything below the ``EMITTED BELOW`` marker into
each module that has a ``tile.attention``, so this code imports only NumPy and
its names start with an underscore (names taken from the IR never do).

How a tile table is executed (``_tile_schedule`` plans it once per table):

* Query tiles are grouped by the shape of their row of the table: the same
  runs of consecutive key tiles, with mask work at the same slots.  A group
  is computed with batched matmuls ``[tiles, Bq, D] x [tiles, D, keys]`` over
  its tiles at once (in chunks of about ``_CHUNK_SCORES`` scores), never with
  a loop over single tiles or scalars.
* A run of consecutive key tiles whose start advances by a constant from one
  query tile to the next (the band of a window) is read through a strided
  view of K and V: no copy.  A run that every tile of the group shares (a
  global token's column, a dense row) is one matmul over all the group's
  rows.  Other runs are gathered.  Columns of a partial tile at the ends of
  a run that no row of the group attends are not computed.
* Rows of a query tile that attend far more key tiles than the others (a
  global token's row) are split off into a unit of their own, so the other
  rows do not compute the long row's scores.
* Full tiles get no mask work; partial tiles get the pattern's predicate
  (evaluated once per table, or per call when it reads a mask operand), and
  so does a last key tile cut short by the sequence end.  Skipped tiles are
  never read.
* Softmax: the sum and numerator are kept in the state dtype (f32, or f64
  where asked).  The fast path exponentiates the scores without a max shift
  and checks every row afterwards: where the sum lies in ``_SAFE_SUM`` (no
  overflow, no underflow of the terms that matter) the result is exact; any
  other row (large logits, rows that attend nothing, NaN) makes its chunk be
  recomputed with the max-shifted online softmax of FuseMax's 1-pass cascade
  (Nelson et al., MICRO'24), visiting keys in steps of ``_MAX_STEP_KEYS``.
  Rows that attend no key give 0.
* The work is a list of independent chunks writing disjoint rows of the
  output; ``parallel_map(function, batches)`` (``map`` by default) runs
  them, so a caller may pass a thread pool's ``map``.
"""

import numpy as np

# --- EMITTED BELOW ---

_MAX_STEP_KEYS = 2048
"""Keys one query tile visits per online-softmax step."""

_CHUNK_SCORES = 1 << 20
"""Score elements computed per chunk (4 MiB in f32)."""

_BATCHES = 32
"""Chunks are handed to ``parallel_map`` in about this many batches."""

_SPLIT_GAIN = 0.75
"""Rows of a query tile are split into units when that leaves at most this
fraction of the tile's scores to compute."""

_SAFE_SUM = {np.dtype(np.float32): (1e-20, 1e30), np.dtype(np.float64): (1e-250, 1e250)}
"""Row sums of unshifted exponentials that prove the fast softmax exact:
the largest term is then at least ``low / keys`` (so every term within
e^-30 of it is a normal number) and nothing overflowed."""


def _arithmetic_step(values):
    """The common difference of ``values`` when they rise by a constant
    (0 for one value), else None."""
    if len(values) < 2:
        return 0
    step = int(values[1] - values[0])
    if step >= 0 and bool((np.diff(values) == step).all()):
        return step
    return None


class _Piece:
    """Columns ``col0 .. col0 + width`` of a step's scores: keys
    ``keys[g, slot] * block_k + offset ..`` of one run of consecutive key
    tiles of each unit g; ``key_step`` is how far the run moves from one
    unit to the next (0: all units share it; None: no constant step)."""

    __slots__ = ("col0", "width", "slot", "offset", "key_step")

    def __init__(self, col0, width, slot, offset, key_step):
        self.col0, self.width, self.slot = col0, width, slot
        self.offset, self.key_step = offset, key_step


class _Mask:
    """Columns ``col0 .. col1`` of a step's scores need mask work: ``slots``
    are their key slots, ``skip`` the columns cut from the first slot, and
    ``excluded`` [G, R, col1 - col0] the pairs to exclude (None when it
    depends on the mask operand and is computed per call)."""

    __slots__ = ("col0", "col1", "slots", "skip", "excluded")

    def __init__(self, col0, col1, slots, skip, excluded):
        self.col0, self.col1, self.slots = col0, col1, slots
        self.skip, self.excluded = skip, excluded


class _TileGroup:
    """Units (query tiles, or subsets of their rows) whose rows of the tile
    table have the same shape."""

    def __init__(self, rows, keys, full, block_q):
        self.rows = rows
        """[G, R] query rows of each unit."""
        self.keys = keys
        """[G, S] key tile of each slot."""
        self.full = full
        """[G, S] whether each slot's tile is full."""
        first = rows[:, 0]
        whole = rows.shape[1] == block_q and bool(
            (rows == first[:, None] + np.arange(block_q)).all())
        self.row_step = _arithmetic_step(first) if whole else None
        """Rows are whole tiles starting a constant apart: read by a view."""
        self.steps = []
        """Per online-softmax step: (width, pieces, masks)."""


def _tile_schedule(ptr, start, count, full, nq, nk, block_q, block_k, attends, head=0,
                   uses_mask=False):
    """Plan the execution of one tile table for ``nq`` queries and ``nk``
    keys in tiles of ``block_q`` x ``block_k``.  The table is given as runs:
    run r of query tile t (``ptr[t] <= r < ptr[t + 1]``) covers key tiles
    ``start[r] .. start[r] + count[r] - 1``, all full or all partial
    (``full[r]``).  ``attends(i, j, head, mask)`` is the pattern's
    predicate; unless the pattern reads the mask operand it is evaluated
    here, once."""
    count = np.asarray(count, np.int64)
    run_of_tile = np.repeat(np.arange(len(count)), count)
    before = np.concatenate(([0], np.cumsum(count)))
    key = (np.asarray(start, np.int64)[run_of_tile]
           + np.arange(before[-1]) - before[run_of_tile])
    full = np.asarray(full, bool)[run_of_tile]
    ptr = before[np.asarray(ptr, np.int64)]
    schedule = {"nq": nq, "nk": nk, "block_q": block_q, "block_k": block_k,
                "attends": attends, "head": head, "uses_mask": uses_mask, "groups": []}
    units = []
    for tile in range(len(ptr) - 1):
        lo, hi = ptr[tile], ptr[tile + 1]
        if lo < hi:
            units.append((tile * block_q + np.arange(block_q), key[lo:hi], full[lo:hi]))
    if not uses_mask:
        units = _split_rows(units, schedule)
    for rows, keys, flags in _group_units(units, schedule):
        group = _TileGroup(rows, keys, flags, block_q)
        _plan_steps(group, schedule)
        if group.steps:
            schedule["groups"].append(group)
    return schedule


def _masked_slots(keys, full, nk, block_k):
    """Slots needing mask work: partial tiles, and a last key tile cut short."""
    masked = ~full
    if nk % block_k:
        masked = masked | (keys == -(-nk // block_k) - 1)
    return masked


def _group_units(units, schedule):
    """(rows [G, R], keys [G, S], full [G, S]) of each group of units with
    the same number of rows, runs of key tiles and masked slots, ordered by
    their first row."""
    shapes = {}
    for rows, keys, full in units:
        masked = _masked_slots(keys, full, schedule["nk"], schedule["block_k"])
        runs = np.concatenate(([0], np.flatnonzero(np.diff(keys) != 1) + 1))
        shape = (len(rows), runs.tobytes(), len(keys), masked.tobytes())
        shapes.setdefault(shape, []).append((rows, keys, full))
    groups = [tuple(np.stack(parts) for parts in zip(*members))
              for members in shapes.values()]
    return sorted(groups, key=lambda g: int(g[0][0, 0]))


def _split_rows(units, schedule):
    """Split each unit's rows by the set of key slots they attend, where
    that saves enough score computation (a global token's row in a tile of
    window rows)."""
    out = []
    for rows, keys, full in _group_units(units, schedule):
        masked = _masked_slots(keys[0], full[0], schedule["nk"], schedule["block_k"])
        which = np.flatnonzero(masked)
        if len(which) == 0:
            out.extend(zip(rows, keys, full))
            continue
        group = _TileGroup(rows, keys, full, schedule["block_q"])
        excluded = _masked_pairs(group, which, schedule, None)
        bk = schedule["block_k"]
        # used[g, r, s]: row r of unit g attends some key of slot s.
        used = np.ones(keys.shape[:1] + (rows.shape[1], keys.shape[1]), bool)
        used[:, :, which] = ~excluded.reshape(len(rows), rows.shape[1], len(which), bk
                                              ).all(axis=3)
        in_range = rows < schedule["nq"]
        for g in range(len(rows)):
            live = used[g][in_range[g]]
            sets, inverse = np.unique(live, axis=0, return_inverse=True)
            inverse = np.asarray(inverse).reshape(-1)
            if len(sets) < 2 or len(sets) > 4:
                out.append((rows[g], keys[g], full[g]))
                continue
            counts = np.bincount(inverse, minlength=len(sets))
            cost = int((counts * sets.sum(axis=1)).sum())
            if cost > _SPLIT_GAIN * len(rows[g]) * len(keys[g]):
                out.append((rows[g], keys[g], full[g]))
                continue
            live_rows = rows[g][in_range[g]]
            for n, slots in enumerate(sets):
                if slots.any():
                    out.append((live_rows[inverse == n], keys[g][slots], full[g][slots]))
    return out


def _plan_steps(group, schedule):
    """Cut the group's slots into online-softmax steps of at most
    ``_MAX_STEP_KEYS`` keys, each with its pieces (one per run) and its
    masked column ranges; trim the columns no row attends from both ends of
    each run."""
    bk = schedule["block_k"]
    slots = group.keys.shape[1]
    per_step = max(1, _MAX_STEP_KEYS // bk)
    masked_slots = _masked_slots(group.keys[0], group.full[0], schedule["nk"], bk)
    run_starts = np.concatenate(([0], np.flatnonzero(np.diff(group.keys[0]) != 1) + 1))
    bounds = np.append(run_starts, slots)
    for first in range(0, slots, per_step):
        last = min(slots, first + per_step)
        pieces, masks, col = [], [], 0
        for r in range(len(run_starts)):
            lo, hi = max(first, bounds[r]), min(last, bounds[r + 1])
            if lo >= hi:
                continue
            # Masked slot ranges of this run piece, with their excluded pairs.
            ranges = []
            edges = np.flatnonzero(np.diff(np.concatenate(([0], masked_slots[lo:hi], [0]))))
            for a, b in zip(edges[::2], edges[1::2]):
                part = np.arange(lo + a, lo + b)
                excluded = None
                if not schedule["uses_mask"]:
                    excluded = _masked_pairs(group, part, schedule, None)
                ranges.append((part, excluded))
            # Columns of the piece that some row of the group attends.
            used = np.ones((hi - lo) * bk, bool)
            for part, excluded in ranges:
                if excluded is not None:
                    cols = slice((part[0] - lo) * bk, (part[-1] + 1 - lo) * bk)
                    used[cols] = ~excluded.all(axis=(0, 1))
            kept = np.flatnonzero(used)
            if len(kept) == 0:
                continue
            begin, end = int(kept[0]), int(kept[-1]) + 1
            pieces.append(_Piece(col, end - begin, int(lo), begin,
                                 _arithmetic_step(group.keys[:, lo])))
            for part, excluded in ranges:
                a = max((part[0] - lo) * bk, begin)
                b = min((part[-1] + 1 - lo) * bk, end)
                if a >= b:
                    continue
                skip = a - (part[0] - lo) * bk
                if excluded is not None:
                    excluded = np.ascontiguousarray(excluded[:, :, skip:skip + b - a])
                    if not excluded.any():
                        continue
                masks.append(_Mask(col + a - begin, col + b - begin, part, skip, excluded))
            col += end - begin
        if col:
            group.steps.append((col, pieces, masks))


def _masked_pairs(group, slots, schedule, mask, units=None):
    """[G, R, len(slots) * Bk]: True where a pair of the given slots of the
    group's units (or of ``units``, indices into them) is excluded.  The
    predicate is evaluated on partial tiles only; a full tile's pairs are
    excluded only past the end of the keys.  Rows past the end of the
    queries (padding, discarded) repeat the last row."""
    nq, nk, bk = schedule["nq"], schedule["nk"], schedule["block_k"]
    sel = slice(None) if units is None else units
    rows = group.rows[sel]
    keys = group.keys[sel][:, slots]
    cols = (keys[:, :, None] * bk + np.arange(bk)).reshape(len(keys), -1)
    allowed = np.broadcast_to((cols < nk)[:, None, :],
                              (len(rows), rows.shape[1], cols.shape[1])).copy()
    partial = ~np.repeat(group.full[sel][:, slots], bk, axis=1)
    which = np.flatnonzero(partial.any(axis=0))
    if len(which):
        hit = schedule["attends"](np.minimum(rows, nq - 1)[:, :, None],
                                  np.minimum(cols[:, which], nk - 1)[:, None, :],
                                  schedule["head"], mask)
        allowed[:, :, which] &= hit | ~partial[:, None, which]
    return ~allowed


def _strided(base, first_row, count, step_rows, rows):
    """View [B', count, rows, D] of ``base`` [B', N, D] whose item g starts
    at row ``first_row + g * step_rows`` (overlapping windows, no copy)."""
    s0, s1, s2 = base.strides
    return np.lib.stride_tricks.as_strided(
        base[:, first_row:], (base.shape[0], count, rows, base.shape[2]),
        (s0, step_rows * s1, s1, s2), writeable=False)


def _padded(x, rows, dtype):
    """x [B, H, N, D] as [B*H, rows, D] in ``dtype``: a view when it already
    is one, else a copy padded with zeros."""
    b, h, n, d = x.shape
    if n == rows and x.dtype == dtype:
        return np.ascontiguousarray(x).reshape(b * h, n, d)
    out = np.zeros((b * h, rows, d), dtype)
    out[:, :n] = x.reshape(b * h, n, d)
    return out


def _tiled_attention(q, k, v, mask, schedules, scale, state_dtype, out_dtype,
                     parallel_map=None):
    """softmax(scale q k^T under the pattern) v for q [B,H,Nq,D], k [B,H,Nk,D],
    v [B,H,Nk,Dv] (and the mask operand's data, or None); ``schedules`` holds
    one schedule for all heads, or one per head.  Returns [B,H,Nq,Dv] in
    ``out_dtype``."""
    bad = ~np.isfinite(v)
    if bad.any():
        # A tile's matmul would spread a non-finite value to every row of the
        # tile (0 x NaN); like the reference, it reaches only the rows that
        # attend its key.
        out = _tiled_attention(q, k, np.where(bad, 0, v), mask, schedules, scale,
                               state_dtype, np.float64, parallel_map)
        return _add_nonfinite_values(out, v, bad, schedules, mask).astype(out_dtype)
    state_dtype = np.dtype(state_dtype)
    b, h, nq, _ = q.shape
    nk, dv = k.shape[2], v.shape[3]
    bq, bk = schedules[0]["block_q"], schedules[0]["block_k"]
    nq_pad, nk_pad = -(-nq // bq) * bq, -(-nk // bk) * bk
    qs = _padded(q, nq_pad, state_dtype)
    ks = _padded(k, nk_pad, state_dtype)
    vs = _padded(v, nk_pad, state_dtype)
    out = np.zeros((b * h, nq_pad, dv), state_dtype)
    masks = None if mask is None else np.asarray(mask, bool)
    chunks = []
    for n, schedule in enumerate(schedules):
        # Rows are batch * H + head: one head's rows are a slice with step H.
        sel = slice(None) if len(schedules) == 1 else slice(n, None, h)
        head = None if len(schedules) == 1 else n
        operands = (qs[sel], ks[sel], vs[sel], out[sel], schedule, masks, head, h,
                    state_dtype.type(scale))
        for group in schedule["groups"]:
            chunks.extend((operands, group) + c for c in _chunks(group, schedule,
                                                                 qs[sel].shape[0]))
    per_batch = max(1, -(-len(chunks) // _BATCHES))
    batches = [chunks[i:i + per_batch] for i in range(0, len(chunks), per_batch)]
    for _ in (map if parallel_map is None else parallel_map)(_attend_chunks, batches):
        pass
    result = out if nq == nq_pad else out[:, :nq]
    return result.reshape(b, h, nq, dv).astype(out_dtype, copy=False)


def _add_nonfinite_values(out, v, bad, schedules, mask):
    """``out`` (computed with the non-finite entries of ``v`` as 0) plus
    each non-finite entry of ``v`` in the rows that attend its key: inf
    stays inf, opposite infinities or NaN give NaN, as in p * v."""
    nq = out.shape[2]
    rows = np.arange(nq)
    masks = None if mask is None else np.asarray(mask, bool)
    for bb, hh, j in zip(*np.nonzero(bad.any(axis=3))):
        schedule = schedules[0] if len(schedules) == 1 else schedules[hh]
        m = None if masks is None else masks[bb % masks.shape[0], hh % masks.shape[1]]
        attends = np.broadcast_to(schedule["attends"](rows, j, hh, m), (nq,))
        out[bb, hh, attends] += np.where(bad[bb, hh, j], v[bb, hh, j], 0.0)
    return out


def _chunks(group, schedule, rows):
    """(first unit, end unit, first row, end row) of each chunk of a group:
    about ``_CHUNK_SCORES`` scores each; one (batch, head) row at a time when
    the mask operand is read."""
    count = len(group.rows)
    per_unit = group.rows.shape[1] * max(w for w, _, _ in group.steps)
    g_chunk = max(1, min(count, _CHUNK_SCORES // per_unit))
    c_chunk = 1 if schedule["uses_mask"] else max(
        1, min(rows, _CHUNK_SCORES // (per_unit * g_chunk)))
    return [(g0, min(count, g0 + g_chunk), c0, min(rows, c0 + c_chunk))
            for g0 in range(0, count, g_chunk) for c0 in range(0, rows, c_chunk)]


def _attend_chunks(chunks):
    """Run chunks one after the other, with one scratch buffer for their
    scores (fresh large allocations would fault their pages in each time)."""
    dtype = chunks[0][0][0].dtype
    size = max(_chunk_scores(*chunk) for chunk in chunks)
    scratch = np.empty(size, dtype)
    for chunk in chunks:
        _attend_chunk(*chunk, scratch)


def _chunk_scores(operands, group, g0, g1, c0, c1):
    """Scores one step of a chunk holds at most."""
    return (c1 - c0) * (g1 - g0) * group.rows.shape[1] * max(w for w, _, _ in group.steps)


def _attend_chunk(operands, group, g0, g1, c0, c1, scratch):
    """Attention of units ``g0 .. g1`` of a group for (batch, head) rows
    ``c0 .. c1``, written into the output: the fast softmax, or the exact
    one for chunks whose rows the fast one cannot prove exact."""
    qs, ks, vs, out, schedule, masks, head, heads, scale = operands
    bq = schedule["block_q"]
    c, g, r = c1 - c0, g1 - g0, group.rows.shape[1]
    if group.row_step is not None:
        q = _strided(qs[c0:c1], int(group.rows[g0, 0]), g, group.row_step, bq)
    else:
        q = qs[c0:c1][:, group.rows[g0:g1].ravel()].reshape(c, g, r, qs.shape[2])
    q = q * scale
    mask = None
    if schedule["uses_mask"]:
        # Rows are batch * H + head, or the batch alone in one head's slice.
        batch, row_head = divmod(c0, heads) if head is None else (c0, head)
        mask = masks[batch % masks.shape[0], row_head % masks.shape[1]]
    with np.errstate(over="ignore", invalid="ignore"):
        acc, total = _softmax_steps(q, ks[c0:c1], vs[c0:c1], group, schedule, g0, mask,
                                    False, scratch)
    low, high = _SAFE_SUM[total.dtype]
    if not (((total >= low) & (total <= high)).all() and np.isfinite(acc).all()):
        acc, total = _softmax_steps(q, ks[c0:c1], vs[c0:c1], group, schedule, g0, mask,
                                    True, scratch)
        total[total == 0] = 1
    acc /= total[..., None]
    if group.row_step is not None:
        view = out[c0:c1, int(group.rows[g0, 0]):]
        s0, s1, s2 = view.strides
        np.lib.stride_tricks.as_strided(
            view, (c, g, bq, acc.shape[3]), (s0, group.row_step * s1, s1, s2))[...] = acc
    else:
        out[c0:c1, group.rows[g0:g1].ravel()] = acc.reshape(c, g * r, acc.shape[3])


def _softmax_steps(q, ks, vs, group, schedule, g0, mask, exact, scratch):
    """Numerator [c, g, R, Dv] and row sums [c, g, R] of a chunk's softmax
    over all of the group's steps.  Not ``exact``: exponentials without a
    shift (sums are checked by the caller).  ``exact``: shifted by the
    running max, rescaled between steps; rows with no key sum to 0."""
    bk = schedule["block_k"]
    c, g, r = q.shape[:3]
    keys = group.keys[g0:g0 + g]
    acc = total = run_max = None
    for width, pieces, step_masks in group.steps:
        s = scratch[:c * g * r * width].reshape(c, g, r, width)
        values = []
        for piece in pieces:
            cols = slice(piece.col0, piece.col0 + piece.width)
            if piece.key_step == 0:
                # Shared by every unit: one matmul over all rows of the chunk.
                first = group.keys[0, piece.slot] * bk + piece.offset
                kp = ks[:, first:first + piece.width]
                vp = vs[:, first:first + piece.width]
                np.matmul(q.reshape(c, g * r, -1), kp.swapaxes(-1, -2),
                          out=s.reshape(c, g * r, width)[..., cols])
                values.append((cols, vp, True))
                continue
            if piece.key_step is not None:
                first = (group.keys[0, piece.slot] * bk + piece.offset
                         + g0 * piece.key_step * bk)
                kp = _strided(ks, first, g, piece.key_step * bk, piece.width)
                vp = _strided(vs, first, g, piece.key_step * bk, piece.width)
            else:
                index = (keys[:, piece.slot, None] * bk + piece.offset
                         + np.arange(piece.width))
                kp, vp = ks[:, index], vs[:, index]
            np.matmul(q, kp.swapaxes(-1, -2), out=s[..., cols])
            values.append((cols, vp, False))
        for m in step_masks:
            excluded = m.excluded
            if excluded is None:
                excluded = _masked_pairs(group, m.slots, schedule, mask,
                                         np.arange(g0, g0 + g))[:, :, m.skip:]
                excluded = excluded[:, :, :m.col1 - m.col0]
            else:
                excluded = excluded[g0:g0 + g]
            np.copyto(s[..., m.col0:m.col1], -np.inf, where=excluded)
        if exact:
            step_max = s.max(axis=-1)
            new_max = step_max if run_max is None else np.maximum(run_max, step_max)
            # A row with no attended key so far has max -inf: shift it by the
            # lowest finite value instead (exp(-inf - that) is still 0).
            shift = np.maximum(new_max, np.finfo(s.dtype).min)
            s -= shift[..., None]
        np.exp(s, out=s)
        # Row sums as a matrix-vector product: BLAS is faster than sum().
        step_total = s @ np.ones(width, s.dtype)
        step_acc = None
        for cols, vp, shared in values:
            if shared:
                part = np.matmul(s.reshape(c, g * r, width)[..., cols], vp).reshape(
                    c, g, r, -1)
            else:
                part = np.matmul(s[..., cols], vp)
            if step_acc is None:
                step_acc = part
            else:
                step_acc += part
        if acc is None:
            acc, total = step_acc, step_total
        elif exact:
            rescale = np.exp(run_max - shift)
            acc = acc * rescale[..., None] + step_acc
            total = total * rescale + step_total
        else:
            acc += step_acc
            total += step_total
        if exact:
            run_max = new_max
    return acc, total
