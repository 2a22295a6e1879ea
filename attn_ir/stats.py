"""Static statistics of the attention ops of a module: attended pairs,
density and the tile table, computed by the pattern library without an
Nq x Nk matrix.

For each ``attn.attention`` (in walk order):

* ``nnz``: attended (query, key) pairs summed over batch and heads;
* ``density``: ``nnz / (B * H * Nq * Nk)``;
* ``tiles_full`` / ``tiles_partial`` / ``tiles_skipped``: the tile table for
  square tiles of ``tile`` x ``tile`` pairs, summed over batch and heads.

A pattern that is the same for every head is counted once and multiplied.
A pattern that reads the mask operand (``#attn.mask``) has no static count:
``nnz`` and ``density`` are None, and its tile table is the static one (every
tile the mask could touch is partial; at run time more may be skipped).

``density_grid`` is the picture of one head's pattern, downsampled to at
most ``max_cells`` x ``max_cells`` cells through the tile table.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass

import numpy as np
from xdsl.dialects.builtin import ModuleOp

from attn_ir import patterns as P
from attn_ir.dialects.attn import AttentionOp
from attn_ir.patterns.base import tile_extent


@dataclass(frozen=True)
class HeadCounts:
    """Counts for one head of one (pattern, Nq, Nk) at one tile size."""

    nnz: int | None
    tiles_full: int
    tiles_partial: int
    tiles_skipped: int


@dataclass(frozen=True)
class AttentionStats:
    """Statistics of one ``attn.attention``."""

    op_index: int
    pattern: str
    shape: tuple[int, int, int, int, int]
    """(B, H, Nq, Nk, D)."""
    nnz: int | None
    density: float | None
    tile: int
    tiles_full: int
    tiles_partial: int
    tiles_skipped: int

    def to_json(self) -> dict:
        out = asdict(self)
        out["shape"] = list(self.shape)
        return out


def head_counts(pattern: P.Pattern, nq: int, nk: int, head: int, tile: int) -> HeadCounts:
    table = pattern.tile_table(nq, nk, tile, tile, head)
    nnz = None if pattern.uses_mask else pattern.nnz(nq, nk, head)
    return HeadCounts(nnz, table.num_full, table.num_partial, table.num_skipped)


def attention_stats(op: AttentionOp, op_index: int, tile: int,
                    cache: dict | None = None) -> AttentionStats:
    """Statistics of one op.  ``cache`` (shared across ops) avoids recounting
    a (pattern, Nq, Nk, head, tile) seen before, e.g. in every layer."""
    if tile <= 0:
        raise P.PatternError(f"tile size must be positive, got {tile}")
    cache = {} if cache is None else cache
    b, h, nq, nk, d, _ = op.dims
    pattern = op.pattern.pattern
    heads = range(h) if pattern.head_dependent else (0,)
    per_head = []
    for head in heads:
        key = (pattern, nq, nk, head, tile)
        if key not in cache:
            cache[key] = head_counts(pattern, nq, nk, head, tile)
        per_head.append(cache[key])
    copies = b * (1 if pattern.head_dependent else h)
    nnz = None if pattern.uses_mask else copies * sum(c.nnz for c in per_head)
    pairs = b * h * nq * nk
    return AttentionStats(
        op_index=op_index,
        pattern=str(pattern),
        shape=(b, h, nq, nk, d),
        nnz=nnz,
        density=None if nnz is None else (nnz / pairs if pairs else 0.0),
        tile=tile,
        tiles_full=copies * sum(c.tiles_full for c in per_head),
        tiles_partial=copies * sum(c.tiles_partial for c in per_head),
        tiles_skipped=copies * sum(c.tiles_skipped for c in per_head),
    )


def attention_ops(module: ModuleOp) -> list[AttentionOp]:
    return [op for op in module.walk() if isinstance(op, AttentionOp)]


def module_stats(module: ModuleOp, tile: int = 64) -> list[AttentionStats]:
    """Statistics of every ``attn.attention`` of the module, in walk order."""
    cache: dict = {}
    return [attention_stats(op, n, tile, cache)
            for n, op in enumerate(attention_ops(module))]


def format_table(stats: list[AttentionStats]) -> str:
    """An aligned table for people, one row per op; the pattern comes last
    because it can be long."""
    header = ("op", "shape (BxHxNqxNkxD)", "nnz", "density", "tile",
              "full", "partial", "skipped", "pattern")
    rows = [header]
    for s in stats:
        rows.append((
            str(s.op_index), "x".join(map(str, s.shape)),
            "n/a" if s.nnz is None else str(s.nnz),
            "n/a" if s.density is None else f"{s.density:.4f}",
            str(s.tile), str(s.tiles_full), str(s.tiles_partial), str(s.tiles_skipped),
            s.pattern,
        ))
    widths = [max(len(r[c]) for r in rows) for c in range(len(header) - 1)]
    left = {1}  # the shape is left-aligned, numbers right-aligned
    lines = []
    for r in rows:
        cells = [r[c].ljust(widths[c]) if c in left else r[c].rjust(widths[c])
                 for c in range(len(widths))]
        lines.append("  ".join(cells + [r[-1]]))
    return "\n".join(lines) + "\n"


# -- picture of a pattern ----------------------------------------------------


def density_grid(pattern: P.Pattern, nq: int, nk: int, head: int = 0,
                 max_cells: int = 512) -> tuple[np.ndarray, int, int]:
    """(grid, bq, bk): the fraction of attended pairs in each cell of a grid
    of at most ``max_cells`` x ``max_cells`` cells, each cell a tile of
    ``bq = ceil(nq / max_cells)`` queries by ``bk = ceil(nk / max_cells)``
    keys.  Built from the tile table (count / area per tile), never from an
    Nq x Nk matrix."""
    if pattern.uses_mask:
        raise P.PatternError("#attn.mask: the pattern depends on the mask "
                             "operand's data and has no static picture")
    bq, bk = -(-nq // max_cells), -(-nk // max_cells)
    table = pattern.tile_table(nq, nk, bq, bk, head)
    area = tile_extent(table.q_tile, bq, nq) * tile_extent(table.k_tile, bk, nk)
    grid = np.zeros((table.num_q_tiles, table.num_k_tiles))
    grid[table.q_tile, table.k_tile] = table.count / area
    return grid, bq, bk


def plot_density_png(grid: np.ndarray, nq: int, nk: int, title: str) -> bytes:
    """A PNG of a density grid (Agg backend, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 6.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    # Empty cells are white; any attended pair shows, even one in a large cell.
    cmap = matplotlib.colormaps["viridis_r"].with_extremes(bad="white")
    image = ax.imshow(np.ma.masked_equal(grid, 0.0), cmap=cmap, vmin=0.0, vmax=1.0,
                      interpolation="nearest", extent=(0, nk, nq, 0), aspect="auto")
    ax.set_xlabel("key")
    ax.set_ylabel("query")
    ax.set_title(title, fontsize=9)
    fig.colorbar(image, ax=ax, label="fraction of pairs attended (white: none)")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
