"""Runtime of emitted modules: block-sparse attention over a tile table
(``tile.attention``), vectorised over tiles.

The NumPy emitter copies everything below the ``EMITTED BELOW`` marker into
each module that has a ``tile.attention``, so this code imports only NumPy and
its names start with an underscore (names taken from the IR never do).

How a tile table is executed (``_tile_schedule`` plans it once per table):

* Query tiles are grouped by the shape of their row of the table: the same
  number of key tiles, in the same runs of consecutive tiles, with mask work
  at the same slots.  A group is computed with batched matmuls
  ``[tiles, Bq, D] x [tiles, D, keys]`` over all its tiles at once (in chunks
  that keep the scores in cache), never with a loop over single tiles.
* A run of consecutive key tiles whose start advances by a constant from
  one query tile to the next (the band of a window) is read through a
  strided view of K and V: no copy.  Other runs are gathered.
* Full tiles get no mask work; partial tiles get the pattern's predicate
  (evaluated once per table, or per call for a mask operand), and so does a
  last key tile that is cut short by the sequence end; skipped tiles are
  never read.
* Softmax state (running max, and the row sum carried as an extra column of
  ones appended to V) is kept in the state dtype (f32, or f64 where asked).
  A query tile whose keys exceed ``_MAX_STEP_KEYS`` visits them in steps
  with the online-softmax update of FuseMax's 1-pass cascade (Nelson et al.,
  MICRO'24).  Rows that attend no key give 0.
"""

import numpy as np

# --- EMITTED BELOW ---

_MAX_STEP_KEYS = 2048
"""Keys one query tile visits per online-softmax step."""

_CHUNK_SCORES = 1 << 18
"""Score elements computed per chunk of a group (1 MiB in f32: stays in L2)."""


def _arithmetic_step(values):
    """The common difference of ``values`` when they rise by a constant
    (0 for one value), else None."""
    if len(values) < 2:
        return 0
    step = int(values[1] - values[0])
    if step >= 0 and bool((np.diff(values) == step).all()):
        return step
    return None


class _TileGroup:
    """Query tiles whose rows of the tile table have the same shape."""

    def __init__(self, tiles, keys, runs, masked_slots):
        self.tiles = tiles
        """[G] query tiles."""
        self.keys = keys
        """[G, S] key tile of each slot."""
        self.tile_step = _arithmetic_step(tiles)
        self.steps = []
        """Per online-softmax step: (width, pieces, masks)."""
        self.runs = runs
        self.masked_slots = masked_slots


def _tile_schedule(ptr, key, full, nq, nk, block_q, block_k, attends, head=0,
                   uses_mask=False):
    """Plan the execution of one tile table (CSR ``ptr``/``key``/``full``)
    for ``nq`` queries and ``nk`` keys in tiles of ``block_q`` x ``block_k``.
    ``attends(i, j, head, mask)`` is the pattern's predicate; unless the
    pattern reads the mask operand it is evaluated here, once."""
    ptr = np.asarray(ptr, np.int64)
    key = np.asarray(key, np.int64)
    full = np.asarray(full, bool)
    num_k_tiles = -(-nk // block_k)
    # The last key tile, when cut short, needs its columns past nk masked.
    ragged_last = nk % block_k != 0
    by_shape = {}
    for tile in range(len(ptr) - 1):
        lo, hi = ptr[tile], ptr[tile + 1]
        if lo == hi:
            continue
        keys = key[lo:hi]
        masked = ~full[lo:hi]
        if ragged_last:
            masked = masked | (keys == num_k_tiles - 1)
        breaks = np.flatnonzero(np.diff(keys) != 1) + 1
        runs = tuple(int(n) for n in np.diff(np.concatenate(([0], breaks, [len(keys)]))))
        by_shape.setdefault((runs, masked.tobytes()), []).append(tile)
    groups = []
    for (runs, masked_bytes), tiles in sorted(by_shape.items(), key=lambda kv: kv[1][0]):
        tiles = np.asarray(tiles, np.int64)
        keys = np.stack([key[ptr[t]:ptr[t + 1]] for t in tiles])
        masked = np.frombuffer(masked_bytes, bool)
        group = _TileGroup(tiles, keys, runs, masked)
        _plan_steps(group, block_k)
        if not uses_mask:
            for _, _, masks in group.steps:
                for n, (col0, col1, slots) in enumerate(masks):
                    masks[n] = (col0, col1, slots, _masked_pairs(
                        group.tiles, keys[:, slots], full[ptr[tiles][:, None] + slots],
                        nq, nk, block_q, block_k, attends, head, None))
        groups.append(group)
    return {"groups": groups, "nq": nq, "nk": nk, "block_q": block_q,
            "block_k": block_k, "attends": attends, "head": head,
            "uses_mask": uses_mask, "full": full, "ptr": ptr}


def _plan_steps(group, block_k):
    """Cut the group's slots into online-softmax steps of at most
    ``_MAX_STEP_KEYS`` keys; each step is a list of pieces (slot ranges
    inside one run, read as one view or one gather) and of masked column
    ranges."""
    slots = group.keys.shape[1]
    per_step = max(1, _MAX_STEP_KEYS // block_k)
    run_bounds = np.cumsum((0,) + group.runs)
    for first in range(0, slots, per_step):
        last = min(slots, first + per_step)
        pieces = []
        for r in range(len(group.runs)):
            lo, hi = max(first, run_bounds[r]), min(last, run_bounds[r + 1])
            if lo < hi:
                pieces.append(((lo - first) * block_k, int(lo), int(hi),
                               _arithmetic_step(group.keys[:, lo])))
        masks = []
        masked = np.flatnonzero(group.masked_slots[first:last]) + first
        if len(masked):
            # Consecutive masked slots form one column range.
            splits = np.flatnonzero(np.diff(masked) != 1) + 1
            for part in np.split(masked, splits):
                masks.append(((part[0] - first) * block_k, (part[-1] + 1 - first) * block_k,
                              part))
        group.steps.append(((last - first) * block_k, pieces, masks))


def _masked_pairs(tiles, keys, full, nq, nk, block_q, block_k, attends, head, mask):
    """[G, Bq, slots * Bk]: True where a pair of the given slots must be
    masked.  The predicate is evaluated on partial tiles only; a full tile's
    pairs are masked only past the sequence end."""
    rows = tiles[:, None] * block_q + np.arange(block_q)
    cols = (keys[:, :, None] * block_k + np.arange(block_k)).reshape(len(tiles), -1)
    in_range = (rows < nq)[:, :, None] & (cols < nk)[:, None, :]
    allowed = in_range.copy()
    partial = ~np.repeat(np.broadcast_to(full, keys.shape), block_k, axis=1)
    if partial.any():
        which = np.flatnonzero(partial.any(axis=0))
        hit = attends(np.minimum(rows, nq - 1)[:, :, None],
                      np.minimum(cols[:, which], nk - 1)[:, None, :], head, mask)
        allowed[:, :, which] &= hit | ~partial[:, None, which]
    return ~allowed


def _strided(base, offset_rows, count, step_rows, rows):
    """View [B, count, rows, D] of ``base`` [B, N, D]: item g starts at row
    ``offset_rows + g * step_rows`` (overlapping windows, no copy)."""
    s0, s1, s2 = base.strides
    return np.lib.stride_tricks.as_strided(
        base[:, offset_rows:], (base.shape[0], count, rows, base.shape[2]),
        (s0, step_rows * s1, s1, s2), writeable=False)


def _tiled_attention(q, k, v, mask, schedules, scale, state_dtype, out_dtype):
    """softmax(scale q k^T under the pattern) v for q [B,H,Nq,D], k [B,H,Nk,D],
    v [B,H,Nk,Dv]; ``schedules`` has one schedule for all heads, or one per
    head.  Returns [B,H,Nq,Dv] in ``out_dtype``."""
    b, h, nq, d = q.shape
    nk, dv = k.shape[2], v.shape[3]
    first = schedules[0]
    bq, bk = first["block_q"], first["block_k"]
    nq_pad, nk_pad = -(-nq // bq) * bq, -(-nk // bk) * bk
    bh = b * h
    qs = np.zeros((bh, nq_pad, d), state_dtype)
    np.multiply(q.reshape(bh, nq, d), scale, out=qs[:, :nq], casting="unsafe")
    ks = np.zeros((bh, nk_pad, d), state_dtype)
    ks[:, :nk] = k.reshape(bh, nk, d)
    # V with a column of ones: P @ [V | 1] also gives the row sums of P.
    vs = np.zeros((bh, nk_pad, dv + 1), state_dtype)
    vs[:, :nk, :dv] = v.reshape(bh, nk, dv)
    vs[:, :, dv] = 1
    out = np.zeros((bh, nq_pad, dv), state_dtype)
    masks = None
    if mask is not None:
        masks = np.asarray(mask, bool)
    for n, schedule in enumerate(schedules):
        # bh = batch * H + head: one head's rows are a slice with step H.
        sel = slice(None) if len(schedules) == 1 else slice(n, None, h)
        for group in schedule["groups"]:
            _attend_group(qs[sel], ks[sel], vs[sel], out[sel], group, schedule,
                          masks, n if len(schedules) > 1 else None, h)
    return out[:, :nq].reshape(b, h, nq, dv).astype(out_dtype, copy=False)


def _attend_group(qs, ks, vs, out, group, schedule, masks, only_head, heads):
    """Attention of one group of query tiles, for the (batch, head) rows of
    ``qs``/``ks``/``vs``/``out`` ([BH', N, D])."""
    bq, bk = schedule["block_q"], schedule["block_k"]
    dv = out.shape[2]
    rows_total = qs.shape[0]
    tiles = group.tiles
    count = len(tiles)
    width = max(w for w, _, _ in group.steps)
    dynamic = schedule["uses_mask"]
    # One chunk: c (batch, head) rows x g query tiles, about _CHUNK_SCORES scores.
    per_tile = bq * width
    g_chunk = max(1, min(count, _CHUNK_SCORES // per_tile))
    c_chunk = 1 if dynamic else max(1, min(rows_total, _CHUNK_SCORES // (per_tile * g_chunk)))
    q_blocks = qs.reshape(rows_total, -1, bq, qs.shape[2])
    o_blocks = out.reshape(rows_total, -1, bq, dv)
    if group.tile_step is not None:
        q_view = _strided(qs, tiles[0] * bq, count, group.tile_step * bq, bq)
        o_view = np.lib.stride_tricks.as_strided(
            out[:, tiles[0] * bq:], (rows_total, count, bq, dv),
            (out.strides[0], group.tile_step * bq * out.strides[1]) + out.strides[1:])
    k_views, v_views = {}, {}
    for _, pieces, _ in group.steps:
        for col0, lo, hi, key_step in pieces:
            if key_step is not None:
                start = group.keys[0, lo] * bk
                k_views[lo] = _strided(ks, start, count, key_step * bk, (hi - lo) * bk)
                v_views[lo] = _strided(vs, start, count, key_step * bk, (hi - lo) * bk)
    k_blocks = ks.reshape(rows_total, -1, bk, ks.shape[2])
    v_blocks = vs.reshape(rows_total, -1, bk, dv + 1)
    scratch = np.empty(c_chunk * g_chunk * per_tile, qs.dtype)
    for g0 in range(0, count, g_chunk):
        g1 = min(count, g0 + g_chunk)
        for c0 in range(0, rows_total, c_chunk):
            c1 = min(rows_total, c0 + c_chunk)
            if group.tile_step is not None:
                q = q_view[c0:c1, g0:g1]
            else:
                q = q_blocks[c0:c1][:, tiles[g0:g1]]
            mask = None
            if dynamic:
                # Rows are batch * H + head, or batch alone for one head's slice.
                batch, head = (divmod(c0, heads) if only_head is None
                               else (c0, only_head))
                mask = masks[batch % masks.shape[0], head % masks.shape[1]]
            acc = _attend_chunk(q, ks, vs, k_blocks, v_blocks, k_views, v_views, group,
                                schedule, g0, g1, c0, c1, scratch, mask)
            total = acc[..., dv]
            total[total == 0] = 1
            result = acc[..., :dv] / total[..., None]
            if group.tile_step is not None:
                o_view[c0:c1, g0:g1] = result
            else:
                o_blocks[c0:c1, tiles[g0:g1]] = result
    return out


def _attend_chunk(q, ks, vs, k_blocks, v_blocks, k_views, v_views, group, schedule,
                  g0, g1, c0, c1, scratch, mask):
    """[c, g, Bq, Dv + 1]: numerator and row sum of one chunk, over all of
    the group's steps (online softmax between steps)."""
    bk = schedule["block_k"]
    c, g, bq = c1 - c0, g1 - g0, q.shape[2]
    keys = group.keys[g0:g1]
    acc = run_max = None
    for width, pieces, masks in group.steps:
        s = scratch[: c * g * bq * width].reshape(c, g, bq, width)
        values = []
        for col0, lo, hi, key_step in pieces:
            cols = slice(col0, col0 + (hi - lo) * bk)
            if key_step is not None:
                kp, vp = k_views[lo][c0:c1, g0:g1], v_views[lo][c0:c1, g0:g1]
            else:
                idx = keys[:, lo:hi]
                kp = k_blocks[c0:c1][:, idx].reshape(c, g, -1, ks.shape[2])
                vp = v_blocks[c0:c1][:, idx].reshape(c, g, -1, vs.shape[2])
            np.matmul(q, kp.swapaxes(-1, -2), out=s[..., cols])
            values.append((cols, vp))
        for col0, col1, slots, *static in masks:
            if static:
                masked = static[0][g0:g1]
            else:
                full = schedule["full"][schedule["ptr"][group.tiles[g0:g1]][:, None] + slots]
                masked = _masked_pairs(group.tiles[g0:g1], keys[:, slots], full,
                                       schedule["nq"], schedule["nk"], bq, bk,
                                       schedule["attends"], schedule["head"], mask)
            np.copyto(s[..., col0:col1], -np.inf, where=masked)
        step_max = s.max(axis=-1)
        new_max = step_max if run_max is None else np.maximum(run_max, step_max)
        shift = new_max
        if masks or run_max is not None:
            # A row with no attended key so far has max -inf: shift it by 0.
            shift = np.where(np.isneginf(new_max), 0, new_max)
        if run_max is not None:
            acc *= np.exp(run_max - shift)[..., None]
        run_max = new_max
        s -= shift[..., None]
        np.exp(s, out=s)
        for cols, vp in values:
            part = np.matmul(s[..., cols], vp)
            if acc is None:
                acc = part
            else:
                acc += part
    return acc
