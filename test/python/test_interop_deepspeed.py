"""DeepSpeed sparsity layouts as attn patterns, against block layouts built
here, independently, from the rules DeepSpeed documents for each of its
configuration classes (plain loops over blocks, one rule per line)."""

from __future__ import annotations

import numpy as np
import pytest

from attn_ir import patterns as P
from attn_ir.builder import attention
from attn_ir.interop import deepspeed as ds
from attn_ir.pipeline import print_module, process
from attn_ir.dialects.attn import parse_pattern

BLOCK = 4


def documented_layout(cfg: dict, nb: int, head: int) -> np.ndarray:
    """One head's block layout from DeepSpeed's documented rules, without
    random blocks."""
    mode = cfg["mode"]
    uni = cfg.get("attention", "unidirectional" if mode == "local_sliding_window"
                  else "bidirectional") == "unidirectional"
    lay = np.zeros((nb, nb), bool)
    if mode == "dense":
        lay[:] = True
    if mode in ("local_sliding_window", "bslongformer", "bigbird"):
        w = cfg.get("num_sliding_window_blocks", 3) // 2
        for row in range(nb):
            last = row if (uni and mode == "local_sliding_window") else row + w
            for col in range(max(0, row - w), min(last, nb - 1) + 1):
                lay[row, col] = True
    if mode in ("bslongformer", "variable"):
        starts = cfg.get("global_block_indices", [0])
        ends = cfg.get("global_block_end_indices") or [s + 1 for s in starts]
        for start, end in zip(starts, ends):
            for g in range(start, min(end, nb)):
                for other in range(nb):
                    # bslongformer: rows and columns; variable: columns (from
                    # the global block on when unidirectional), rows when horizontal.
                    if mode == "bslongformer" or cfg.get("horizontal_global_attention"):
                        lay[g, other] = True
                    if mode == "bslongformer" or not uni or other >= start:
                        lay[other, g] = True
    if mode == "bigbird":
        for g in range(cfg.get("num_global_blocks", 1)):
            lay[g, :] = lay[:, g] = True
    if mode in ("bslongformer", "bigbird") and uni:
        lay &= np.tril(np.ones((nb, nb), bool))
    if mode in ("fixed", "variable"):
        if mode == "fixed":
            sizes = [cfg.get("num_local_blocks", 4)]
        else:
            sizes = list(cfg.get("local_window_blocks", [4]))
        start, n = 0, 0
        while start < nb:
            size = sizes[min(n, len(sizes) - 1)]
            for row in range(start, min(start + size, nb)):
                for col in range(start, (row + 1) if uni else min(start + size, nb)):
                    lay[row, col] = True
            start, n = start + size, n + 1
    if mode == "fixed":
        local, g = cfg.get("num_local_blocks", 4), cfg.get("num_global_blocks", 1)
        versions = cfg.get("num_different_global_patterns", 1)
        offset = local - (1 + head % versions) * g
        whole = nb - nb % local
        firsts = list(range(offset, whole, local))
        if whole < nb:
            firsts.append(min(whole + offset, nb - g))
        for first in firsts:
            for col in range(first, first + g):
                for row in range(first if uni else 0, nb):
                    lay[row, col] = True
                if cfg.get("horizontal_global_attention"):
                    lay[col, :] = True
    return lay


CONFIGS = {
    "dense": {"mode": "dense"},
    "local-uni": {"mode": "local_sliding_window", "num_sliding_window_blocks": 5},
    "local-bi": {"mode": "local_sliding_window", "num_sliding_window_blocks": 3,
                 "attention": "bidirectional"},
    "bslongformer": {"mode": "bslongformer", "global_block_indices": [0, 7]},
    "bslongformer-ranges-uni": {"mode": "bslongformer", "num_sliding_window_blocks": 5,
                                "global_block_indices": [2, 10],
                                "global_block_end_indices": [4, 20],
                                "attention": "unidirectional"},
    "bigbird": {"mode": "bigbird", "num_random_blocks": 0, "num_global_blocks": 2},
    "bigbird-uni": {"mode": "bigbird", "num_random_blocks": 0, "num_sliding_window_blocks": 5,
                    "attention": "unidirectional"},
    "fixed": {"mode": "fixed"},
    "fixed-uni": {"mode": "fixed", "num_local_blocks": 4, "num_global_blocks": 2,
                  "attention": "unidirectional"},
    "fixed-horizontal-per-head": {"mode": "fixed", "num_local_blocks": 6,
                                  "num_global_blocks": 2, "horizontal_global_attention": True,
                                  "different_layout_per_head": True,
                                  "num_different_global_patterns": 3},
    "variable": {"mode": "variable", "local_window_blocks": [1, 2, 3],
                 "global_block_indices": [0, 5]},
    "variable-uni-ranges": {"mode": "variable", "local_window_blocks": [2, 5],
                            "global_block_indices": [3], "global_block_end_indices": [5],
                            "attention": "unidirectional"},
    "variable-horizontal": {"mode": "variable", "global_block_indices": [1, 40],
                            "horizontal_global_attention": True},
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("nb", [13, 16])
def test_pattern_matches_documented_layout(name, nb):
    """Every token pair: the pattern attends it iff its blocks are set in
    the documented layout (13 blocks: the last local window is short)."""
    cfg = CONFIGS[name]
    heads = 4
    p = ds.pattern({**cfg, "block": BLOCK}, nb * BLOCK, num_heads=heads)
    p.validate(nb * BLOCK, nb * BLOCK, heads)
    layout = ds.block_layout({**cfg, "block": BLOCK}, nb * BLOCK, num_heads=heads)
    for h in range(heads):
        expected = documented_layout(cfg, nb, h if cfg.get("different_layout_per_head") else 0)
        np.testing.assert_array_equal(layout[h], expected)
        np.testing.assert_array_equal(p.dense_mask(nb * BLOCK, nb * BLOCK, h),
                                      np.kron(expected, np.ones((BLOCK, BLOCK), bool)))
    assert p.head_dependent == (name == "fixed-horizontal-per-head")


def test_closed_forms():
    """The modes with a closed form get it (tile tables for any N)."""
    assert ds.pattern({"mode": "local_sliding_window", "block": 64}, 4096) == P.BlockLocal(
        64, 1, 0)
    assert ds.pattern({"mode": "bigbird", "block": 64, "num_random_blocks": 3}, 4096,
                      seed=7) == P.Union((P.BlockLocal(64, 1, 1), P.RandomBlocks(64, 3, 7),
                                          P.Global(tuple(range(64)))))
    lf = ds.pattern({"mode": "bslongformer", "block": 16, "attention": "unidirectional"}, 256)
    assert lf == P.Intersection((P.Union((P.BlockLocal(16, 1, 1), P.Global(tuple(range(16))))),
                                 P.BlockLocal(16, 16, 0)))
    assert isinstance(ds.pattern({"mode": "fixed"}, 256), P.Tiles)


@pytest.mark.parametrize("attention_type", ["bidirectional", "unidirectional"])
def test_bigbird_random_blocks(attention_type):
    """BigBird's random blocks are #attn.random_blocks' (seeded), on top of
    the window and the global blocks; unidirectional keeps those at or
    before the query block."""
    nb, count, seed = 20, 2, 5
    cfg = {"mode": "bigbird", "block": BLOCK, "num_random_blocks": count,
           "attention": attention_type}
    p = ds.pattern(cfg, nb * BLOCK, seed=seed)
    got = p.tile_table(nb * BLOCK, nb * BLOCK, BLOCK, BLOCK)
    lay = np.zeros((nb, nb), bool)
    lay[got.q_tile, got.k_tile] = True
    np.testing.assert_array_equal(lay, ds.block_layout(cfg, nb * BLOCK, seed=seed)[0])
    base = documented_layout({**cfg, "num_random_blocks": 0}, nb, 0)
    chosen = np.zeros((nb, nb), bool)
    for row in range(nb):
        chosen[row, np.random.default_rng([seed, row]).choice(nb, count, replace=False)] = True
    if attention_type == "unidirectional":
        chosen &= np.tril(np.ones((nb, nb), bool))
    np.testing.assert_array_equal(lay, base | chosen)


def test_variable_random_blocks_per_head():
    """Variable draws r of all blocks per query block with the documented
    generator, one draw per head when different_layout_per_head."""
    nb, count = 12, 3
    cfg = {"mode": "variable", "block": BLOCK, "num_random_blocks": count,
           "different_layout_per_head": True, "attention": "unidirectional"}
    p = ds.pattern(cfg, nb * BLOCK, num_heads=2, seed=9)
    assert p.head_dependent
    for h in range(2):
        expected = documented_layout({**cfg, "num_random_blocks": 0}, nb, h)
        for row in range(nb):
            expected[row, np.random.default_rng([9, h, row]).choice(nb, count,
                                                                    replace=False)] = True
        np.testing.assert_array_equal(p.dense_mask(nb * BLOCK, nb * BLOCK, h),
                                      np.kron(expected, np.ones((BLOCK, BLOCK), bool)))


@pytest.mark.parametrize("cfg, message", [
    ({"mode": "nope"}, "unknown sparse attention mode 'nope'"),
    ({"mode": "fixed", "num_sliding_window_blocks": 3}, "no parameter 'num_sliding_window_blocks'"),
    ({"mode": "fixed", "num_local_blocks": 4, "num_global_blocks": 3}, "multiple of"),
    ({"mode": "fixed", "num_different_global_patterns": 2}, "different_layout_per_head"),
    ({"mode": "fixed", "different_layout_per_head": True, "num_different_global_patterns": 5},
     "between 1 and"),
    ({"mode": "fixed", "attention": "unidirectional", "horizontal_global_attention": True},
     "needs bidirectional"),
    ({"mode": "bigbird", "attention": "sideways"}, "attention must be"),
    ({"mode": "bigbird", "num_random_blocks": 99}, "must not exceed the number of blocks"),
    ({"mode": "bslongformer", "global_block_indices": [3], "global_block_end_indices": [2]},
     "start < end"),
    ({"mode": "dense", "block": 48}, "multiple of the block size 48"),
])
def test_bad_configs(cfg, message):
    with pytest.raises(ds.DeepSpeedConfigError, match=message):
        ds.pattern(cfg, 64)


def test_imported_pattern_is_ir():
    """An imported explicit layout is an #attn.tiles attribute that prints,
    parses back and verifies on an attn.attention."""
    cfg = {"mode": "fixed", "block": 8, "different_layout_per_head": True,
           "num_different_global_patterns": 2}
    p = ds.pattern(cfg, 128, num_heads=2)
    assert parse_pattern(str(p)) == p
    result = process(print_module(attention((1, 2, 128, 16), (1, 2, 128, 16), pattern=p)), "t")
    assert result.ok, [str(d) for d in result.diagnostics]


DEEPSPEED_CLASSES = {
    "dense": "DenseSparsityConfig", "fixed": "FixedSparsityConfig",
    "variable": "VariableSparsityConfig", "bigbird": "BigBirdSparsityConfig",
    "bslongformer": "BSLongformerSparsityConfig",
    "local_sliding_window": "LocalSlidingWindowSparsityConfig",
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_pattern_matches_deepspeed_make_layout(name):
    """Where DeepSpeed (<= 0.19.6, the last release with sparse attention) is
    installed: its own ``make_layout`` is the source; the imported pattern's
    pairs are its blocks, pair by pair."""
    sc = pytest.importorskip("deepspeed.ops.sparse_attention.sparsity_config")
    cfg = dict(CONFIGS[name])
    mode = cfg.pop("mode")
    heads, nb = 4, 16
    config = getattr(sc, DEEPSPEED_CLASSES[mode])(num_heads=heads, block=BLOCK, **cfg)
    layout = config.make_layout(nb * BLOCK).numpy().astype(bool)
    p = ds.pattern({**CONFIGS[name], "block": BLOCK}, nb * BLOCK, num_heads=heads)
    for h in range(heads):
        np.testing.assert_array_equal(p.dense_mask(nb * BLOCK, nb * BLOCK, h),
                                      np.kron(layout[h], np.ones((BLOCK, BLOCK), bool)))
