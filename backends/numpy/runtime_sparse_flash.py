"""Runtime of emitted modules: Sparse Flash Attention (Pagliardini et al.,
2023) — QK-dropping and hash-bucket attention on compacted or
bucket-sorted sequences, causal on the original positions.

The NumPy emitter copies everything below the ``EMITTED BELOW`` marker
into each module that uses these ops (``attn_ir.backends.numpy.
sparse_flash``), so this code imports only NumPy.  It restates the
definitions of ``attn_ir.reference.sparse_flash`` (tests check that they agree).

How ``tile.indexed_attention`` runs (``_sf_indexed_attention``):

* The run-time tile test classifies every (query tile, key tile) pair of
  every (batch, head) at once from the tiles' ranges of original indices
  and bucket ids: skipped, partial or full (``_sf_tile_classes``; an
  array of ceil(Mq / block_q) x ceil(Mk / block_k) classes, never Mq x Mk).
* Consecutive query tiles of one head whose sets of surviving key tiles
  nearly coincide (the diagonal of a causal sequence, the tiles of one
  bucket) are merged into one unit of work while that adds at most
  ``_SF_MERGE_SLACK`` to the scores computed; a unit's key tiles are the
  union of its members', and a tile that is not full for every member is
  masked with the predicate (exact, whatever the merging).
* A unit visits its key tiles as runs of consecutive tiles, i.e. contiguous
  slices of the compacted K and V (no gather), in pieces of at most
  ``_SF_PIECE_KEYS`` keys: one matmul for the scores, the predicate on the
  masked columns only, exp, and two matmuls for the row sums and the
  numerator.  Skipped tiles are never read.
* Softmax: as in the tiled runtime, exponentials are taken without a max
  shift and every row is checked afterwards (its sum within
  ``_SF_SAFE_SUM``, or 0 for a row that attends no key); a unit with any
  other row is recomputed with the max-shifted softmax.  Rows that attend
  nothing (dropped, padding, or no earlier key in their bucket) give 0.
* Units are independent and write disjoint rows: ``parallel_map`` runs
  them in batches.

When the keys are in order (bucket id, then original index: what the
stable sort by bucket and the in-order compaction give), a query attends
one contiguous range of key slots, found by binary search
(``_sf_key_ranges``); ``_sf_ranges_attention`` then runs blocks of
consecutive query slots of one bucket against their key range as one
matrix product per key step (the within-bucket causal blocks), masking
only the keys outside some row's range with two comparisons per score.
The block size comes from a cost rule (``_sf_block_rows``).
"""

import numpy as np

from attn_ir.backends.numpy.runtime_common import InputError

# --- EMITTED BELOW ---

_SF_SKIPPED, _SF_PARTIAL, _SF_FULL = 0, 1, 2
"""Run-time classes of a (query tile, key tile) pair."""

_SF_PIECE_KEYS = 4096
"""Keys whose scores one unit holds at once."""

_SF_MAX_ROWS = 512
"""Rows of a unit of merged query tiles, at most."""

_SF_MERGE_SLACK = 0.5
"""Query tiles are merged while the union of their key tiles costs at most
this fraction more scores than visiting each tile's own."""

_SF_BATCHES = 32
"""Units are handed to ``parallel_map`` in about this many batches."""

_SF_SAFE_SUM = {np.dtype(np.float32): (1e-20, 1e30), np.dtype(np.float64): (1e-250, 1e250)}
"""Row sums of unshifted exponentials that prove the fast softmax exact."""


def _sf_check_index(index, n, what):
    index = np.asarray(index)
    if index.size and (int(index.min()) < -1 or int(index.max()) >= n):
        raise InputError(f"{what}: token indices must lie in -1 .. {n - 1} (-1 is padding)")
    return index.astype(np.intp)


def _sf_gather(x, index):
    """Rows of x [B, H, N, D] at index [B, H, M] (-1: a zero row)."""
    b, h, n, d = x.shape
    index = _sf_check_index(index, n, "attn.gather_tokens")
    m = index.shape[2]
    base = (np.arange(b * h) * n).reshape(b, h, 1)
    # Rows of the flattened [B * H * N, D]: a row copy each, no fancy 4-D index.
    out = np.take(x.reshape(b * h * n, d), (base + np.maximum(index, 0)).ravel(), axis=0)
    out = out.reshape(b, h, m, d)
    pad = index < 0
    if pad.any():
        out[pad] = 0
    return out


def _sf_scatter(y, index, n):
    """y [B, H, M, D] put at rows index [B, H, M] of zeros [B, H, n, D]."""
    index = _sf_check_index(index, n, "attn.scatter_tokens")
    b, h, m, d = y.shape
    out = np.zeros((b * h * (n + 1), d), y.dtype)
    # Padding goes to an extra row per head, dropped at the end.
    base = (np.arange(b * h) * (n + 1)).reshape(b, h, 1)
    out[(base + np.where(index < 0, n, index)).ravel()] = y.reshape(b * h * m, d)
    return out.reshape(b, h, n + 1, d)[:, :, :n]


def _sf_hash_buckets(x, rotations):
    """Angular LSH: argmax([x R_h, -x R_h]) per head, in float64 (ties to
    the lower id)."""
    x = np.asarray(x)
    proj = np.empty((*x.shape[:3], rotations.shape[2]))
    for b in range(x.shape[0]):
        for h in range(x.shape[1]):
            # One head at a time, as attn_ir.reference.sparse_flash.hash_buckets does.
            np.matmul(x[b, h].astype(np.float64), rotations[h], out=proj[b, h])
    up, down = proj.argmax(-1), proj.argmin(-1)
    top = np.take_along_axis(proj, up[..., None], -1)[..., 0]
    bottom = np.take_along_axis(proj, down[..., None], -1)[..., 0]
    return np.where(top >= -bottom, up, down + proj.shape[-1]).astype(np.int32)


def _sf_sort_by_bucket(bucket):
    """(original indices in stable bucket order, sorted buckets)."""
    order = np.argsort(bucket, axis=-1, kind="stable")
    return order.astype(np.int32), np.take_along_axis(bucket, order, -1).astype(np.int32)


def _sf_keep_from_hex(hex_bits, batch, heads, length, keep):
    """Kept token indices [B, H, keep] from a bitmap of B * H * length bits."""
    bits = np.unpackbits(np.frombuffer(bytes.fromhex(hex_bits), np.uint8))
    rows = bits[:batch * heads * length].reshape(batch * heads, length).astype(bool)
    return np.nonzero(rows)[1].reshape(batch, heads, keep).astype(np.int32)


def _sf_tile_bounds(values, valid, block):
    """Per tile of ``block`` slots: (lowest and highest valid value, any
    valid slot, every slot valid); slots past the end are not slots."""
    *lead, n = values.shape
    tiles = -(-n // block)
    pad = tiles * block - n
    big = np.iinfo(np.int64).max
    v = values.astype(np.int64)
    lo = np.where(valid, v, big)
    hi = np.where(valid, v, -big)
    ok = valid
    missing = np.zeros(values.shape, bool)
    if pad:
        fill = [(0, 0)] * len(lead) + [(0, pad)]
        lo = np.pad(lo, fill, constant_values=big)
        hi = np.pad(hi, fill, constant_values=-big)
        ok = np.pad(ok, fill, constant_values=False)
        missing = np.pad(missing, fill, constant_values=True)
    shape = (*lead, tiles, block)
    ok = ok.reshape(shape)
    return (lo.reshape(shape).min(-1), hi.reshape(shape).max(-1), ok.any(-1),
            (ok | missing.reshape(shape)).all(-1))


def _sf_tile_classes(q_pos, k_pos, q_bucket, k_bucket, block_q, block_k):
    """Class of every (query tile, key tile) pair (the paper's run-time
    test): skipped when the keys' lowest index exceeds the queries' highest
    or the bucket ranges do not overlap, full when every pair attends."""
    q_valid, k_valid = q_pos >= 0, k_pos >= 0
    q_lo, q_hi, q_any, q_all = (a[..., :, None] for a in
                                _sf_tile_bounds(q_pos, q_valid, block_q))
    k_lo, k_hi, k_any, k_all = (a[..., None, :] for a in
                                _sf_tile_bounds(k_pos, k_valid, block_k))
    skip = ~q_any | ~k_any | (k_lo > q_hi)
    full = q_all & k_all & (k_hi <= q_lo)
    if q_bucket is not None:
        qb_lo, qb_hi = (a[..., :, None] for a in
                        _sf_tile_bounds(q_bucket, q_valid, block_q)[:2])
        kb_lo, kb_hi = (a[..., None, :] for a in
                        _sf_tile_bounds(k_bucket, k_valid, block_k)[:2])
        skip |= (kb_lo > qb_hi) | (kb_hi < qb_lo)
        full &= (qb_lo == qb_hi) & (kb_lo == kb_hi) & (qb_lo == kb_lo)
    out = np.full(skip.shape, _SF_PARTIAL, np.int8)
    out[full & ~skip] = _SF_FULL
    out[skip] = _SF_SKIPPED
    return out


def _sf_has_key(q_pos, k_pos, q_bucket, k_bucket):
    """[BH, Mq]: whether each query attends at least one key (a binary
    search over the keys sorted by bucket and index)."""
    out = np.zeros(q_pos.shape, bool)
    span = int(max(q_pos.max(initial=0), k_pos.max(initial=0))) + 2
    for n in range(q_pos.shape[0]):
        kv, qv = k_pos[n] >= 0, q_pos[n] >= 0
        kb = 0 if k_bucket is None else k_bucket[n][kv].astype(np.int64)
        qb = 0 if q_bucket is None else q_bucket[n].astype(np.int64)
        keys = np.sort(kb * span + k_pos[n][kv].astype(np.int64))
        base = qb * span
        count = (np.searchsorted(keys, base + q_pos[n].astype(np.int64), "right")
                 - np.searchsorted(keys, base, "left"))
        out[n] = qv & (count > 0)
    return out


def _sf_runs(flags):
    """(start, end) of each run of True in a 1-D boolean array."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flags.view(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _sf_plan(classes, block_q, mq):
    """Units of work: (head row n, first row, end row, runs of key tiles,
    runs of masked key tiles), merging consecutive query tiles (see the
    module docstring)."""
    live = classes != _SF_SKIPPED
    full = classes == _SF_FULL
    counts = live.sum(-1)
    per_unit = max(1, _SF_MAX_ROWS // block_q)
    units = []
    for n in range(classes.shape[0]):
        nonempty = np.flatnonzero(counts[n])
        t_end = classes.shape[1]
        i = 0
        while i < len(nonempty):
            t = int(nonempty[i])
            cur, all_full = live[n, t].copy(), full[n, t].copy()
            own, g = int(counts[n, t]), 1
            while (g < per_unit and t + g < t_end and i + g < len(nonempty)
                   and nonempty[i + g] == t + g):
                union = cur | live[n, t + g]
                own_next = own + int(counts[n, t + g])
                if (g + 1) * int(union.sum()) > (1 + _SF_MERGE_SLACK) * own_next:
                    break
                cur, all_full, own = union, all_full & full[n, t + g], own_next
                g += 1
            units.append((n, t * block_q, min(mq, (t + g) * block_q), _sf_runs(cur),
                          _sf_runs(cur & ~all_full)))
            i += g
    return units


def _sf_order_keys(qp, kp, qb, kb):
    """Integer keys that turn the predicate into comparisons: query a
    attends key c when ``k_key[c] <= q_key[a]`` and, with buckets,
    ``k_key[c] >= q_floor[a]`` (keys are bucket * span + index; padding
    compares out)."""
    span = int(max(qp.max(initial=0), kp.max(initial=0))) + 2
    top = (1 if qb is None else int(max(qb.max(initial=0), kb.max(initial=0))) + 2) * span
    dtype = np.int32 if top < 2**31 - 1 else np.int64
    q_valid, k_valid = qp >= 0, kp >= 0
    if qb is None:
        q_key, q_floor = np.where(q_valid, qp, -1), None
        k_key = np.where(k_valid, kp, top)
    else:
        q_floor = np.where(q_valid, qb.astype(np.int64) * span, top).astype(dtype)
        q_key = np.where(q_valid, qb.astype(np.int64) * span + qp, -1)
        k_key = np.where(k_valid, kb.astype(np.int64) * span + kp, top)
    return q_key.astype(dtype), q_floor, k_key.astype(dtype)


def _sf_indexed_attention(q, k, v, q_pos, k_pos, q_bucket, k_bucket, block_q, block_k,
                          scale, state_dtype, out_dtype, parallel_map=None):
    """Attention of compacted q [B, H, Mq, D], k [B, H, Mk, D], v [B, H, Mk,
    Dv] whose slots hold the tokens at original indices q_pos [B, H, Mq]
    and k_pos [B, H, Mk] (-1: padding), with optional bucket ids: slot a
    attends slot c when k_pos[c] <= q_pos[a] and the buckets agree.
    Returns [B, H, Mq, Dv] in ``out_dtype``."""
    state_dtype = np.dtype(state_dtype)
    b, h, mq, d = q.shape
    mk, dv = k.shape[2], v.shape[3]
    bh = b * h
    qs = (np.asarray(q).reshape(bh, mq, d) * scale).astype(state_dtype, copy=False)
    ks = np.ascontiguousarray(np.asarray(k).reshape(bh, mk, d), dtype=state_dtype)
    vs = np.ascontiguousarray(np.asarray(v).reshape(bh, mk, dv), dtype=state_dtype)
    qp = np.asarray(q_pos).reshape(bh, mq)
    kp = np.asarray(k_pos).reshape(bh, mk)
    qb = None if q_bucket is None else np.asarray(q_bucket).reshape(bh, mq)
    kb = None if k_bucket is None else np.asarray(k_bucket).reshape(bh, mk)
    q_key, q_floor, k_key = _sf_order_keys(qp, kp, qb, kb)
    out = np.zeros((bh, mq, dv), state_dtype)
    if _SF_RANGES and (np.diff(k_key, axis=1) >= 0).all():
        # Keys in order (bucket-sorted or compacted in order): each query
        # attends one contiguous range of key slots.
        _sf_ranges_attention(qs, ks, vs, q_key, q_floor, k_key, out, block_q, parallel_map)
        return out.reshape(b, h, mq, dv).astype(out_dtype, copy=False)
    classes = _sf_tile_classes(qp, kp, qb, kb, block_q, block_k)
    has_key = _sf_has_key(qp, kp, qb, kb)
    units = _sf_plan(classes, block_q, mq)
    operands = (qs, ks, vs, q_key, q_floor, k_key, has_key, out, block_k)
    per_batch = max(1, -(-len(units) // _SF_BATCHES))
    batches = [(operands, units[i:i + per_batch]) for i in range(0, len(units), per_batch)]
    for _ in (map if parallel_map is None else parallel_map)(_sf_attend_units, batches):
        pass
    return out.reshape(b, h, mq, dv).astype(out_dtype, copy=False)


def _sf_attend_units(batch):
    operands, units = batch
    qs = operands[0]
    rows = max(r1 - r0 for _, r0, r1, _, _ in units)
    scratch = np.empty(rows * _SF_PIECE_KEYS, qs.dtype)
    ones = np.ones(_SF_PIECE_KEYS, qs.dtype)
    for unit in units:
        _sf_attend_unit(operands, unit, scratch, ones)


def _sf_pieces(runs, masked, block_k, mk):
    """(first key, end key, masked column ranges in piece coordinates) of
    each piece of at most ``_SF_PIECE_KEYS`` keys of the runs."""
    pieces = []
    for r0, r1 in runs:
        a_run, z_run = r0 * block_k, min(mk, r1 * block_k)
        for a in range(a_run, z_run, _SF_PIECE_KEYS):
            z = min(z_run, a + _SF_PIECE_KEYS)
            spans = []
            for m0, m1 in masked:
                lo, hi = max(a, m0 * block_k), min(z, m1 * block_k)
                if lo < hi:
                    spans.append((lo - a, hi - a))
            pieces.append((a, z, spans))
    return pieces


def _sf_scores(q, ks, q_key, q_floor, k_key, a, z, spans, s):
    """Scores of the piece's keys a .. z into s, -inf where a pair does
    not attend (on the masked spans only)."""
    np.matmul(q, ks[a:z].T, out=s)
    for lo, hi in spans:
        keys = k_key[None, a + lo:a + hi]
        excluded = keys > q_key[:, None]
        if q_floor is not None:
            excluded |= keys < q_floor[:, None]
        np.copyto(s[:, lo:hi], -np.inf, where=excluded)


def _sf_attend_unit(operands, unit, scratch, ones):
    qs, ks, vs, q_key, q_floor, k_key, has_key, out, block_k = operands
    n, r0, r1, runs, masked = unit
    r = r1 - r0
    q = qs[n, r0:r1]
    keys = (q_key[n, r0:r1], None if q_floor is None else q_floor[n, r0:r1], k_key[n])
    pieces = _sf_pieces(runs, masked, block_k, ks.shape[1])
    kn, vn = ks[n], vs[n]
    acc = np.zeros((r, vs.shape[2]), qs.dtype)
    total = np.zeros(r, qs.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        for a, z, spans in pieces:
            s = scratch[:r * (z - a)].reshape(r, z - a)
            _sf_scores(q, kn, *keys, a, z, spans, s)
            np.exp(s, out=s)
            total += s @ ones[:z - a]
            acc += s @ vn[a:z]
    low, high = _SF_SAFE_SUM[total.dtype]
    fine = np.where(has_key[n, r0:r1], (total >= low) & (total <= high), total == 0)
    if not (fine.all() and np.isfinite(acc).all()):
        acc, total = _sf_attend_exact(q, kn, vn, keys, pieces, scratch)
    total[total == 0] = 1
    out[n, r0:r1] = acc / total[:, None]


def _sf_attend_exact(q, ks, vs, keys, pieces, scratch):
    """Numerator and row sums with the max-shifted softmax: one pass for
    the row maxima, one for the exponentials."""
    r = q.shape[0]
    row_max = np.full(r, -np.inf, q.dtype)
    for a, z, spans in pieces:
        s = scratch[:r * (z - a)].reshape(r, z - a)
        _sf_scores(q, ks, *keys, a, z, spans, s)
        np.maximum(row_max, s.max(axis=1), out=row_max)
    shift = np.where(np.isneginf(row_max), 0, row_max)
    acc = np.zeros((r, vs.shape[1]), q.dtype)
    total = np.zeros(r, q.dtype)
    for a, z, spans in pieces:
        s = scratch[:r * (z - a)].reshape(r, z - a)
        _sf_scores(q, ks, *keys, a, z, spans, s)
        s -= shift[:, None]
        np.exp(s, out=s)
        total += s.sum(axis=1)
        acc += s @ vs[a:z]
    return acc, total


_SF_RANGES = True
"""Run sorted keys by contiguous ranges (False: by the tile test's units,
for comparison)."""

_SF_STEP_SCORES = 1 << 20
"""Scores of one key step of a block (4 MiB in f32)."""

_SF_PACK_ROWS, _SF_ELEMENTWISE, _SF_CALL = 32, 0.3, 4096
"""Cost rule of the block size, as ``attn_ir.passes.coalesce_plans``'s: a block of R
rows against W keys costs R * W * (1 + PACK / R + ELEMENTWISE) + CALL."""


def _sf_key_ranges(q_key, q_floor, k_key):
    """[BH, Mq] first and end key slot each query attends (keys sorted)."""
    lo = np.zeros(q_key.shape, np.int64)
    hi = np.zeros(q_key.shape, np.int64)
    for n in range(q_key.shape[0]):
        hi[n] = np.searchsorted(k_key[n], q_key[n], "right")
        if q_floor is not None:
            lo[n] = np.searchsorted(k_key[n], q_floor[n], "left")
    return lo, np.maximum(hi, lo)


def _sf_blocks(lo, hi, rows):
    """Blocks (first slot, end slot) of one head: consecutive query slots
    with the same first key (one bucket), at most ``rows`` of them; slots
    that attend nothing are left out."""
    m = len(lo)
    empty = hi <= lo
    change = np.ones(m, bool)
    change[1:] = (lo[1:] != lo[:-1]) | (empty[1:] != empty[:-1])
    seg_start = np.maximum.accumulate(np.where(change, np.arange(m), 0))
    cut = change | ((np.arange(m) - seg_start) % rows == 0)
    starts = np.flatnonzero(cut)
    ends = np.append(starts[1:], m)
    keep = ~empty[starts]
    return starts[keep], ends[keep]


def _sf_block_rows(lo, hi, block_q):
    """The block size (a multiple of ``block_q``, at most ``_SF_MAX_ROWS``)
    of least estimated cost over every head."""
    best, best_rows = None, block_q
    rows = block_q
    while True:
        cost = 0.0
        for n in range(lo.shape[0]):
            starts, ends = _sf_blocks(lo[n], hi[n], rows)
            if len(starts) == 0:
                continue
            width = (np.maximum.reduceat(hi[n], starts) - np.minimum.reduceat(lo[n], starts))
            r = (ends - starts).astype(np.float64)
            cost += float((r * width * (1 + _SF_PACK_ROWS / r + _SF_ELEMENTWISE)).sum()
                          + _SF_CALL * len(starts))
        if best is None or cost < best:
            best, best_rows = cost, rows
        if rows * 2 > _SF_MAX_ROWS or rows >= lo.shape[1]:
            return best_rows
        rows *= 2


def _sf_ranges_attention(qs, ks, vs, q_key, q_floor, k_key, out, block_q, parallel_map):
    lo, hi = _sf_key_ranges(q_key, q_floor, k_key)
    rows = _sf_block_rows(lo, hi, block_q)
    blocks = []
    for n in range(lo.shape[0]):
        starts, ends = _sf_blocks(lo[n], hi[n], rows)
        for r0, r1 in zip(starts.tolist(), ends.tolist()):
            blocks.append((n, r0, r1))
    operands = (qs, ks, vs, lo, hi, out)
    per_batch = max(1, -(-len(blocks) // _SF_BATCHES))
    batches = [(operands, blocks[i:i + per_batch]) for i in range(0, len(blocks), per_batch)]
    for _ in (map if parallel_map is None else parallel_map)(_sf_range_blocks, batches):
        pass


def _sf_range_blocks(batch):
    operands, blocks = batch
    qs, ks, vs = operands[:3]
    rows = max(r1 - r0 for _, r0, r1 in blocks)
    step = max(128, _SF_STEP_SCORES // rows)
    scratch = np.empty(rows * step, qs.dtype)
    ones = np.ones(step, qs.dtype)
    sums = np.empty(rows, qs.dtype)
    parts = np.empty(rows * vs.shape[2], qs.dtype)
    for n, r0, r1 in blocks:
        _sf_range_block(operands, n, r0, r1, step, scratch, ones, sums, parts)


def _sf_range_steps(lo, hi, step):
    """(first key, end key, masked column ranges) of each key step of a
    block whose rows attend lo[a] .. hi[a] - 1: keys every row attends
    (max lo .. min hi) need no mask, the rest (the triangle of the block's
    last rows, rows of an earlier bucket) do."""
    k0, k1 = int(lo.min()), int(hi.max())
    f0, f1 = int(lo.max()), int(hi.min())
    partial = [(k0, f0), (f1, k1)] if f0 < f1 else [(k0, k1)]
    out = []
    for s0 in range(k0, k1, step):
        s1 = min(k1, s0 + step)
        masked = [(max(a, s0), min(z, s1)) for a, z in partial if max(a, s0) < min(z, s1)]
        out.append((s0, s1, masked))
    return out


def _sf_range_scores(q, kn, lo, hi, s0, s1, masked, s):
    np.matmul(q, kn[s0:s1].T, out=s)
    for a, z in masked:
        cols = np.arange(a, z)
        excluded = (cols[None, :] < lo[:, None]) | (cols[None, :] >= hi[:, None])
        np.copyto(s[:, a - s0:z - s0], -np.inf, where=excluded)


def _sf_range_block(operands, n, r0, r1, step, scratch, ones, sums, parts):
    qs, ks, vs, lo_all, hi_all, out = operands
    r, dv = r1 - r0, vs.shape[2]
    q, kn, vn = qs[n, r0:r1], ks[n], vs[n]
    lo, hi = lo_all[n, r0:r1], hi_all[n, r0:r1]
    steps = _sf_range_steps(lo, hi, step)
    acc = np.zeros((r, dv), qs.dtype)
    total = np.zeros(r, qs.dtype)
    part_sum, part_acc = sums[:r], parts[:r * dv].reshape(r, dv)
    with np.errstate(over="ignore", invalid="ignore"):
        for s0, s1, masked in steps:
            s = scratch[:r * (s1 - s0)].reshape(r, s1 - s0)
            _sf_range_scores(q, kn, lo, hi, s0, s1, masked, s)
            np.exp(s, out=s)
            np.matmul(s, ones[:s1 - s0], out=part_sum)
            total += part_sum
            np.matmul(s, vn[s0:s1], out=part_acc)
            acc += part_acc
    low, high = _SF_SAFE_SUM[total.dtype]
    if not (((total >= low) & (total <= high)).all() and np.isfinite(acc).all()):
        row_max = np.full(r, -np.inf, qs.dtype)
        for s0, s1, masked in steps:
            s = scratch[:r * (s1 - s0)].reshape(r, s1 - s0)
            _sf_range_scores(q, kn, lo, hi, s0, s1, masked, s)
            np.maximum(row_max, s.max(axis=1), out=row_max)
        shift = np.where(np.isneginf(row_max), 0, row_max)[:, None]
        acc[...] = 0
        total[...] = 0
        with np.errstate(over="ignore", invalid="ignore"):
            for s0, s1, masked in steps:
                s = scratch[:r * (s1 - s0)].reshape(r, s1 - s0)
                _sf_range_scores(q, kn, lo, hi, s0, s1, masked, s)
                s -= shift
                np.exp(s, out=s)
                total += s.sum(axis=1)
                acc += s @ vn[s0:s1]
        total[total == 0] = 1
    np.divide(acc, total[:, None], out=out[n, r0:r1])
