"""PyTorch FlexAttention and attn_ir patterns, both ways.

``to_block_mask`` builds FlexAttention's ``BlockMask`` straight from a
pattern: the pattern library knows its tile table in closed form, so the
partial and full KV blocks come without evaluating ``mask_mod`` on N x N
pairs (``create_block_mask`` does).  The tables are the ones
``create_block_mask`` would build, bit for bit: the same dtypes (int32),
shapes ``[B, H, Q blocks]`` and ``[B, H, Q blocks, KV blocks]``, the
listed blocks first in ascending order and the others after them; a block
that a short last query or key block cuts is never full (FlexAttention pads
the mask with False).  ``mask_mod`` (the same predicate as the pattern's
``attends``, as torch operations) masks inside the partial blocks.  It is
written as arithmetic on the indices wherever a family has a closed form:
FlexAttention evaluates it for every pair of a partial block inside its
kernel, and a gather from a captured tensor (a memory load per pair) ran 13x
slower on an H200 than the same mask as comparisons.  A global token list
becomes comparisons against its runs of consecutive tokens (a lookup past
``MAX_RUNS`` runs), per-head dilations a ``where`` chain over the heads;
only BigBird's random blocks, ``#attn.tiles`` tables and the mask operand
read a tensor.  The torch backend uses the same functions
(``pattern_mask_mod``, ``part_mask_mod``)::

    from torch.nn.attention.flex_attention import flex_attention
    from attn_ir import patterns
    from attn_ir.interop.flex import to_block_mask

    longformer = parse_pattern(
        "#attn.union<[#attn.window<left = 256, right = 256>, #attn.global<[0]>]>")
    block_mask = to_block_mask(longformer, 1, 12, 16384, 16384, device="cpu")
    out = flex_attention(q, k, v, block_mask=block_mask)

``from_mask_mod`` goes the other way: it evaluates any FlexAttention
``mask_mod`` one row of query tiles at a time (never N x N at once),
classifies every tile as skipped, full or partial, and returns a pattern:
the closed form where it recognises one (the pattern behind a mask_mod made
here; dense, causal and sliding-window masks, checked row by row), else an
explicit ``#attn.tiles`` table with the bitmaps of the partial tiles.

torch is the optional ``interop`` extra (``pip install -e ".[interop]"``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext

import numpy as np
import torch

from attn_ir import patterns as P
from attn_ir.patterns.tiles import EMPTY, FULL
from attn_ir.dialects.attn import parse_pattern

MaskMod = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]

PATTERN_ATTRIBUTE = "attn_pattern"
"""Attribute of a mask_mod made by ``mask_mod``: (pattern, Nq, Nk), which
``from_mask_mod`` reads back instead of evaluating the function."""

EVALUATION_CHUNK = 1 << 24
"""Pairs ``from_mask_mod`` evaluates at once (bounds its memory)."""


# -- mask_mod: the pattern's predicate as torch operations --------------------


def mask_mod(pattern: P.Pattern, nq: int, nk: int, mask=None,
             device: torch.device | str | None = None) -> MaskMod:
    """A FlexAttention ``mask_mod(b, h, q_idx, kv_idx)`` equal to
    ``pattern.attends`` on ``nq`` queries and ``nk`` keys: elementwise torch
    operations (it works under ``vmap`` and on broadcast index tensors),
    with lookup tensors where a family needs data (global tokens, BigBird's
    random blocks, explicit tiles, the mask operand ``mask`` [B|1, H|1, Nq,
    Nk])."""
    pattern.validate(nq, nk, _heads_of(pattern, mask))
    if pattern.uses_mask and mask is None:
        raise P.PatternError("the pattern uses #attn.mask: pass its data as mask=")
    fn = pattern_mask_mod(pattern, nq, nk, device, mask)
    setattr(fn, PATTERN_ATTRIBUTE, (pattern, nq, nk))
    fn.__doc__ = f"mask_mod of {_short(pattern)} on {nq} queries and {nk} keys"
    return fn


def _short(pattern: P.Pattern) -> str:
    text = str(pattern)
    return text if len(text) <= 200 else text[:197] + "..."


def _heads_of(pattern: P.Pattern, mask) -> int:
    """A head count that ``validate`` accepts for per-head parameters."""
    for p in pattern.walk():
        if isinstance(p, P.Window) and len(p.dilation) > 1:
            return len(p.dilation)
        if isinstance(p, P.Tiles) and p.num_table_heads > 1:
            return p.num_table_heads
    return 1 if mask is None else np.shape(mask)[1]


MAX_RUNS = 16
"""Runs of consecutive indices compared inline; a longer list is a lookup."""


def runs_of(indices: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted distinct indices as (first, last) runs of consecutive ones."""
    values = np.unique(np.asarray(indices, np.int64))
    if len(values) == 0:
        return []
    breaks = np.flatnonzero(np.diff(values) != 1) + 1
    starts = np.concatenate(([0], breaks))
    ends = np.concatenate((breaks - 1, [len(values) - 1]))
    return [(int(values[s]), int(values[e])) for s, e in zip(starts, ends)]


def in_runs(x: torch.Tensor, runs: list[tuple[int, int]]) -> torch.Tensor:
    """Whether x lies in one of the runs, as comparisons."""
    out = None
    for first, last in runs:
        term = (x == first) if first == last else (x >= first) & (x <= last)
        out = term if out is None else out | term
    return out if out is not None else x < 0  # no runs: nothing (indices are >= 0)


def _lookup(table: torch.Tensor, *index: torch.Tensor) -> torch.Tensor:
    """``table[index]`` with every index clamped into range."""
    return table[tuple(i.clamp(0, n - 1) for i, n in zip(index, table.shape))]


def _membership(indices: Sequence[int], n: int, device) -> Callable[[torch.Tensor], torch.Tensor]:
    runs = runs_of(indices)
    if len(runs) <= MAX_RUNS:
        return lambda x: in_runs(x, runs)
    table = torch.zeros(n + 1, dtype=torch.bool, device=device)
    table[torch.as_tensor(sorted(set(indices)), dtype=torch.int64, device=device)] = True
    return lambda x: _lookup(table, x.clamp(max=n))


def pattern_mask_mod(p: P.Pattern, nq: int, nk: int, device=None, mask=None) -> MaskMod:
    """The predicate of ``p`` on ``nq`` x ``nk`` (``mask``: the mask
    operand's data [B|1, H|1, Nq, Nk], a tensor on ``device``)."""
    match p:
        case P.Dense():
            return lambda b, h, q, kv: (q >= 0) & (kv >= 0)
        case P.Causal(offset=offset):
            return lambda b, h, q, kv: kv <= q + offset
        case P.Window(left=left, right=right, dilation=dilation):
            if len(set(dilation)) == 1:
                d = int(dilation[0])
                if d == 1:
                    return lambda b, h, q, kv: (kv >= q - left) & (kv <= q + right)

                def window(b, h, q, kv):
                    diff = kv - q
                    return (diff % d == 0) & (diff >= -left * d) & (diff <= right * d)
                return window
            per_head = [int(x) for x in dilation]

            def window_per_head(b, h, q, kv):
                d = h * 0 + per_head[-1]
                for head, value in enumerate(per_head[:-1]):
                    d = torch.where(h == head, value, d)
                diff = kv - q
                return (diff % d == 0) & (diff >= -left * d) & (diff <= right * d)
            return window_per_head
        case P.Window2D(grid=(rows, cols), window=(wr, wc), offset=offset):
            def window2d(b, h, q, kv):
                li, lj = q - offset, kv - offset
                inside = (li >= 0) & (li < rows * cols) & (lj >= 0) & (lj < rows * cols)
                return (inside & ((li // cols - lj // cols).abs() <= wr // 2)
                        & ((li % cols - lj % cols).abs() <= wc // 2))
            return window2d
        case P.Global(indices=indices):
            member = _membership(indices, max(nq, nk), device)
            return lambda b, h, q, kv: member(q) | member(kv)
        case P.BlockLocal(block=block, left=left, right=right):
            def block_local(b, h, q, kv):
                d = kv // block - q // block
                return (d >= -left) & (d <= right)
            return block_local
        case P.RandomBlocks(block=block):
            # No closed form: the seeded choice is data (a small block table).
            chosen = p.chosen(nq, nk)
            table = np.zeros((len(chosen), -(-nk // block)), bool)
            np.put_along_axis(table, chosen, True, axis=1)
            picked = torch.as_tensor(table, dtype=torch.bool, device=device)
            return lambda b, h, q, kv: _lookup(picked, q // block, kv // block)
        case P.Strided(stride=stride):
            def strided(b, h, q, kv):
                d = q - kv
                return (d >= 0) & ((d < stride) | (d % stride == 0))
            return strided
        case P.Fixed(stride=stride, summary=summary):
            def fixed(b, h, q, kv):
                return (kv <= q) & ((kv // stride == q // stride)
                                    | (kv % stride >= stride - summary))
            return fixed
        case P.MaskOperand():
            if mask is None:
                raise P.PatternError("#attn.mask: the mask operand's data is needed")
            data = torch.as_tensor(mask, dtype=torch.bool, device=device)
            if data.dim() != 4:
                raise P.PatternError(f"#attn.mask: the mask must be [B|1, H|1, Nq, Nk], "
                                     f"got shape {tuple(data.shape)}")
            per_batch, per_head = data.shape[0] > 1, data.shape[1] > 1
            return lambda b, h, q, kv: _lookup(
                data, b if per_batch else b * 0, h if per_head else h * 0, q, kv)
        case P.Tiles(block=(bq, bk)):
            kinds = torch.as_tensor(p.kinds, dtype=torch.int32, device=device)
            bits = torch.as_tensor(p.bits if len(p.bits) else np.zeros((1, bq, bk), bool),
                                   dtype=torch.bool, device=device)
            per_head = p.num_table_heads > 1

            def tiles(b, h, q, kv):
                kind = _lookup(kinds, h if per_head else h * 0, q // bq, kv // bk)
                partial = (kind >= 0) & _lookup(bits, kind, q % bq, kv % bk)
                return ((kind == FULL) | partial) & (q < nq) & (kv < nk)
            return tiles
        case P.Union(patterns=parts) | P.Intersection(patterns=parts):
            mods = [pattern_mask_mod(c, nq, nk, device, mask) for c in parts]
            union = isinstance(p, P.Union)

            def combination(b, h, q, kv):
                out = mods[0](b, h, q, kv)
                for m in mods[1:]:
                    out = (out | m(b, h, q, kv)) if union else (out & m(b, h, q, kv))
                return out
            return combination
    raise NotImplementedError(f"no FlexAttention mask_mod for #attn.{p.mnemonic}")


def part_mask_mod(p: P.Pattern, nq: int, nk: int, device=None, mask=None,
                  only_rows: Sequence[int] | None = None,
                  except_rows: Sequence[int] | None = None) -> MaskMod:
    """``pattern_mask_mod`` restricted to the query rows ``only_rows`` or to
    all but ``except_rows`` (a part of ``tile.attention_part``)."""
    base = pattern_mask_mod(p, nq, nk, device, mask)
    if only_rows is None and except_rows is None:
        return base
    member = _membership(only_rows if only_rows is not None else except_rows, nq, device)
    if only_rows is not None:
        return lambda b, h, q, kv: base(b, h, q, kv) & member(q)
    return lambda b, h, q, kv: base(b, h, q, kv) & ~member(q)


# -- to_block_mask --------------------------------------------------------------


def _block_sizes(block_size) -> tuple[int, int]:
    bq, bk = (block_size, block_size) if isinstance(block_size, int) else block_size
    if bq <= 0 or bk <= 0:
        raise ValueError(f"block sizes must be positive, got {bq}x{bk}")
    return int(bq), int(bk)


def block_tables(pattern: P.Pattern, nq: int, nk: int, bq: int, bk: int, head: int = 0,
                 mask2d: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(partial, full) [Q blocks, KV blocks] bool block maps of one head as
    FlexAttention classifies blocks: from the pattern's tile table, with the
    blocks that a short last query or key block cuts made partial."""
    table = pattern.tile_table(nq, nk, bq, bk, head, mask2d)
    nqb, nkb = table.num_q_tiles, table.num_k_tiles
    whole = ((table.q_tile + 1) * bq <= nq) & ((table.k_tile + 1) * bk <= nk)
    full = np.zeros((nqb, nkb), bool)
    partial = np.zeros((nqb, nkb), bool)
    is_full = table.full & whole
    full[table.q_tile[is_full], table.k_tile[is_full]] = True
    partial[table.q_tile[~is_full], table.k_tile[~is_full]] = True
    return partial, full


def _ordered(dense: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(count, indices) of a [..., KV blocks] 0/1 map, ordered as
    FlexAttention orders them: listed blocks ascending, then the rest ascending."""
    dense = dense.to(torch.int32)
    count = dense.sum(dim=-1).to(torch.int32)
    indices = torch.argsort(dense, dim=-1, descending=True, stable=True).to(torch.int32)
    return count.contiguous(), indices.contiguous()


def to_block_mask(pattern: P.Pattern | str, B: int | None, H: int | None, Nq: int, Nk: int,
                  block_size: int | tuple[int, int] = 128,
                  device: torch.device | str | None = "cpu", mask=None):
    """A FlexAttention ``BlockMask`` for ``pattern`` (an object or its IR
    text) on ``B`` x ``H`` x ``Nq`` x ``Nk`` (None for B or H: 1, broadcast
    by flex_attention), built from the pattern's tile table through
    ``BlockMask.from_kv_blocks``, with ``mask_mod(pattern, ...)`` for the
    partial blocks.  ``mask``: the data of ``#attn.mask`` [B|1, H|1, Nq, Nk]."""
    from torch.nn.attention.flex_attention import BlockMask

    if isinstance(pattern, str):
        pattern = parse_pattern(pattern)
    b, h = B or 1, H or 1
    bq, bk = _block_sizes(block_size)
    pattern.validate(Nq, Nk, h)
    data = None
    if pattern.uses_mask:
        if mask is None:
            raise P.PatternError("the pattern uses #attn.mask: pass its data as mask=")
        data = np.asarray(mask, bool)
        if data.ndim != 4 or data.shape[2:] != (Nq, Nk) or data.shape[0] not in (1, b) \
                or data.shape[1] not in (1, h):
            raise ValueError(f"mask of shape {data.shape} does not broadcast to "
                             f"[{b}, {h}, {Nq}, {Nk}]")
    # One table per head where heads differ, per batch where the mask does.
    tb = data.shape[0] if data is not None else 1
    th = h if pattern.head_dependent else (data.shape[1] if data is not None else 1)
    partial = np.zeros((tb, th, -(-Nq // bq), -(-Nk // bk)), bool)
    full = np.zeros_like(partial)
    for bb in range(tb):
        for hh in range(th):
            mask2d = None if data is None else data[bb, min(hh, data.shape[1] - 1)]
            partial[bb, hh], full[bb, hh] = block_tables(pattern, Nq, Nk, bq, bk, hh, mask2d)
    tables = [_ordered(torch.from_numpy(t).to(device)) for t in (partial, full)]
    (kv_num, kv_idx), (full_num, full_idx) = [
        (n.expand(b, h, *n.shape[2:]), i.expand(b, h, *i.shape[2:])) for n, i in tables]
    return BlockMask.from_kv_blocks(
        kv_num, kv_idx, full_num, full_idx, BLOCK_SIZE=(bq, bk),
        mask_mod=mask_mod(pattern, Nq, Nk, data, device), seq_lengths=(Nq, Nk))


# -- from_mask_mod ----------------------------------------------------------------


def _index_context():
    """FlexAttention's own context for indexing tensors inside vmapped
    mask_mods (``table[q_idx]``), where this torch has it."""
    try:
        from torch._dynamo._trace_wrapped_higher_order_op import TransformGetItemToIndex
    except ImportError:  # pragma: no cover - older or newer torch
        return nullcontext()
    return TransformGetItemToIndex()


def _evaluate(fn: MaskMod, batch: int, heads: int, rows: torch.Tensor,
              nk: int, device) -> torch.Tensor:
    """fn on (batch, every head, rows, every key): bool [heads, rows, nk].
    Broadcast index tensors first (fast); vmap over each index, as
    FlexAttention evaluates mask_mods, when the function needs scalars."""
    b = torch.tensor(batch, device=device)
    h = torch.arange(heads, device=device)
    kv = torch.arange(nk, device=device)
    shape = (heads, len(rows), nk)
    try:
        out = fn(b, h[:, None, None], rows[None, :, None], kv[None, None, :])
        return torch.as_tensor(out, dtype=torch.bool, device=device).broadcast_to(shape)
    except Exception:  # noqa: BLE001 - any failure: evaluate as FlexAttention does
        pass
    inner = fn
    for in_dims in ((None, None, None, 0), (None, None, 0, None), (None, 0, None, None)):
        inner = torch.vmap(inner, in_dims=in_dims, out_dims=0)
    with _index_context():
        out = inner(b, h, rows, kv)
    return torch.as_tensor(out, dtype=torch.bool).broadcast_to(shape)


def from_mask_mod(fn: MaskMod, Nq: int, Nk: int, H: int = 1,
                  block_size: int | tuple[int, int] = 128, batch: int = 0,
                  device: torch.device | str | None = "cpu",
                  recognise: bool = True) -> P.Pattern:
    """The pattern of a FlexAttention ``mask_mod`` on ``Nq`` x ``Nk`` for
    heads 0..H-1 of batch ``batch``: its closed form when one is recognised
    (``recognise``), else an explicit ``#attn.tiles`` table in tiles of
    ``block_size`` (one table per head when heads differ).

    The function is evaluated one row of query tiles at a time (at most
    ``EVALUATION_CHUNK`` pairs at once), never on all N x N pairs at once."""
    bq, bk = _block_sizes(block_size)
    known = getattr(fn, PATTERN_ATTRIBUTE, None)
    if recognise and known is not None and tuple(known[1:]) == (Nq, Nk):
        return known[0]
    nqt, nkt = -(-Nq // bq), -(-Nk // bk)
    kinds = np.full((H, nqt, nkt), EMPTY, np.int64)
    # Per row: attended keys, first and last, to recognise interval rows.
    count = np.zeros((H, Nq), np.int64)
    first = np.zeros((H, Nq), np.int64)
    last = np.zeros((H, Nq), np.int64)
    bitmaps: dict[bytes, int] = {}
    tiles_per_chunk = max(1, EVALUATION_CHUNK // (bq * nkt * bk * H))
    area_k = np.minimum((np.arange(nkt) + 1) * bk, Nk) - np.arange(nkt) * bk
    for t0 in range(0, nqt, tiles_per_chunk):
        t1 = min(nqt, t0 + tiles_per_chunk)
        r0, r1 = t0 * bq, min(Nq, t1 * bq)
        rows = torch.arange(r0, r1, device=device)
        hit = _evaluate(fn, batch, H, rows, Nk, device).cpu().numpy()
        n = hit.sum(axis=2)
        count[:, r0:r1] = n
        first[:, r0:r1] = np.where(n > 0, hit.argmax(axis=2), 0)
        last[:, r0:r1] = np.where(n > 0, Nk - 1 - hit[:, :, ::-1].argmax(axis=2), -1)
        padded = np.zeros((H, (t1 - t0) * bq, nkt * bk), bool)
        padded[:, : r1 - r0, :Nk] = hit
        tiles = padded.reshape(H, t1 - t0, bq, nkt, bk).transpose(0, 1, 3, 2, 4)
        sums = tiles.sum(axis=(3, 4))
        area_q = np.minimum((np.arange(t0, t1) + 1) * bq, Nq) - np.arange(t0, t1) * bq
        area = area_q[:, None] * area_k[None, :]
        kind = np.where(sums == 0, EMPTY, np.where(sums == area, FULL, 0))
        partial = kind == 0
        if partial.any():
            packed = np.packbits(tiles[partial].reshape(-1, bq * bk), axis=1)
            unique, inverse = np.unique(packed, axis=0, return_inverse=True)
            number = np.array([bitmaps.setdefault(u.tobytes(), len(bitmaps)) for u in unique])
            kind[partial] = number[inverse.reshape(-1)]
        kinds[:, t0:t1] = kind
    if recognise:
        closed = _closed_form(count, first, last, Nq, Nk)
        if closed is not None:
            return closed
    same = all(np.array_equal(kinds[0], kinds[hh]) for hh in range(1, H))
    bits = np.zeros((len(bitmaps), bq, bk), bool)
    for key, m in bitmaps.items():
        bits[m] = np.unpackbits(np.frombuffer(key, np.uint8), count=bq * bk).reshape(bq, bk)
    return P.Tiles.from_kinds(kinds[:1] if same else kinds, bits, (bq, bk), (Nq, Nk))


def _closed_form(count, first, last, nq: int, nk: int) -> P.Pattern | None:
    """Dense, causal or a sliding window, when every head's every row is
    the interval that pattern gives it; None otherwise."""
    if any(not (np.array_equal(count[0], count[h]) and np.array_equal(first[0], first[h])
                and np.array_equal(last[0], last[h])) for h in range(1, len(count))):
        return None
    count, first, last = count[0], first[0], last[0]
    rows = np.nonzero(count)[0]
    if len(rows) == 0 or (count[rows] != last[rows] - first[rows] + 1).any():
        return None  # an empty pattern, or a row that is not one interval
    i = np.arange(nq)
    clipped_left, clipped_right = first[rows] > 0, last[rows] < nk - 1
    left = np.unique(rows[clipped_left] - first[rows][clipped_left])
    right = np.unique(last[rows][clipped_right] - rows[clipped_right])
    if len(left) > 1 or len(right) > 1:
        return None
    if len(left) == 0 and len(right) == 0:
        candidate: P.Pattern = P.Dense()
    elif len(left) == 0:
        candidate = P.Causal(int(right[0]))
    elif left[0] >= 0 and (len(right) == 0 or right[0] >= 0):
        candidate = P.Window(int(left[0]), int(right[0]) if len(right) else nk - 1)
    else:
        return None
    # The candidate's rows, as intervals, must be the evaluated ones exactly.
    lo = np.zeros(nq, np.int64) if len(left) == 0 else np.maximum(i - left[0], 0)
    hi = np.full(nq, nk - 1) if len(right) == 0 else np.minimum(i + right[0], nk - 1)
    n = np.maximum(hi - lo + 1, 0)
    if not np.array_equal(n, count) or not np.array_equal(lo[n > 0], first[n > 0]):
        return None
    return candidate
