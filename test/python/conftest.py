"""Shared hypothesis strategies for the pattern and reference tests.

``shapes()`` draws small attention shapes, ``patterns(nq, nk, heads)`` a
random pattern that passes ``validate(nq, nk, heads)`` (every family, and
unions / intersections nested up to two levels), and ``masks(...)`` the data
of a mask operand.  ``naive_attends`` restates each family's predicate from
its documentation in plain Python, independently of the library's
vectorised ``attends``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from hypothesis import strategies as st

from attn_ir import patterns as P
from attn_ir.patterns import (
    BlockLocal,
    Causal,
    Dense,
    Fixed,
    Global,
    Intersection,
    MaskOperand,
    Pattern,
    RandomBlocks,
    Strided,
    Tiles,
    Union,
    Window,
    Window2D,
)

MAX_N = 70
MAX_TILE = 24
MAX_HEADS = 3

LEAF_FAMILIES = (
    "dense", "causal", "window", "window2d", "global", "block_local",
    "random_blocks", "strided", "fixed", "mask", "tiles",
)


@st.composite
def shapes(draw, max_n: int = MAX_N, max_heads: int = MAX_HEADS):
    """(nq, nk, heads); nq and nk are drawn independently."""
    nq = draw(st.integers(1, max_n))
    nk = draw(st.integers(1, max_n))
    heads = draw(st.integers(1, max_heads))
    return nq, nk, heads


@st.composite
def tiles(draw):
    return draw(st.integers(1, MAX_TILE)), draw(st.integers(1, MAX_TILE))


@st.composite
def leaf_patterns(draw, nq: int, nk: int, heads: int, family: str | None = None):
    """One non-combination pattern that fits (nq, nk, heads)."""
    n = min(nq, nk)
    family = family or draw(st.sampled_from(LEAF_FAMILIES))
    if family == "dense":
        return Dense()
    if family == "causal":
        return Causal(draw(st.integers(-nq - 3, nk + 3)))
    if family == "window":
        if heads > 1 and draw(st.booleans()):
            dilation = tuple(draw(st.lists(st.integers(1, 5), min_size=heads,
                                           max_size=heads)))
        else:
            dilation = (draw(st.integers(1, 5)),)
        return Window(draw(st.integers(0, nq + 2)), draw(st.integers(0, nk + 2)),
                      dilation)
    if family == "window2d":
        rows = draw(st.integers(1, n))
        cols = draw(st.integers(1, n // rows))
        offset = draw(st.integers(0, n - rows * cols))
        window = (2 * draw(st.integers(0, rows)) + 1, 2 * draw(st.integers(0, cols)) + 1)
        return Window2D((rows, cols), window, offset)
    if family == "global":
        picked = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=min(n, 5)))
        return Global(tuple(picked))
    if family == "block_local":
        return BlockLocal(draw(st.integers(1, 30)), draw(st.integers(0, 3)),
                          draw(st.integers(0, 3)))
    if family == "random_blocks":
        return RandomBlocks(draw(st.integers(1, 30)), draw(st.integers(0, 4)),
                            draw(st.integers(0, 2**32 - 1)))
    if family == "strided":
        return Strided(draw(st.integers(1, 20)))
    if family == "fixed":
        stride = draw(st.integers(1, 20))
        return Fixed(stride, draw(st.integers(1, stride)))
    if family == "mask":
        return MaskOperand()
    if family == "tiles":
        # An explicit table of a random mask: one for all heads or one per head.
        table_heads = heads if heads > 1 and draw(st.booleans()) else 1
        block = (draw(st.integers(1, MAX_TILE)), draw(st.integers(1, MAX_TILE)))
        return Tiles.from_mask(draw(masks(table_heads, nq, nk)), block)
    raise AssertionError(family)


@st.composite
def patterns(draw, nq: int, nk: int, heads: int, depth: int = 2):
    """A random valid pattern: a leaf, or a union / intersection of 1-3
    children nested up to ``depth`` levels."""
    if depth == 0 or draw(st.integers(0, 2)) > 0:
        return draw(leaf_patterns(nq, nk, heads))
    kind = draw(st.sampled_from((Union, Intersection)))
    children = draw(st.lists(patterns(nq, nk, heads, depth - 1), min_size=1, max_size=3))
    return kind(tuple(children))


@st.composite
def combinations(draw, nq: int, nk: int, heads: int, kind: type | None = None):
    """A union or intersection (``kind``, else either), nested one or two levels."""
    kind = kind or draw(st.sampled_from((Union, Intersection)))
    children = draw(st.lists(patterns(nq, nk, heads, 1), min_size=1, max_size=3))
    return kind(tuple(children))


@st.composite
def masks(draw, heads: int, nq: int, nk: int) -> np.ndarray:
    """Mask operand data [heads, nq, nk]: uniform noise of a random density,
    or blocky (constant on random rectangles, so tiles can be full or empty)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    density = draw(st.sampled_from((0.0, 0.1, 0.5, 0.9, 1.0)))
    if draw(st.booleans()):
        return rng.random((heads, nq, nk)) < density
    a, b = draw(st.integers(1, 16)), draw(st.integers(1, 16))
    coarse = rng.random((heads, -(-nq // a), -(-nk // b))) < density
    return np.repeat(np.repeat(coarse, a, axis=1), b, axis=2)[:, :nq, :nk].copy()


def _window_attends(p: Window, i: int, j: int, head: int) -> bool:
    dil = p.dilation[head] if len(p.dilation) > 1 else p.dilation[0]
    return any(j == i + t * dil for t in range(-p.left, p.right + 1))


def _window2d_attends(p: Window2D, i: int, j: int) -> bool:
    rows, cols = p.grid
    li, lj = i - p.offset, j - p.offset
    if not (0 <= li < rows * cols and 0 <= lj < rows * cols):
        return False
    return (abs(li // cols - lj // cols) <= p.window[0] // 2
            and abs(li % cols - lj % cols) <= p.window[1] // 2)


def _tiles_attends(p: Tiles, i: int, j: int, head: int) -> bool:
    # The run table and the hex bitmaps, decoded as #attn.tiles documents them.
    bq, bk = p.block
    num_q_tiles = -(-p.shape[0] // bq)
    row = (head if len(p.ptr) - 1 > num_q_tiles else 0) * num_q_tiles + i // bq
    for r in range(p.ptr[row], p.ptr[row + 1]):
        if p.start[r] <= j // bk < p.start[r] + p.count[r]:
            if p.bitmap[r] == -1:
                return True
            bit = (i % bq) * bk + j % bk
            byte = p.bitmap[r] * -(-bq * bk // 8) + bit // 8
            return bool(int(p.bitmaps[2 * byte: 2 * byte + 2], 16) >> (7 - bit % 8) & 1)
    return False


@lru_cache(maxsize=4096)
def _random_blocks(seed: int, query_block: int, num_k: int, count: int) -> frozenset:
    # The generator documented on RandomBlocks.
    chosen = np.random.default_rng([seed, query_block]).choice(
        num_k, size=min(count, num_k), replace=False)
    return frozenset(int(c) for c in chosen)


def naive_attends(p: Pattern, i: int, j: int, head: int, nq: int, nk: int,
                  mask: np.ndarray | None = None) -> bool:
    """Does query i attend key j, from each family's documented definition."""
    match p:
        case Dense():
            return True
        case Causal():
            return j <= i + p.offset
        case Window():
            return _window_attends(p, i, j, head)
        case Window2D():
            return _window2d_attends(p, i, j)
        case Global():
            return i in p.indices or j in p.indices
        case BlockLocal():
            return i // p.block - p.left <= j // p.block <= i // p.block + p.right
        case RandomBlocks():
            return j // p.block in _random_blocks(p.seed, i // p.block,
                                                  -(-nk // p.block), p.count)
        case Strided():
            return j <= i and (i - j < p.stride or (i - j) % p.stride == 0)
        case Fixed():
            return j <= i and (j // p.stride == i // p.stride
                               or j % p.stride >= p.stride - p.summary)
        case MaskOperand():
            return bool(mask[i, j])
        case Tiles():
            return _tiles_attends(p, i, j, head)
        case Union():
            return any(naive_attends(c, i, j, head, nq, nk, mask) for c in p.patterns)
        case Intersection():
            return all(naive_attends(c, i, j, head, nq, nk, mask) for c in p.patterns)
    raise AssertionError(p)


def naive_mask(p: Pattern, nq: int, nk: int, head: int,
               mask: np.ndarray | None = None) -> np.ndarray:
    return np.array([[naive_attends(p, i, j, head, nq, nk, mask) for j in range(nk)]
                     for i in range(nq)], dtype=bool).reshape(nq, nk)


FAMILIES = LEAF_FAMILIES + ("union", "intersect")


@st.composite
def cases(draw, family: str | None = None, max_n: int = MAX_N,
          max_heads: int = MAX_HEADS, heads: int | None = None):
    """(nq, nk, heads, pattern, mask): a valid pattern of ``family`` (any when
    None) with mask data [heads, nq, nk] when the pattern reads the mask.
    ``heads`` fixes the number of heads (else drawn from 1..max_heads)."""
    nq, nk, drawn_heads = draw(shapes(max_n, max_heads))
    heads = heads or drawn_heads
    if family is None:
        p = draw(patterns(nq, nk, heads))
    elif family == "union":
        p = draw(combinations(nq, nk, heads, Union))
    elif family == "intersect":
        p = draw(combinations(nq, nk, heads, Intersection))
    else:
        p = draw(leaf_patterns(nq, nk, heads, family))
    p.validate(nq, nk, heads)
    mask = draw(masks(heads, nq, nk)) if p.uses_mask else None
    return nq, nk, heads, p, mask


# -- the pattern catalogue the engine tests share -------------------------------

PATTERNS = {  # one pattern of each family and of each combination, by name
    "dense": P.Dense(),
    "causal": P.Causal(),
    "causal-empty-rows": P.Causal(-3),
    "window": P.Window(3, 2),
    "window-dilated-per-head": P.Window(2, 2, (1, 3)),
    "window2d": P.Window2D((3, 4), (3, 3), offset=1),
    # 8 tokens: fits the 9x17 shape too, so a 2-D window meets Nq != Nk.
    "window2d-uneven": P.Window2D((2, 3), (3, 1), offset=2),
    "global": P.Global((0, 5)),
    "block-local": P.BlockLocal(4, 1, 0),
    "random-blocks": P.RandomBlocks(4, 2, seed=7),
    "strided": P.Strided(4),
    "fixed": P.Fixed(4, 1),
    "union": P.Union((P.Window(1, 1), P.Global((0,)), P.RandomBlocks(3, 1, 2))),
    "intersection": P.Intersection((P.Causal(), P.Window(4, 4, (1, 2)))),
    "nested": P.Union((P.Intersection((P.Causal(), P.Strided(3))), P.Global((2,)))),
    "mask": P.MaskOperand(),
    "mask-union": P.Union((P.MaskOperand(), P.Window(1, 0))),
}

SHAPES = [
    # (B, H, Nq, Nk, D, Dv): ragged against the tile sizes the tests use (4x5, 64x64).
    (1, 2, 13, 13, 8, 8),
    (2, 2, 9, 17, 4, 6),
]


def pytest_report_header(config):
    # The differential sample's seed changes with the commit: say which one ran.
    from attn_ir.testing.differential_seed import describe

    return describe()


def pytest_terminal_summary(terminalreporter):
    # Also at the end, where `pytest -q` (CI) shows it next to any failure.
    from attn_ir.testing.differential_seed import describe

    terminalreporter.write_line(describe())
