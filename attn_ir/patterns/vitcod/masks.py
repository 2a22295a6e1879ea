"""Fixed per-head masks as patterns: masks pruned once, offline, and given
as data (ViTCoD, You et al., HPCA 2023, Sec. III: a vision transformer's
attention maps are pruned to fixed masks, about 90-95 % sparse).

Two families, both a boolean ``[heads, Nq, Nk]`` mask behind the pattern
interface:

* ``#attn.mask_file<path = "deit.npz", key = "layer3">``: the mask read from
  a ``.npy`` or ``.npz`` file, so the IR refers to the data instead of
  holding a ``197 x 197 x heads`` literal.  The array is ``[Nq, Nk]`` (every
  head), ``[H, Nq, Nk]`` or ``[L, H, Nq, Nk]`` (then ``layer`` picks one);
  non-zero entries are kept, or, with ``kept = 0``, zero entries are (ViTCoD's
  released ``info_*.npy`` files mark *pruned* pairs with True).  A relative
  path is looked up in the current directory, then in each directory of
  ``$ATTN_IR_MASK_PATH``.
* ``#attn.synthetic_mask<heads = 3, layer = 0, seed = 0, kept_permille = 50>``:
  a synthetic stand-in, drawn by a documented, seeded generator
  (``synthetic_vit_mask``) with the statistics of ViTCoD's DeiT masks.
  These masks are **not** learned: a user with real pruned masks passes them
  with ``#attn.mask_file``.

A mask is given data, so the families answer from it directly (its size is
the data's, ``heads x Nq x Nk``); nothing here builds a larger matrix.
``as_tiles`` turns the mask into an explicit tile table
(``attn_ir.patterns.tiles.Tiles``) for consumers that speak tile tables.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from attn_ir.patterns.base import Domain, Pattern, PatternError

MASK_PATH_ENV = "ATTN_IR_MASK_PATH"
"""Directories (``os.pathsep``-separated) searched for relative mask paths."""


class FixedMask(Pattern):
    """A pattern given by a boolean mask per head (or one for every head).
    Subclasses define ``head_masks``."""

    def head_masks(self, nq: int, nk: int) -> np.ndarray:
        """The ``[H or 1, nq, nk]`` boolean mask (read-only, cached)."""
        raise NotImplementedError

    def _mask(self, dom: Domain) -> np.ndarray:
        masks = self.head_masks(dom.nq, dom.nk)
        return masks[dom.head if len(masks) > 1 else 0]

    def attends(self, i, j, dom):
        mask = self._mask(dom)
        i, j = np.asarray(i), np.asarray(j)
        inside = (i >= 0) & (i < dom.nq) & (j >= 0) & (j < dom.nk)
        return inside & mask[np.clip(i, 0, dom.nq - 1), np.clip(j, 0, dom.nk - 1)]

    def _tile_sums(self, dom: Domain, bq: int, bk: int) -> np.ndarray:
        return _tile_sums(self._mask(dom), bq, bk)

    def candidate_tiles(self, dom, bq, bk):
        return tuple(a.astype(np.int64) for a in np.nonzero(self._tile_sums(dom, bq, bk)))

    def tile_counts(self, qt, kt, dom, bq, bk):
        if len(qt) == 0:
            return np.zeros(0, np.int64)
        return self._tile_sums(dom, bq, bk)[qt, kt].astype(np.int64)

    def nnz(self, nq, nk, head=0, mask=None):
        return int(self._mask(Domain(nq, nk, head)).sum())

    @property
    def mask_heads(self) -> int | None:
        """Heads of the mask data, when known without the shape (None: ask
        ``head_masks``)."""
        return None

    def validate(self, nq, nk, heads):
        masks = self.head_masks(nq, nk)
        if len(masks) not in (1, heads):
            raise PatternError(
                f"#attn.{self.mnemonic}: the mask has {len(masks)} heads, the attention "
                f"has {heads}")

    def as_tiles(self, nq: int, nk: int, block: tuple[int, int] = (16, 16)):
        """The mask as an explicit tile table (``#attn.tiles``)."""
        from attn_ir.patterns.tiles import Tiles

        return Tiles.from_mask(self.head_masks(nq, nk), block)


def _tile_sums(mask: np.ndarray, bq: int, bk: int) -> np.ndarray:
    """Attended pairs per (query tile, key tile) of one head's mask."""
    nq, nk = mask.shape
    nqt, nkt = -(-nq // bq), -(-nk // bk)
    padded = np.zeros((nqt * bq, nkt * bk), np.int64)
    padded[:nq, :nk] = mask
    return padded.reshape(nqt, bq, nkt, bk).sum(axis=(1, 3))


# -- masks from files -----------------------------------------------------------


def resolve_mask_path(path: str) -> str:
    """The file a ``#attn.mask_file`` path names (see the module doc)."""
    if os.path.isabs(path) or os.path.exists(path):
        return os.path.abspath(path)
    for directory in filter(None, os.environ.get(MASK_PATH_ENV, "").split(os.pathsep)):
        candidate = os.path.join(directory, path)
        if os.path.exists(candidate):
            return os.path.abspath(candidate)
    raise PatternError(f"#attn.mask_file: cannot read '{path}': no such file"
                       + (f" (searched ${MASK_PATH_ENV})" if os.environ.get(MASK_PATH_ENV)
                          else ""))


@lru_cache(maxsize=64)
def _load_mask(path: str, mtime_ns: int, key: str, layer: int, kept: int) -> np.ndarray:
    """[H, Nq, Nk] booleans of a mask file (cached while the file is unchanged)."""
    name = f"#attn.mask_file: '{path}'"
    try:
        with open(path, "rb") as f:
            data = np.load(f, allow_pickle=False)
            if isinstance(data, np.lib.npyio.NpzFile):
                with data:
                    files = data.files
                    if not key:
                        if len(files) != 1:
                            raise PatternError(
                                f"{name} holds {len(files)} arrays; give key = one of "
                                + ", ".join(files))
                        key = files[0]
                    if key not in files:
                        raise PatternError(f"{name} has no array '{key}'; it holds "
                                           + ", ".join(files))
                    array = data[key]
            else:
                if key:
                    raise PatternError(f"{name} is a .npy file; key applies to .npz only")
                array = data
    except (OSError, ValueError, EOFError) as e:
        raise PatternError(f"{name} is not a NumPy .npy/.npz file ({e})") from None
    if array.ndim == 4:
        if not 0 <= layer < array.shape[0]:
            raise PatternError(f"{name} holds {array.shape[0]} layers; layer must be "
                               f"0 .. {array.shape[0] - 1}, got {layer}")
        array = array[layer]
    elif layer >= 0:
        raise PatternError(f"{name} has shape {'x'.join(map(str, array.shape))}; "
                           "layer applies to [L, H, Nq, Nk] arrays only")
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3:
        raise PatternError(f"{name} must be [Nq, Nk], [H, Nq, Nk] or [L, H, Nq, Nk], got "
                           + "x".join(map(str, array.shape)))
    if not (array.dtype == np.bool_ or np.issubdtype(array.dtype, np.number)):
        raise PatternError(f"{name} must hold booleans or numbers, got {array.dtype}")
    out = (array != 0) if kept else (array == 0)
    out = np.ascontiguousarray(out)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class MaskFile(FixedMask):
    """``#attn.mask_file<path = "...", key = "...", layer = 3, kept = 0>``: a
    fixed mask read from a ``.npy`` / ``.npz`` file (see the module doc).
    ``key`` names the array of an ``.npz`` (default: its only array);
    ``layer`` picks one of an ``[L, H, Nq, Nk]`` array (default -1: the
    array has no layer axis); ``kept`` is 1 when non-zero entries are kept,
    0 when zero entries are."""

    path: str
    key: str = ""
    layer: int = -1
    kept: int = 1
    mnemonic = "mask_file"

    def data_version(self):
        """The file and its modification time (caches of derived data key on it)."""
        try:
            path = resolve_mask_path(self.path)
            return path, os.stat(path).st_mtime_ns
        except (PatternError, OSError):
            return None

    def load(self) -> np.ndarray:
        """The file's mask, [H, Nq, Nk] booleans."""
        path = resolve_mask_path(self.path)
        return _load_mask(path, os.stat(path).st_mtime_ns, self.key, self.layer, self.kept)

    def head_masks(self, nq, nk):
        masks = self.load()
        if masks.shape[1:] != (nq, nk):
            raise PatternError(
                f"#attn.mask_file: the mask in '{self.path}' is "
                f"{masks.shape[1]}x{masks.shape[2]}, the attention is {nq}x{nk}")
        return masks

    @property
    def head_dependent(self) -> bool:
        try:
            return len(self.load()) > 1
        except PatternError:
            return False

    def validate(self, nq, nk, heads):
        if self.kept not in (0, 1):
            raise PatternError(f"#attn.mask_file: kept must be 0 or 1, got {self.kept}")
        super().validate(nq, nk, heads)


# -- synthetic masks ------------------------------------------------------------


SYNTHETIC_DENSE_DEGREE = (0.27, 0.55)
"""In-degree of a synthetic dense column, as a fraction of the queries: in
ViTCoD's released DeiT-Tiny masks at 95 % sparsity the columns kept by more
than 50 of 197 queries are kept by 51 to 108 (0.26-0.55) of them, apart from
the class token's, which every query keeps."""

SYNTHETIC_LOCAL_SHARE = 0.5
"""Share of the local pairs whose key is a neighbour of the query on the
patch grid (left, right, up, down or diagonal); the rest are drawn at a
distance along the token order (two-sided geometric)."""

SYNTHETIC_LOCAL_SCALE = 12.0
"""Mean distance of the other local pairs along the token order."""


def synthetic_dense_columns_mean(layer: int) -> float:
    """Mean number of dense columns besides the class token's in ``layer``:
    0.75 (layer + 1), growing with depth as in ViTCoD's DeiT-Tiny masks
    (1 in most early heads, 5-30 in the last three layers)."""
    return 0.75 * (layer + 1)


@lru_cache(maxsize=512)
def synthetic_vit_mask(n: int, head: int, layer: int, seed: int,
                       kept_permille: int) -> np.ndarray:
    """One head's synthetic ViTCoD-style mask, [n, n] booleans (read-only).

    The statistics are those of ViTCoD's released DeiT-Tiny masks (You et
    al., HPCA 2023; github.com/GATECH-EIC/ViTCoD, ``info_0.95.npy``): the
    class token (token 0) attends every key and every query attends it;
    every token attends itself; a few more columns are dense (their number
    Poisson with mean ``synthetic_dense_columns_mean(layer)``, each kept by
    ``SYNTHETIC_DENSE_DEGREE`` of the queries, chosen at random); the rest of
    the budget, ``round(kept_permille / 1000 * n * n)`` kept pairs in all,
    lies around the diagonal: half of it on the neighbours of the query's
    patch on the ``sqrt(n - 1)``-wide grid, half at a two-sided geometric
    distance along the token order (mean ``SYNTHETIC_LOCAL_SCALE``).  All
    draws come from ``numpy.random.default_rng([seed, layer, head])``, so a
    (seed, layer, head) always gives the same mask.  When the fixed part
    (class token, diagonal, dense columns) exceeds the budget, the mask is
    that fixed part.
    """
    rng = np.random.default_rng([seed, layer, head])
    mask = np.zeros((n, n), bool)
    mask[0, :] = True
    mask[:, 0] = True
    mask[np.arange(n), np.arange(n)] = True
    lo, hi = (max(1, math.ceil(f * n)) for f in SYNTHETIC_DENSE_DEGREE)
    extra = min(int(rng.poisson(synthetic_dense_columns_mean(layer))), max(0, n - 2))
    dense = rng.choice(np.arange(1, n), size=extra, replace=False) if extra else np.zeros(
        0, np.int64)
    for column in dense:
        degree = int(rng.integers(lo, hi + 1))
        mask[rng.choice(n, size=min(degree, n), replace=False), column] = True
    budget = round(kept_permille / 1000 * n * n) - int(mask.sum())
    is_dense = np.zeros(n, bool)
    is_dense[dense] = True
    is_dense[0] = True
    side = max(2, round(math.sqrt(max(1, n - 1))))
    neighbours = np.array([1, side - 1, side, side + 1])
    for _ in range(64):
        if budget <= 0:
            break
        draws = 2 * budget + 16
        rows = rng.integers(1, n, size=draws)
        on_grid = rng.random(draws) < SYNTHETIC_LOCAL_SHARE
        distance = np.where(on_grid, neighbours[rng.integers(0, len(neighbours), draws)],
                            1 + rng.geometric(1.0 / SYNTHETIC_LOCAL_SCALE, draws))
        cols = rows + np.where(rng.random(draws) < 0.5, -distance, distance)
        ok = (cols >= 1) & (cols < n)
        rows, cols = rows[ok], cols[ok]
        ok = ~is_dense[cols] & ~mask[rows, cols]
        rows, cols = rows[ok], cols[ok]
        # Keep the first occurrence of each new pair, in draw order.
        _, first = np.unique(rows * n + cols, return_index=True)
        first = np.sort(first)[:budget]
        mask[rows[first], cols[first]] = True
        budget -= len(first)
    mask.setflags(write=False)
    return mask


@dataclass(frozen=True)
class SyntheticMask(FixedMask):
    """``#attn.synthetic_mask<heads = 3, layer = 0, seed = 0, kept_permille =
    50>``: ``heads`` synthetic ViTCoD-style masks (one per head) for
    self-attention, ``kept_permille`` per mille of the pairs kept (50: 95 %
    sparse); see ``synthetic_vit_mask`` for the generator.  Synthetic: not a
    model's learned masks."""

    heads: int
    layer: int = 0
    seed: int = 0
    kept_permille: int = 50
    mnemonic = "synthetic_mask"

    def head_masks(self, nq, nk):
        if nq != nk:
            raise PatternError(f"#attn.synthetic_mask: self-attention only (Nq = Nk), got "
                               f"{nq}x{nk}")
        return _stacked_synthetic(nq, self.heads, self.layer, self.seed, self.kept_permille)

    @property
    def head_dependent(self) -> bool:
        return self.heads > 1

    def validate(self, nq, nk, heads):
        for key in ("heads", "kept_permille"):
            if getattr(self, key) <= 0:
                raise PatternError(f"#attn.synthetic_mask: {key} must be positive, got "
                                   f"{getattr(self, key)}")
        if self.kept_permille > 1000:
            raise PatternError("#attn.synthetic_mask: kept_permille must be at most 1000, "
                               f"got {self.kept_permille}")
        if self.layer < 0 or self.seed < 0:
            raise PatternError("#attn.synthetic_mask: layer and seed must be non-negative")
        if self.heads != heads:
            raise PatternError(f"#attn.synthetic_mask: heads = {self.heads}, the attention "
                               f"has {heads} heads")
        self.head_masks(nq, nk)


@lru_cache(maxsize=64)
def _stacked_synthetic(n: int, heads: int, layer: int, seed: int,
                       kept_permille: int) -> np.ndarray:
    out = np.stack([synthetic_vit_mask(n, h, layer, seed, kept_permille)
                    for h in range(heads)])
    out.setflags(write=False)
    return out

