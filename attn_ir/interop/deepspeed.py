"""DeepSpeed sparse-attention layouts as attn patterns.

DeepSpeed's sparse self-attention (``deepspeed.ops.sparse_attention``)
describes a layer's sparsity as a *block layout*: a [heads, N/block,
N/block] 0/1 matrix; query block ``r`` attends key block ``c`` of head
``h`` when ``layout[h, r, c] = 1``, every token pair of the block (the
block-sparse kernels have no finer mask).  Its configuration classes build
the layout from a few numbers; ``pattern`` here builds the attn pattern
with the same pairs, from the rules DeepSpeed documents for each class (its
docstrings and tutorial), restated below.  Nothing of DeepSpeed is imported.

Shared parameters: ``block`` (block size; N must be a multiple of it),
``num_heads``, ``different_layout_per_head`` and ``attention``
(``"bidirectional"`` or ``"unidirectional"``).  A unidirectional layout is
causal *by blocks*: a query attends the whole of its own block, later
tokens of it included, as DeepSpeed's kernels compute; intersect with
``#attn.causal`` for token-level causality.

``dense``
    every block: ``#attn.dense``.
``local_sliding_window`` (``LocalSlidingWindowSparsityConfig``:
``num_sliding_window_blocks`` w, default unidirectional)
    query block r attends key blocks r - w//2 .. r + w//2 (.. r when
    unidirectional): ``#attn.block_local<block = b, left = w//2, right =
    w//2 or 0>``.
``bslongformer`` (``BSLongformerSparsityConfig``: ``num_sliding_window_blocks``,
``global_block_indices`` [0], ``global_block_end_indices``)
    the sliding window, plus global blocks (each index, or each range
    ``[start, end)`` when end indices are given; indices past the last
    block are ignored, ends are clipped): they attend every block and every
    block attends them, i.e. ``#attn.global`` of their tokens.
    Unidirectional: everything above the block diagonal removed.
``bigbird`` (``BigBirdSparsityConfig``: ``num_random_blocks`` r,
``num_sliding_window_blocks``, ``num_global_blocks`` g)
    the sliding window, r random key blocks per query block, and the first
    g blocks global (rows and columns).  Unidirectional: everything above
    the block diagonal removed.
``fixed`` (``FixedSparsityConfig``: ``num_local_blocks`` L,
``num_global_blocks`` G, ``horizontal_global_attention``,
``num_different_global_patterns`` P; Child et al. 2019, customised)
    local: the blocks form windows of L (the last may be short); a block
    attends its whole window (unidirectional: the window's blocks up to
    itself).  Global: in every whole window the G blocks starting at
    ``L - (1 + h % P) * G`` (the last G of the window for head pattern 0)
    are attended by every query block (unidirectional: by query blocks from
    the first global block on); when the last window is short, its global
    blocks start at ``min(start of that window + L - (1 + h % P) * G,
    blocks - G)``.  ``horizontal_global_attention`` (bidirectional only):
    the global blocks also attend every block.  P > 1 needs
    ``different_layout_per_head``; heads then differ.
``variable`` (``VariableSparsityConfig``: ``num_random_blocks``,
``local_window_blocks`` [4], ``global_block_indices`` [0],
``global_block_end_indices``, ``horizontal_global_attention``)
    local windows of the listed sizes, in order, the last size repeated to
    the end (whole windows, or up to the diagonal when unidirectional);
    global blocks (indices or ranges, as for bslongformer) attended by
    every query block (unidirectional: from the global block on) and, with
    ``horizontal_global_attention``, attending every block; r random key
    blocks per query block, from all blocks, in either direction.

Patterns: closed forms for ``dense``, ``local_sliding_window``,
``bslongformer`` and ``bigbird`` (so tile tables scale to any N), an
explicit block table (``#attn.tiles``, one per head where heads differ) for
``fixed`` and ``variable``, built by ``block_layout``.

Random blocks are the one place where no two DeepSpeed layouts agree:
DeepSpeed draws them with Python's unseeded ``random`` module at every
``make_layout``.  Here they are seeded (``seed``): ``bigbird`` uses
``#attn.random_blocks<block = b, count = r, seed = s>`` (r of all key
blocks per query block, shared by every head; unidirectional keeps those at
or before the query block, where DeepSpeed draws r among those), ``variable``
draws r of all blocks per query block with
``numpy.random.default_rng([seed, head, query block])``, one draw per head
when ``different_layout_per_head``.

    from attn_ir.interop import deepspeed
    p = deepspeed.pattern({"mode": "bigbird", "block": 16, "num_random_blocks": 1},
                          seq_len=4096)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from attn_ir import patterns as P

DEFAULTS: dict[str, dict[str, Any]] = {
    # The defaults of DeepSpeed's configuration classes (their signatures).
    "dense": {},
    "fixed": {"num_local_blocks": 4, "num_global_blocks": 1, "attention": "bidirectional",
              "horizontal_global_attention": False, "num_different_global_patterns": 1},
    "variable": {"num_random_blocks": 0, "local_window_blocks": [4],
                 "global_block_indices": [0], "global_block_end_indices": None,
                 "attention": "bidirectional", "horizontal_global_attention": False},
    "bigbird": {"num_random_blocks": 1, "num_sliding_window_blocks": 3,
                "num_global_blocks": 1, "attention": "bidirectional"},
    "bslongformer": {"num_sliding_window_blocks": 3, "global_block_indices": [0],
                     "global_block_end_indices": None, "attention": "bidirectional"},
    "local_sliding_window": {"num_sliding_window_blocks": 3, "attention": "unidirectional"},
}
SHARED = {"block": 16, "different_layout_per_head": False}


class DeepSpeedConfigError(ValueError):
    """A configuration DeepSpeed would reject, or that does not fit N."""


def _settings(config: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """(mode, every parameter with DeepSpeed's defaults filled in)."""
    mode = str(config.get("mode", "fixed")).lower().replace("-", "_")
    if mode not in DEFAULTS:
        raise DeepSpeedConfigError(f"unknown sparse attention mode '{mode}'; expected one of "
                                   + ", ".join(DEFAULTS))
    known = {**SHARED, **DEFAULTS[mode]}
    unknown = sorted(set(config) - set(known) - {"mode", "num_heads"})
    if unknown:
        raise DeepSpeedConfigError(f"mode '{mode}' has no parameter "
                                   + ", ".join(f"'{k}'" for k in unknown))
    settings = {**known, **{k: v for k, v in config.items() if k in known}}
    if settings.get("attention", "bidirectional") not in ("bidirectional", "unidirectional"):
        raise DeepSpeedConfigError(
            f"attention must be 'bidirectional' or 'unidirectional', got '{settings['attention']}'")
    if settings.get("horizontal_global_attention") and settings["attention"] != "bidirectional":
        raise DeepSpeedConfigError("horizontal_global_attention needs bidirectional attention")
    if int(settings["block"]) <= 0:
        raise DeepSpeedConfigError(f"block must be positive, got {settings['block']}")
    return mode, settings


def _num_blocks(settings: dict[str, Any], seq_len: int) -> int:
    block = int(settings["block"])
    if seq_len <= 0 or seq_len % block:
        raise DeepSpeedConfigError(
            f"sequence length {seq_len} must be a positive multiple of the block size {block}")
    return seq_len // block


def _at_most(name: str, value: int, num_blocks: int) -> None:
    if value > num_blocks:
        raise DeepSpeedConfigError(
            f"{name} ({value}) must not exceed the number of blocks in a row ({num_blocks})")


def _global_ranges(settings: dict[str, Any], num_blocks: int) -> list[tuple[int, int]]:
    """[start, end) block ranges of the global blocks inside the sequence."""
    starts = list(settings["global_block_indices"])
    ends = settings["global_block_end_indices"]
    if ends is None:
        ends = [s + 1 for s in starts]
    elif len(ends) != len(starts):
        raise DeepSpeedConfigError(
            f"global_block_end_indices has {len(ends)} entries, global_block_indices "
            f"{len(starts)}")
    ranges = []
    for s, e in zip(starts, ends):
        if s < 0 or s >= e:
            raise DeepSpeedConfigError(
                f"a global block range must have 0 <= start < end, got [{s}, {e})")
        if s < num_blocks:
            ranges.append((int(s), int(min(e, num_blocks))))
    return ranges


# -- the block layout, from the documented rules -------------------------------


def block_layout(config: Mapping[str, Any], seq_len: int, num_heads: int = 1,
                 seed: int = 0) -> np.ndarray:
    """The [num_heads, N/block, N/block] bool block layout of a DeepSpeed
    ``sparse_attention`` configuration (the JSON section, or the keyword
    arguments of its configuration class with ``mode``) at ``seq_len``
    tokens, following the rules in this module's docstring."""
    mode, s = _settings(config)
    nb = _num_blocks(s, seq_len)
    uni = s.get("attention") == "unidirectional"
    per_head = bool(s["different_layout_per_head"])
    layout = np.zeros((num_heads, nb, nb), bool)
    r = np.arange(nb)[:, None]
    c = np.arange(nb)[None, :]
    for h in range(num_heads if per_head else 1):
        lay = layout[h]
        if mode == "dense":
            lay[:] = True
        elif mode in ("local_sliding_window", "bslongformer", "bigbird"):
            w = int(s["num_sliding_window_blocks"])
            _at_most("num_sliding_window_blocks", w, nb)
            lay |= (c >= r - w // 2) & (c <= r + (0 if uni and mode == "local_sliding_window"
                                                  else w // 2))
            if mode == "bslongformer":
                for start, end in _global_ranges(s, nb):
                    lay[start:end, :] = lay[:, start:end] = True
            if mode == "bigbird":
                g, count = int(s["num_global_blocks"]), int(s["num_random_blocks"])
                _at_most("num_global_blocks", g, nb)
                _at_most("num_random_blocks", count, nb)
                lay[:g, :] = lay[:, :g] = True
                chosen = P.RandomBlocks(int(s["block"]), count, seed).chosen(seq_len, seq_len)
                np.put_along_axis(lay, chosen, True, axis=1)
            if uni and mode != "local_sliding_window":
                lay &= c <= r
        elif mode == "fixed":
            _fixed(lay, s, h, nb, uni)
        elif mode == "variable":
            _variable(lay, s, h, nb, uni, seed)
    if not per_head:
        layout[1:] = layout[0]
    return layout


def _fixed(lay: np.ndarray, s: dict[str, Any], h: int, nb: int, uni: bool) -> None:
    local, g = int(s["num_local_blocks"]), int(s["num_global_blocks"])
    patterns = int(s["num_different_global_patterns"])
    if local <= 0 or g <= 0 or local % g:
        raise DeepSpeedConfigError(
            f"num_local_blocks ({local}) must be a positive multiple of num_global_blocks ({g})")
    if patterns > 1 and not s["different_layout_per_head"]:
        raise DeepSpeedConfigError(
            "num_different_global_patterns > 1 needs different_layout_per_head")
    if not 1 <= patterns <= local // g:
        raise DeepSpeedConfigError(
            f"num_different_global_patterns ({patterns}) must be between 1 and "
            f"num_local_blocks / num_global_blocks ({local // g})")
    r = np.arange(nb)[:, None]
    c = np.arange(nb)[None, :]
    same_window = r // local == c // local
    lay |= same_window & (c <= r) if uni else same_window
    first = local - (1 + h % patterns) * g
    whole = nb - nb % local
    starts = list(range(first, whole, local))
    if whole < nb:
        starts.append(min(whole + first, nb - g))
    for start in starts:
        lay[start if uni else 0:, start:start + g] = True
        if s["horizontal_global_attention"]:
            lay[start:start + g, :] = True


def _variable(lay: np.ndarray, s: dict[str, Any], h: int, nb: int, uni: bool,
              seed: int) -> None:
    count = int(s["num_random_blocks"])
    _at_most("num_random_blocks", count, nb)
    for row in range(nb):
        rng = np.random.default_rng([seed, h, row])
        lay[row, rng.choice(nb, size=count, replace=False)] = True
    sizes = [int(x) for x in s["local_window_blocks"]]
    if not sizes or min(sizes) <= 0:
        raise DeepSpeedConfigError("local_window_blocks needs one or more positive sizes")
    start = 0
    while start < nb:
        size = sizes.pop(0) if len(sizes) > 1 else sizes[0]
        end = min(start + size, nb)
        window = lay[start:end, start:end]
        window |= np.tril(np.ones_like(window)) if uni else True
        start = end
    for first, end in _global_ranges(s, nb):
        lay[first if uni else 0:, first:end] = True
        if s["horizontal_global_attention"]:
            lay[first:end, :] = True


# -- patterns ---------------------------------------------------------------------


def pattern(config: Mapping[str, Any], seq_len: int, num_heads: int = 1,
            seed: int = 0) -> P.Pattern:
    """The attn pattern of a DeepSpeed ``sparse_attention`` configuration at
    ``seq_len`` tokens: a closed form where one exists, else the explicit
    block table of ``block_layout`` (see the module docstring)."""
    mode, s = _settings(config)
    nb = _num_blocks(s, seq_len)
    b = int(s["block"])
    uni = s.get("attention") == "unidirectional"
    block_causal = P.BlockLocal(b, nb, 0)
    if mode == "dense":
        return P.Dense()
    if mode == "local_sliding_window":
        w = int(s["num_sliding_window_blocks"])
        _at_most("num_sliding_window_blocks", w, nb)
        return P.BlockLocal(b, w // 2, 0 if uni else w // 2)
    if mode in ("bslongformer", "bigbird"):
        w = int(s["num_sliding_window_blocks"])
        _at_most("num_sliding_window_blocks", w, nb)
        parts: list[P.Pattern] = [P.BlockLocal(b, w // 2, w // 2)]
        if mode == "bigbird":
            g, count = int(s["num_global_blocks"]), int(s["num_random_blocks"])
            _at_most("num_global_blocks", g, nb)
            _at_most("num_random_blocks", count, nb)
            if count:
                parts.append(P.RandomBlocks(b, count, seed))
            tokens = range(g * b)
        else:
            tokens = sorted({t for start, end in _global_ranges(s, nb)
                             for t in range(start * b, end * b)})
        if tokens:
            parts.append(P.Global(tuple(tokens)))
        union = parts[0] if len(parts) == 1 else P.Union(tuple(parts))
        return P.Intersection((union, block_causal)) if uni else union
    layout = block_layout(config, seq_len, num_heads, seed)
    heads_differ = any(not np.array_equal(layout[0], layout[h]) for h in range(1, num_heads))
    kinds = np.where(layout if heads_differ else layout[:1], -1, -2)
    return P.Tiles.from_kinds(kinds, np.zeros((0, b, b), bool), (b, b), (seq_len, seq_len))
