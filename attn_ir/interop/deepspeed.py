"""DeepSpeed sparse-attention layouts as attn patterns.

DeepSpeed's sparse self-attention (``deepspeed.ops.sparse_attention``,
last shipped in DeepSpeed 0.19.6) describes a layer's sparsity as a *block
layout*: a [heads, N/block, N/block] 0/1 matrix; query block ``r`` attends
key block ``c`` of head ``h`` when ``layout[h, r, c] = 1``, every token pair
of the block (the block-sparse kernels have no finer mask).  Its
configuration classes build the layout from a few numbers; ``pattern`` here
builds the attn pattern with the same pairs, from the rules of each class's
``make_layout``, restated below.  Nothing of DeepSpeed is imported.

Two entry points, because DeepSpeed gives omitted keys two meanings:

``pattern(settings, seq_len)`` / ``block_layout``
    the keyword arguments of a configuration class, plus ``mode`` naming the
    class: omitted keys take *the class's* defaults (``BigBirdSparsityConfig``:
    ``num_random_blocks = 1``).  ``num_heads`` may be a key, as it is an
    argument of every class (or the ``num_heads=`` argument; default 1).  A
    key the class does not take is an error, as it is a ``TypeError`` there.
``pattern_from_json(config, seq_len)`` / ``block_layout_from_json``
    a DeepSpeed JSON config (a file, or the parsed dict with its
    ``sparse_attention`` section) or the section alone, read as DeepSpeed's
    parser (``deepspeed.runtime.config.get_sparse_attention``) reads it:
    ``mode`` defaults to ``fixed``, omitted keys take *the parser's* defaults
    (``num_random_blocks = 0`` for every mode), and only the mode's own keys
    are read: keys of other modes (real configs often carry every mode's
    keys) are ignored with a ``DeepSpeedConfigWarning`` naming them.  The
    parser reads no ``attention`` for ``bigbird`` and ``bslongformer``: those
    are always bidirectional from JSON.  It has no ``local_sliding_window``
    mode.  ``class_settings_from_json`` gives the class settings the parser
    makes.

Shared parameters: ``block`` (block size; N must be a multiple of it),
``num_heads``, ``different_layout_per_head`` (not a parameter of
LocalSlidingWindow) and ``attention`` (``"bidirectional"`` or
``"unidirectional"``).  A unidirectional layout is causal *by blocks*: a
query attends the whole of its own block, later tokens of it included, as
DeepSpeed's kernels compute; intersect with ``#attn.causal`` for token-level
causality.

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
    ``[start, end)`` when end indices are given): they attend every block and
    every block attends them, i.e. ``#attn.global`` of their tokens.
    Indices are Python indices, as DeepSpeed uses them: ``-1`` is the last
    block, a range is the slice ``start:end`` (after clipping ``end`` to the
    block count); an index at or past the block count is ignored, a single
    index below ``-blocks`` is an error (an IndexError in DeepSpeed).
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
    global blocks (indices or ranges, Python indices as for bslongformer)
    attended by every query block (unidirectional: from the global block
    on) and, with ``horizontal_global_attention``, attending every block; r
    random key blocks per query block, from all blocks, in either direction.

Patterns: closed forms for ``dense``, ``local_sliding_window``,
``bslongformer`` and ``bigbird`` with shared random blocks (so tile tables
scale to any N), an explicit block table (``#attn.tiles``, one per head
where heads differ) for ``fixed``, ``variable`` and per-head random blocks,
built by ``block_layout``.

Random blocks are the one place where no two DeepSpeed layouts agree:
DeepSpeed draws them with Python's unseeded ``random`` module at every
``make_layout``, one draw per head when ``different_layout_per_head``.  Here
they are seeded (``seed``), and ``random_per_head`` says whether heads draw
their own (default: when ``different_layout_per_head``, as DeepSpeed does),
so an imported multi-head layout has DeepSpeed's structure even where the
draws differ:

* shared (one draw for all heads): ``bigbird`` uses ``#attn.random_blocks<block
  = b, count = r, seed = s>`` (r of all key blocks per query block;
  unidirectional keeps those at or before the query block, where DeepSpeed
  draws r among those); ``variable`` draws r of all blocks per query block
  with ``numpy.random.default_rng([seed, 0, query block])``;
* per head: head h draws with ``numpy.random.default_rng([seed, h, query
  block])``: r of all blocks (``variable``, and bidirectional ``bigbird``),
  or, for unidirectional ``bigbird``, ``min(r, query block + 1)`` of the
  blocks at or before the query block, as DeepSpeed draws them (DeepSpeed's
  own ``random.sample`` fails where r exceeds that count).

    from attn_ir.interop import deepspeed
    p = deepspeed.pattern({"mode": "bigbird", "block": 16, "num_random_blocks": 1},
                          seq_len=4096)
    q = deepspeed.pattern_from_json("ds_config.json", seq_len=4096, num_heads=12)
"""

from __future__ import annotations

import json
import os
import warnings
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
CLASSES = {"dense": "DenseSparsityConfig", "fixed": "FixedSparsityConfig",
           "variable": "VariableSparsityConfig", "bigbird": "BigBirdSparsityConfig",
           "bslongformer": "BSLongformerSparsityConfig",
           "local_sliding_window": "LocalSlidingWindowSparsityConfig"}
NO_SHARED = {"local_sliding_window": ("different_layout_per_head",)}
"""Shared parameters a class does not take (LocalSlidingWindow's signature
has no different_layout_per_head)."""

JSON_MODE_DEFAULT = "fixed"
JSON_DEFAULTS: dict[str, dict[str, Any]] = {
    # What DeepSpeed's JSON parser (deepspeed.runtime.config.get_sparse_*_config)
    # reads for each mode, with its defaults (deepspeed.runtime.constants SPARSE_*).
    "dense": {"block": 16},
    "fixed": {"block": 16, "different_layout_per_head": False, "num_local_blocks": 4,
              "num_global_blocks": 1, "attention": "bidirectional",
              "horizontal_global_attention": False, "num_different_global_patterns": 1},
    "variable": {"block": 16, "different_layout_per_head": False, "num_random_blocks": 0,
                 "local_window_blocks": [4], "global_block_indices": [0],
                 "global_block_end_indices": None, "attention": "bidirectional",
                 "horizontal_global_attention": False},
    "bigbird": {"block": 16, "different_layout_per_head": False, "num_random_blocks": 0,
                "num_sliding_window_blocks": 3, "num_global_blocks": 1},
    "bslongformer": {"block": 16, "different_layout_per_head": False,
                     "num_sliding_window_blocks": 3, "global_block_indices": [0],
                     "global_block_end_indices": None},
}
JSON_KEYS = frozenset(k for keys in JSON_DEFAULTS.values() for k in keys) | {"mode"}


class DeepSpeedConfigError(ValueError):
    """A configuration DeepSpeed would reject, or that does not fit N."""


class DeepSpeedConfigWarning(UserWarning):
    """Keys of a JSON sparse_attention section that DeepSpeed's parser does
    not read for the section's mode (they are ignored, as there)."""


# -- the two entry points' settings ------------------------------------------------


def class_settings_from_json(config: Mapping[str, Any] | str | os.PathLike) -> dict[str, Any]:
    """The class settings (``mode`` and keyword arguments) that DeepSpeed's
    JSON parser makes of ``config``: a DeepSpeed config file or dict (its
    ``sparse_attention`` section is read) or the section itself.  Every key
    the parser reads for the mode is present, with the parser's default
    where the section omits it; keys of other modes are dropped with a
    ``DeepSpeedConfigWarning`` naming them.  ``num_heads`` (no key of
    DeepSpeed's JSON, which takes it from the model) is kept when given."""
    if isinstance(config, (str, os.PathLike)):
        try:
            with open(config, encoding="utf-8") as f:
                config = json.load(f)
        except OSError as e:
            raise DeepSpeedConfigError(f"cannot read '{config}': {e.strerror}") from None
        except json.JSONDecodeError as e:
            raise DeepSpeedConfigError(f"'{config}' is not JSON: {e}") from None
    if not isinstance(config, Mapping):
        raise DeepSpeedConfigError("a DeepSpeed config or its sparse_attention section must "
                                   f"be a JSON object, got {type(config).__name__}")
    section = config.get("sparse_attention", config)
    if not isinstance(section, Mapping):
        raise DeepSpeedConfigError("sparse_attention must be a JSON object")
    mode = section.get("mode", JSON_MODE_DEFAULT)
    if mode not in JSON_DEFAULTS:
        extra = ("; local_sliding_window is a class only: use pattern() with the class's "
                 "keyword arguments" if mode == "local_sliding_window" else "")
        raise DeepSpeedConfigError(
            f"DeepSpeed's JSON parser has no sparse attention mode '{mode}'; it reads "
            + ", ".join(JSON_DEFAULTS) + extra)
    unknown = sorted(set(section) - JSON_KEYS - {"num_heads"})
    if unknown:
        raise DeepSpeedConfigError(
            "no DeepSpeed sparse attention mode has a key "
            + ", ".join(f"'{k}'" for k in unknown))
    read = JSON_DEFAULTS[mode]
    ignored = sorted(set(section) - set(read) - {"mode", "num_heads"})
    if ignored:
        warnings.warn(f"sparse_attention mode '{mode}': DeepSpeed's parser does not read "
                      + ", ".join(f"'{k}'" for k in ignored) + "; ignored",
                      DeepSpeedConfigWarning, stacklevel=3)
    settings = {"mode": mode, **{k: section.get(k, default) for k, default in read.items()}}
    if "num_heads" in section:
        settings["num_heads"] = section["num_heads"]
    return settings


def _settings(config: Mapping[str, Any],
              num_heads: int | None = None) -> tuple[str, dict[str, Any], int]:
    """(mode, every class parameter with the class's defaults filled in,
    the number of heads)."""
    mode = str(config.get("mode", "fixed")).lower().replace("-", "_")
    if mode not in DEFAULTS:
        raise DeepSpeedConfigError(f"unknown sparse attention mode '{mode}'; expected one of "
                                   + ", ".join(DEFAULTS))
    shared = {k: v for k, v in SHARED.items() if k not in NO_SHARED.get(mode, ())}
    known = {**shared, **DEFAULTS[mode]}
    unknown = sorted(set(config) - set(known) - {"mode", "num_heads"})
    if unknown:
        raise DeepSpeedConfigError(f"mode '{mode}' ({CLASSES[mode]}) has no parameter "
                                   + ", ".join(f"'{k}'" for k in unknown))
    heads = _num_heads(config.get("num_heads"), num_heads)
    settings = {**known, **{k: v for k, v in config.items() if k in known}}
    if settings.get("attention", "bidirectional") not in ("bidirectional", "unidirectional"):
        raise DeepSpeedConfigError(
            f"attention must be 'bidirectional' or 'unidirectional', got '{settings['attention']}'")
    if settings.get("horizontal_global_attention") and settings["attention"] != "bidirectional":
        raise DeepSpeedConfigError("horizontal_global_attention needs bidirectional attention")
    if int(settings["block"]) <= 0:
        raise DeepSpeedConfigError(f"block must be positive, got {settings['block']}")
    return mode, settings, heads


def _num_heads(in_config: Any, argument: int | None) -> int:
    if in_config is not None and argument is not None and int(in_config) != int(argument):
        raise DeepSpeedConfigError(
            f"num_heads is {in_config} in the settings but {argument} as an argument")
    heads = int(in_config if in_config is not None else argument if argument is not None
                else 1)
    if heads <= 0:
        raise DeepSpeedConfigError(f"num_heads must be positive, got {heads}")
    return heads


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


def _global_ranges(settings: dict[str, Any], num_blocks: int) -> list[tuple[int, int, int]]:
    """(first, end, first row) of each global entry, as block numbers in
    0..num_blocks: the global blocks are ``first .. end - 1`` (possibly
    none), and ``first row`` is where a unidirectional global column starts.
    Python indexing, as DeepSpeed indexes its layout tensor with the values:
    a single index ``i`` is block ``i`` (``-1``: the last), a range is the
    slice ``start:min(end, blocks)``; entries at or past the last block are
    ignored."""
    starts = [int(s) for s in settings["global_block_indices"]]
    ends = settings["global_block_end_indices"]
    if ends is not None:
        ends = [int(e) for e in ends]
        if len(ends) != len(starts):
            raise DeepSpeedConfigError(
                f"global_block_end_indices has {len(ends)} entries, global_block_indices "
                f"{len(starts)}")
        for s, e in zip(starts, ends):
            if s >= e:
                raise DeepSpeedConfigError(
                    f"a global block range must have start < end, got [{s}, {e})")
    ranges = []
    for n, s in enumerate(starts):
        if s >= num_blocks:
            continue
        if ends is None:
            if s < -num_blocks:
                raise DeepSpeedConfigError(
                    f"global block index {s} is out of range for {num_blocks} blocks")
            first = s % num_blocks
            ranges.append((first, first + 1, first))
        else:
            cols = range(num_blocks)[s:min(ends[n], num_blocks)]
            row = slice(s, None).indices(num_blocks)[0]
            ranges.append((cols.start, max(cols.start, cols.stop), row))
    return ranges


def _random_per_head(settings: dict[str, Any], random_per_head: bool | None) -> bool:
    if random_per_head is None:
        return bool(settings.get("different_layout_per_head", False))
    return bool(random_per_head)


# -- the block layout, from the documented rules -------------------------------


def block_layout(config: Mapping[str, Any], seq_len: int, num_heads: int | None = None,
                 seed: int = 0, random_per_head: bool | None = None) -> np.ndarray:
    """The [num_heads, N/block, N/block] bool block layout of a DeepSpeed
    configuration class's settings (``mode`` and its keyword arguments,
    omitted ones at the class's defaults) at ``seq_len`` tokens, following
    the rules in this module's docstring.  ``num_heads``: the argument, or
    the settings' key, or 1."""
    mode, s, heads = _settings(config, num_heads)
    nb = _num_blocks(s, seq_len)
    uni = s.get("attention") == "unidirectional"
    per_head_random = _random_per_head(s, random_per_head)
    layout_heads = heads if s.get("different_layout_per_head") or per_head_random else 1
    layout = np.zeros((heads, nb, nb), bool)
    r = np.arange(nb)[:, None]
    c = np.arange(nb)[None, :]
    for h in range(layout_heads):
        lay = layout[h]
        if mode == "dense":
            lay[:] = True
        elif mode in ("local_sliding_window", "bslongformer", "bigbird"):
            w = int(s["num_sliding_window_blocks"])
            _at_most("num_sliding_window_blocks", w, nb)
            lay |= (c >= r - w // 2) & (c <= r + (0 if uni and mode == "local_sliding_window"
                                                  else w // 2))
            if mode == "bslongformer":
                for first, end, _ in _global_ranges(s, nb):
                    lay[first:end, :] = lay[:, first:end] = True
            if mode == "bigbird":
                g, count = int(s["num_global_blocks"]), int(s["num_random_blocks"])
                _at_most("num_global_blocks", g, nb)
                _at_most("num_random_blocks", count, nb)
                lay[:g, :] = lay[:, :g] = True
                if per_head_random:
                    _draw_per_head(lay, count, seed, h, uni)
                else:
                    chosen = P.RandomBlocks(int(s["block"]), count, seed).chosen(seq_len,
                                                                                 seq_len)
                    np.put_along_axis(lay, chosen, True, axis=1)
            if uni and mode != "local_sliding_window":
                lay &= c <= r
        elif mode == "fixed":
            _fixed(lay, s, h, nb, uni)
        elif mode == "variable":
            _variable(lay, s, h if per_head_random else 0, nb, uni, seed)
    layout[layout_heads:] = layout[0]
    return layout


def _draw_per_head(lay: np.ndarray, count: int, seed: int, h: int, uni: bool) -> None:
    """BigBird's random blocks of head ``h``: ``count`` of all key blocks per
    query block, or (unidirectional) of those at or before it, as DeepSpeed
    draws them."""
    nb = len(lay)
    for row in range(nb):
        population = row + 1 if uni else nb
        rng = np.random.default_rng([seed, h, row])
        lay[row, rng.choice(population, size=min(count, population), replace=False)] = True


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


def _variable(lay: np.ndarray, s: dict[str, Any], draw: int, nb: int, uni: bool,
              seed: int) -> None:
    count = int(s["num_random_blocks"])
    _at_most("num_random_blocks", count, nb)
    for row in range(nb):
        rng = np.random.default_rng([seed, draw, row])
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
    for first, end, first_row in _global_ranges(s, nb):
        lay[first_row if uni else 0:, first:end] = True
        if s["horizontal_global_attention"]:
            lay[first:end, :] = True


# -- patterns ---------------------------------------------------------------------


def pattern(config: Mapping[str, Any], seq_len: int, num_heads: int | None = None,
            seed: int = 0, random_per_head: bool | None = None) -> P.Pattern:
    """The attn pattern of a DeepSpeed configuration class's settings
    (``mode`` and its keyword arguments; omitted ones at the class's
    defaults) at ``seq_len`` tokens: a closed form where one exists, else
    the explicit block table of ``block_layout`` (see the module
    docstring).  For a JSON config or section, ``pattern_from_json``."""
    mode, s, heads = _settings(config, num_heads)
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
    random_tables = mode == "bigbird" and int(s["num_random_blocks"]) > 0 and \
        _random_per_head(s, random_per_head)
    if mode in ("bslongformer", "bigbird") and not random_tables:
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
            tokens = sorted({t for first, end, _ in _global_ranges(s, nb)
                             for t in range(first * b, end * b)})
        if tokens:
            parts.append(P.Global(tuple(tokens)))
        union = parts[0] if len(parts) == 1 else P.Union(tuple(parts))
        return P.Intersection((union, block_causal)) if uni else union
    layout = block_layout(config, seq_len, heads, seed, random_per_head)
    heads_differ = any(not np.array_equal(layout[0], layout[h]) for h in range(1, heads))
    kinds = np.where(layout if heads_differ else layout[:1], -1, -2)
    return P.Tiles.from_kinds(kinds, np.zeros((0, b, b), bool), (b, b), (seq_len, seq_len))


def pattern_from_json(config: Mapping[str, Any] | str | os.PathLike, seq_len: int,
                      num_heads: int | None = None, seed: int = 0,
                      random_per_head: bool | None = None) -> P.Pattern:
    """The attn pattern of a DeepSpeed JSON config (file or dict) or of its
    ``sparse_attention`` section, read as DeepSpeed's parser reads it
    (``class_settings_from_json``: the parser's defaults, other modes' keys
    ignored with a warning)."""
    return pattern(class_settings_from_json(config), seq_len, num_heads, seed,
                   random_per_head)


def block_layout_from_json(config: Mapping[str, Any] | str | os.PathLike, seq_len: int,
                           num_heads: int | None = None, seed: int = 0,
                           random_per_head: bool | None = None) -> np.ndarray:
    """``block_layout`` of a DeepSpeed JSON config or section (see
    ``pattern_from_json``)."""
    return block_layout(class_settings_from_json(config), seq_len, num_heads, seed,
                        random_per_head)
