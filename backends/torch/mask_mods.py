"""A pattern's predicate as a FlexAttention ``mask_mod`` written as
arithmetic on the indices.

FlexAttention evaluates ``mask_mod(b, h, q_idx, kv_idx)`` for every pair of
a partial block, inside its kernel.  Comparisons and integer arithmetic on
the indices cost a few instructions; a gather from a captured tensor is a
memory load per pair and, measured on an H200 with the Longformer pattern,
ran 13x slower than the same mask as arithmetic (issue 20).  So every family
with a closed form is restated here as arithmetic: a global token list as
comparisons against its runs of consecutive tokens, per-head dilations as a
``where`` chain over the heads.  Only what has no closed form reads a
tensor: BigBird's random blocks (a [query blocks, key blocks] table), an
explicit ``#attn.tiles`` table, the mask operand, and global lists of more
than ``MAX_RUNS`` runs.

The same functions work on broadcast index tensors (the backend evaluates
them on the few rows of a rows part) and under ``vmap`` (FlexAttention's
eager path), and they are the definitions of ``attn_ir.patterns.families``
restated, as ``attn_ir.interop.flex.mask_mod`` is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from attn_ir import patterns as P
from attn_ir.patterns.tiles import FULL

MaskMod = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]

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
            per_batch, per_head = mask.shape[0] > 1, mask.shape[1] > 1
            return lambda b, h, q, kv: _lookup(
                mask, b if per_batch else b * 0, h if per_head else h * 0, q, kv)
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
    raise NotImplementedError(f"the torch backend has no mask_mod for #attn.{p.mnemonic}")


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
