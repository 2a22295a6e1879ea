"""Runtime of emitted modules: block-sparse attention over a tile table
(``tile.attention``), vectorised over tiles.

The NumPy emitter copies everything below the ``EMITTED BELOW`` marker into
each module that has a ``tile.attention``, so this code imports only NumPy and
its names start with an underscore (names taken from the IR never do).

How a tile table is executed (``_tile_schedule`` plans it once per table):

* Query tiles are grouped by the shape of their row of the table: the same
  runs of consecutive key tiles, with mask work at the same slots.  A group
  is computed with batched matmuls ``[tiles, Bq, D] x [tiles, D, keys]`` over
  its tiles at once (in chunks that keep the scores in cache), never with a
  loop over single tiles or scalars.
* A run of consecutive key tiles whose start advances by a constant from one
  query tile to the next (the band of a window) is read through a strided
  view of K and V: no copy.  Other runs are gathered.  Columns of a partial
  tile at the ends of a run that no row of the group attends (a global
  token's column in its key tile) are not computed.
* Full tiles get no mask work; partial tiles get the pattern's predicate
  (evaluated once per table, or per call when it reads a mask operand), and
  so does a last key tile cut short by the sequence end.  Skipped tiles are
  never read.
* The softmax state (running max, running sum, numerator) is kept in the
  state dtype (f32, or f64 where asked).  A query tile whose keys exceed
  ``_MAX_STEP_KEYS`` visits them in steps with the online-softmax update of
  FuseMax's 1-pass cascade (Nelson et al., MICRO'24, Cascade 5).  Rows that
  attend no key give 0.
* The work is a list of independent chunks writing disjoint rows of the
  output; ``parallel_map(function, batches)`` (``map`` by default) runs
  them, so a caller may pass a thread pool's ``map``.
"""

import numpy as np

# --- EMITTED BELOW ---

_MAX_STEP_KEYS = 2048
"""Keys one query tile visits per online-softmax step."""

_CHUNK_SCORES = 1 << 18
"""Score elements computed per chunk (1 MiB in f32: stays in L2)."""

_BATCHES = 32
"""Chunks are handed to ``parallel_map`` in about this many batches."""


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
    tiles of each query tile g."""

    __slots__ = ("col0", "width", "slot", "offset", "key_step")

    def __init__(self, col0, width, slot, offset, key_step):
        self.col0, self.width, self.slot = col0, width, slot
        self.offset, self.key_step = offset, key_step


class _Mask:
    """Columns ``col0 .. col1`` of a step's scores need mask work: ``slots``
    are their key slots, ``skip`` the columns cut from the first slot, and
    ``masked`` [G, Bq, col1 - col0] the pairs to exclude (None when it
    depends on the mask operand and is computed per call)."""

    __slots__ = ("col0", "col1", "slots", "skip", "masked")

    def __init__(self, col0, col1, slots, skip, masked):
        self.col0, self.col1, self.slots = col0, col1, slots
        self.skip, self.masked = skip, masked


class _TileGroup:
    """Query tiles whose rows of the tile table have the same shape."""

    def __init__(self, tiles, keys, full):
        self.tiles = tiles
        """[G] query tiles."""
        self.keys = keys
        """[G, S] key tile of each slot."""
        self.full = full
        """[G, S] whether each slot's tile is full."""
        self.tile_step = _arithmetic_step(tiles)
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
    num_k_tiles = -(-nk // block_k)
    shapes = {}
    for tile in range(len(ptr) - 1):
        lo, hi = ptr[tile], ptr[tile + 1]
        if lo == hi:
            continue
        keys = key[lo:hi]
        masked = ~full[lo:hi]
        if nk % block_k:
            # The last key tile is cut short: its columns past nk are masked.
            masked = masked | (keys == num_k_tiles - 1)
        runs = np.concatenate(([0], np.flatnonzero(np.diff(keys) != 1) + 1))
        shapes.setdefault((runs.tobytes(), len(keys), masked.tobytes()), []).append(tile)
    schedule = {"nq": nq, "nk": nk, "block_q": block_q, "block_k": block_k,
                "attends": attends, "head": head, "uses_mask": uses_mask, "groups": []}
    for (runs, slots, masked), tiles in sorted(shapes.items(), key=lambda kv: kv[1][0]):
        tiles = np.asarray(tiles, np.int64)
        index = ptr[tiles][:, None] + np.arange(slots)
        group = _TileGroup(tiles, key[index], full[index])
        _plan_steps(group, schedule, np.frombuffer(runs, np.int64),
                    np.frombuffer(masked, bool))
        schedule["groups"].append(group)
    return schedule


def _plan_steps(group, schedule, run_starts, masked_slots):
    """Cut the group's slots into online-softmax steps of at most
    ``_MAX_STEP_KEYS`` keys, each with its pieces (one per run) and its
    masked column ranges; trim the columns no row attends from both ends of
    each run."""
    bk = schedule["block_k"]
    slots = group.keys.shape[1]
    per_step = max(1, _MAX_STEP_KEYS // bk)
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
            flags = masked_slots[lo:hi]
            edges = np.flatnonzero(np.diff(np.concatenate(([0], flags, [0]))))
            for a, b in zip(edges[::2], edges[1::2]):
                part = np.arange(lo + a, lo + b)
                masked = None
                if not schedule["uses_mask"]:
                    masked = _masked_pairs(group, part, schedule, None)
                ranges.append((part, masked))
            # Columns of the piece that some row of the group attends.
            used = np.ones((hi - lo) * bk, bool)
            for part, masked in ranges:
                if masked is not None:
                    cols = slice((part[0] - lo) * bk, (part[-1] + 1 - lo) * bk)
                    used[cols] = ~masked.all(axis=(0, 1))
            kept = np.flatnonzero(used)
            if len(kept) == 0:
                continue
            start, stop = int(kept[0]), int(kept[-1]) + 1
            pieces.append(_Piece(col, stop - start, int(lo), start,
                                 _arithmetic_step(group.keys[:, lo])))
            for part, masked in ranges:
                a = max((part[0] - lo) * bk, start)
                b = min((part[-1] + 1 - lo) * bk, stop)
                if a >= b:
                    continue
                skip = a - (part[0] - lo) * bk
                if masked is not None:
                    masked = np.ascontiguousarray(masked[:, :, skip:skip + b - a])
                masks.append(_Mask(col + a - start, col + b - start, part, skip, masked))
            col += stop - start
        if col:
            group.steps.append((col, pieces, masks))


def _masked_pairs(group, slots, schedule, mask, tiles=None):
    """[G, Bq, len(slots) * Bk]: True where a pair of the given slots of the
    group's query tiles (or of ``tiles``, indices into them) is excluded.
    The predicate is evaluated on partial tiles only; a full tile's pairs
    are excluded only past the sequence end."""
    nq, nk = schedule["nq"], schedule["nk"]
    bq, bk = schedule["block_q"], schedule["block_k"]
    sel = slice(None) if tiles is None else tiles
    rows = group.tiles[sel][:, None] * bq + np.arange(bq)
    keys = group.keys[sel][:, slots]
    cols = (keys[:, :, None] * bk + np.arange(bk)).reshape(len(keys), -1)
    allowed = (rows < nq)[:, :, None] & (cols < nk)[:, None, :]
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


def _chunks(group, schedule, rows):
    """(first tile, end tile, first row, end row) of each chunk of a group:
    about ``_CHUNK_SCORES`` scores each; one (batch, head) row at a time when
    the mask operand is read."""
    count = len(group.tiles)
    per_tile = schedule["block_q"] * max(w for w, _, _ in group.steps)
    g_chunk = max(1, min(count, _CHUNK_SCORES // per_tile))
    c_chunk = 1 if schedule["uses_mask"] else max(
        1, min(rows, _CHUNK_SCORES // (per_tile * g_chunk)))
    return [(g0, min(count, g0 + g_chunk), c0, min(rows, c0 + c_chunk))
            for g0 in range(0, count, g_chunk) for c0 in range(0, rows, c_chunk)]


def _attend_chunks(chunks):
    for chunk in chunks:
        _attend_chunk(*chunk)


def _attend_chunk(operands, group, g0, g1, c0, c1):
    """Attention of query tiles ``g0 .. g1`` of a group for (batch, head)
    rows ``c0 .. c1``: the steps' scores, masks and online softmax, then
    the division by the row sums, written into the output."""
    qs, ks, vs, out, schedule, masks, head, heads, scale = operands
    bq, bk = schedule["block_q"], schedule["block_k"]
    tiles = group.tiles[g0:g1]
    keys = group.keys[g0:g1]
    c, g = c1 - c0, g1 - g0
    dv = out.shape[2]
    if group.tile_step is not None:
        q = _strided(qs[c0:c1], tiles[0] * bq, g, group.tile_step * bq, bq)
    else:
        rows = (tiles[:, None] * bq + np.arange(bq)).ravel()
        q = qs[c0:c1][:, rows].reshape(c, g, bq, qs.shape[2])
    q = q * scale
    mask = None
    if schedule["uses_mask"]:
        # Rows are batch * H + head, or the batch alone in one head's slice.
        batch, row_head = divmod(c0, heads) if head is None else (c0, head)
        mask = masks[batch % masks.shape[0], row_head % masks.shape[1]]
    acc = total = run_max = None
    for width, pieces, step_masks in group.steps:
        s = np.empty((c, g, bq, width), qs.dtype)
        values = []
        for piece in pieces:
            cols = slice(piece.col0, piece.col0 + piece.width)
            if piece.key_step is not None:
                first = group.keys[0, piece.slot] * bk + piece.offset + g0 * piece.key_step * bk
                kp = _strided(ks[c0:c1], first, g, piece.key_step * bk, piece.width)
                vp = _strided(vs[c0:c1], first, g, piece.key_step * bk, piece.width)
            else:
                index = (keys[:, piece.slot, None] * bk + piece.offset
                         + np.arange(piece.width))
                kp, vp = ks[c0:c1][:, index], vs[c0:c1][:, index]
            np.matmul(q, kp.swapaxes(-1, -2), out=s[..., cols])
            values.append((cols, vp))
        for m in step_masks:
            masked = m.masked
            if masked is None:
                masked = _masked_pairs(group, m.slots, schedule, mask,
                                       np.arange(g0, g1))[:, :, m.skip:]
                masked = masked[:, :, :m.col1 - m.col0]
            else:
                masked = masked[g0:g1]
            np.copyto(s[..., m.col0:m.col1], -np.inf, where=masked)
        step_max = s.max(axis=-1)
        new_max = step_max if run_max is None else np.maximum(run_max, step_max)
        shift = new_max
        if step_masks or run_max is not None:
            # A row with no attended key so far has max -inf: shift it by 0.
            shift = np.where(np.isneginf(new_max), 0, new_max)
        s -= shift[..., None]
        np.exp(s, out=s)
        step_total = s.sum(axis=-1)
        step_acc = None
        for cols, vp in values:
            part = np.matmul(s[..., cols], vp)
            if step_acc is None:
                step_acc = part
            else:
                step_acc += part
        if run_max is None:
            acc, total = step_acc, step_total
        else:
            rescale = np.exp(run_max - shift)
            acc = acc * rescale[..., None] + step_acc
            total = total * rescale + step_total
        run_max = new_max
    total[total == 0] = 1
    acc /= total[..., None]
    if group.tile_step is not None:
        view = out[c0:c1, tiles[0] * bq:]
        s0, s1, s2 = view.strides
        np.lib.stride_tricks.as_strided(
            view, (c, g, bq, dv), (s0, group.tile_step * bq * s1, s1, s2))[...] = acc
    else:
        rows = (tiles[:, None] * bq + np.arange(bq)).ravel()
        out[c0:c1, rows] = acc.reshape(c, g * bq, dv)
