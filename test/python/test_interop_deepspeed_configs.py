"""DeepSpeed-shaped configurations through both entry points (class keyword
arguments, JSON config / section), against layouts written out by hand
below from DeepSpeed 0.19.6's rules (each matrix: rows are query blocks,
columns key blocks), and, where DeepSpeed is installed, against its own
``make_layout`` and JSON parser."""

from __future__ import annotations

import importlib.util
import json
import random
import warnings
from pathlib import Path

import numpy as np
import pytest

from attn_ir import patterns as P
from attn_ir.interop import deepspeed as ds

DS_CONFIG = Path(__file__).resolve().parent.parent / "data" / "deepspeed" / "ds_config.json"


def blocks(*rows: str) -> np.ndarray:
    return np.array([[c == "1" for c in row.replace(" ", "")] for row in rows])


def token_mask(p: P.Pattern, n: int, head: int) -> np.ndarray:
    return p.dense_mask(n, n, head)


def expand(layout: np.ndarray, block: int) -> np.ndarray:
    return np.kron(layout, np.ones((block, block), bool))


# Fixed, 8 blocks, L = 4, G = 1, P = 4, per head: head h's global columns are
# block 3 - h of the first window and 7 - h of the second.
FIXED_PER_HEAD = [
    blocks(*["1111 0001"] * 4, *["0001 1111"] * 4),
    blocks(*["1111 0010"] * 4, *["0010 1111"] * 4),
    blocks(*["1111 0100"] * 4, *["0100 1111"] * 4),
    blocks(*["1111 1000"] * 4, *["1000 1111"] * 4),
]
FIXED_PER_HEAD_CFG = {"mode": "fixed", "num_heads": 4, "different_layout_per_head": True,
                      "num_different_global_patterns": 4}


# -- 1: num_heads in the settings ---------------------------------------------------


def test_num_heads_in_the_settings_gives_per_head_layouts():
    """The issue's case: head 1, block row 0 is 1 1 1 1 0 0 1 0 (head 0's is
    1 1 1 1 0 0 0 1)."""
    layout = ds.block_layout(FIXED_PER_HEAD_CFG, 128)
    assert layout.shape == (4, 8, 8)
    for h in range(4):
        np.testing.assert_array_equal(layout[h], FIXED_PER_HEAD[h])
    p = ds.pattern(FIXED_PER_HEAD_CFG, 128)
    assert p.head_dependent
    p.validate(128, 128, 4)
    for h in range(4):
        np.testing.assert_array_equal(token_mask(p, 128, h), expand(FIXED_PER_HEAD[h], 16))


def test_num_heads_argument_and_key_must_agree():
    assert ds.block_layout({**FIXED_PER_HEAD_CFG, "num_heads": 2}, 128).shape == (2, 8, 8)
    assert ds.block_layout(FIXED_PER_HEAD_CFG, 128, num_heads=4).shape == (4, 8, 8)
    with pytest.raises(ds.DeepSpeedConfigError, match="num_heads is 4 in the settings but 2"):
        ds.pattern(FIXED_PER_HEAD_CFG, 128, num_heads=2)
    with pytest.raises(ds.DeepSpeedConfigError, match="num_heads must be positive"):
        ds.pattern({"mode": "dense", "num_heads": 0}, 128)


def test_more_heads_than_patterns_repeat_them():
    """Head h uses global pattern h % P (P = 2: heads 2 and 3 repeat 0 and 1)."""
    cfg = {**FIXED_PER_HEAD_CFG, "num_heads": 4, "num_different_global_patterns": 2}
    layout = ds.block_layout(cfg, 128)
    for h in range(4):
        np.testing.assert_array_equal(layout[h], FIXED_PER_HEAD[h % 2])


# -- 2: two entry points -------------------------------------------------------------

BIGBIRD_BASE = blocks("1111",   # global block 0 attends everything
                      "1110",   # window 0..2
                      "1111",   # window 1..3, global column 0
                      "1011")   # window 2..3, global column 0


def test_json_section_takes_the_parsers_defaults():
    """{"mode": "bigbird", "block": 16}: no random blocks from JSON (the
    parser's num_random_blocks = 0), one per row from the class (its
    default 1)."""
    section = {"mode": "bigbird", "block": 16}
    assert ds.class_settings_from_json(section) == {
        "mode": "bigbird", "block": 16, "different_layout_per_head": False,
        "num_random_blocks": 0, "num_sliding_window_blocks": 3, "num_global_blocks": 1}
    np.testing.assert_array_equal(ds.block_layout_from_json(section, 64)[0], BIGBIRD_BASE)
    assert ds.pattern_from_json(section, 64) == P.Union((P.BlockLocal(16, 1, 1),
                                                        P.Global(tuple(range(16)))))
    from_class = ds.pattern(section, 64)
    assert P.RandomBlocks(16, 1, 0) in from_class.patterns
    layout = ds.block_layout(section, 64)[0]
    assert (layout >= BIGBIRD_BASE).all() and (layout.sum(1) - BIGBIRD_BASE.sum(1) <= 1).all()


def test_json_entry_reads_a_whole_deepspeed_config_file():
    """A DeepSpeed config as its documentation shows it (every mode's keys
    in one section): the fixed mode's keys are read, the others ignored with
    a warning naming them; num_heads comes from the model (the argument)."""
    with pytest.warns(ds.DeepSpeedConfigWarning) as caught:
        p = ds.pattern_from_json(DS_CONFIG, 128, num_heads=4)
    message = str(caught[0].message)
    for key in ("global_block_end_indices", "global_block_indices", "local_window_blocks",
                "num_random_blocks", "num_sliding_window_blocks"):
        assert f"'{key}'" in message
    assert "'num_local_blocks'" not in message and "'attention'" not in message
    for h in range(4):
        np.testing.assert_array_equal(token_mask(p, 128, h), expand(FIXED_PER_HEAD[h], 16))
    section = json.loads(DS_CONFIG.read_text())["sparse_attention"]
    with pytest.warns(ds.DeepSpeedConfigWarning):
        assert ds.pattern_from_json(section, 128, num_heads=4) == p


def test_json_mode_defaults_to_fixed_and_bigbird_reads_no_attention():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ds.class_settings_from_json({"block": 8})["mode"] == "fixed"
    # The parser reads no 'attention' for bigbird: bidirectional, with a warning.
    with pytest.warns(ds.DeepSpeedConfigWarning, match="'attention'"):
        layout = ds.block_layout_from_json(
            {"mode": "bigbird", "block": 16, "attention": "unidirectional"}, 64)
    np.testing.assert_array_equal(layout[0], BIGBIRD_BASE)


@pytest.mark.parametrize("section, message", [
    ({"mode": "local_sliding_window"}, "no sparse attention mode 'local_sliding_window'"),
    ({"mode": "Fixed"}, "no sparse attention mode 'Fixed'"),
    ({"mode": "fixed", "num_local_block": 4}, "no DeepSpeed sparse attention mode has a key "
                                              "'num_local_block'"),
    ("not/a/file.json", "cannot read"),
])
def test_bad_json(section, message):
    with pytest.raises(ds.DeepSpeedConfigError, match=message):
        ds.pattern_from_json(section, 64)


def test_class_entry_rejects_what_the_class_does_not_take():
    """LocalSlidingWindowSparsityConfig has no different_layout_per_head;
    a fixed class has no num_random_blocks (a TypeError in DeepSpeed)."""
    with pytest.raises(ds.DeepSpeedConfigError,
                       match="LocalSlidingWindowSparsityConfig.*'different_layout_per_head'"):
        ds.pattern({"mode": "local_sliding_window", "different_layout_per_head": False}, 64)
    with pytest.raises(ds.DeepSpeedConfigError, match="no parameter 'num_random_blocks'"):
        ds.pattern({"mode": "fixed", "num_random_blocks": 0}, 64)


# -- 3: negative global block indices -------------------------------------------------

BSLONGFORMER_FIRST_AND_LAST = blocks(
    "11111111",
    "11100001",
    "11110001",
    "10111001",
    "10011101",
    "10001111",
    "10000111",
    "11111111")


@pytest.mark.parametrize("indices, ends", [([0, -1], None), ([0, 7], None),
                                           ([0, -1], [1, 8]), ([-8, -1], [-7, 100])])
def test_negative_global_block_indices(indices, ends):
    """[0, -1]: the first and the last block, as Python indexes DeepSpeed's
    layout; ranges are slices start:min(end, blocks)."""
    cfg = {"mode": "bslongformer", "global_block_indices": indices,
           "global_block_end_indices": ends}
    np.testing.assert_array_equal(ds.block_layout(cfg, 128)[0], BSLONGFORMER_FIRST_AND_LAST)
    p = ds.pattern(cfg, 128)
    assert p == P.Union((P.BlockLocal(16, 1, 1),
                         P.Global(tuple(range(16)) + tuple(range(112, 128)))))


def test_negative_index_unidirectional_variable_starts_at_its_block():
    """Variable, windows of 2, global block -3 (= 5), unidirectional: column 5
    from row 5 on."""
    cfg = {"mode": "variable", "local_window_blocks": [2], "global_block_indices": [-3],
           "attention": "unidirectional"}
    expected = blocks("10000000",
                      "11000000",
                      "00100000",
                      "00110000",
                      "00001000",
                      "00001100",
                      "00000110",
                      "00000111")
    np.testing.assert_array_equal(ds.block_layout(cfg, 128)[0], expected)
    # A negative range that is an empty slice sets nothing: [-1, 0) is -1:0.
    empty = {**cfg, "global_block_indices": [-1], "global_block_end_indices": [0]}
    np.testing.assert_array_equal(ds.block_layout(empty, 128)[0],
                                  ds.block_layout({**cfg, "global_block_indices": []}, 128)[0])


def test_index_below_the_first_block_is_an_error():
    with pytest.raises(ds.DeepSpeedConfigError, match="global block index -9 is out of range "
                                                      "for 8 blocks"):
        ds.pattern({"mode": "bslongformer", "global_block_indices": [-9]}, 128)


# -- 5: per-head random blocks --------------------------------------------------------


@pytest.mark.parametrize("attention", ["bidirectional", "unidirectional"])
def test_bigbird_random_blocks_per_head(attention):
    """different_layout_per_head: every head draws its own blocks with
    default_rng([seed, head, query block]): r of all blocks, or of those at
    or before the query block when unidirectional (as DeepSpeed draws)."""
    nb, count, seed, heads = 12, 2, 5, 3
    cfg = {"mode": "bigbird", "block": 4, "num_random_blocks": count, "num_heads": heads,
           "different_layout_per_head": True, "attention": attention}
    p = ds.pattern(cfg, nb * 4, seed=seed)
    assert p.head_dependent
    p.validate(nb * 4, nb * 4, heads)
    uni = attention == "unidirectional"
    base = ds.block_layout({**cfg, "num_random_blocks": 0}, nb * 4)[0]
    for h in range(heads):
        chosen = np.zeros((nb, nb), bool)
        for row in range(nb):
            population = row + 1 if uni else nb
            rng = np.random.default_rng([seed, h, row])
            chosen[row, rng.choice(population, min(count, population), replace=False)] = True
        np.testing.assert_array_equal(token_mask(p, nb * 4, h), expand(base | chosen, 4))
    # Shared draws on request: the closed form, the same on every head.
    shared = ds.pattern(cfg, nb * 4, seed=seed, random_per_head=False)
    assert P.RandomBlocks(4, count, seed) in (
        shared.patterns[0].patterns if uni else shared.patterns)


def test_per_head_random_on_request_without_different_layouts():
    cfg = {"mode": "variable", "block": 4, "num_random_blocks": 1}
    layout = ds.block_layout(cfg, 48, num_heads=2, random_per_head=True)
    assert not np.array_equal(layout[0], layout[1])
    same = ds.block_layout(cfg, 48, num_heads=2)
    np.testing.assert_array_equal(same[0], same[1])
    np.testing.assert_array_equal(same[0], layout[0])  # head 0's draw is the shared one


# -- against DeepSpeed itself, when it is installed ------------------------------------


def _deepspeed_sparsity_config():
    """DeepSpeed's sparsity_config module, loaded from its file: the
    sparse_attention package's __init__ needs Triton, the layouts do not."""
    deepspeed = pytest.importorskip("deepspeed")
    path = Path(deepspeed.__file__).parent / "ops" / "sparse_attention" / "sparsity_config.py"
    if not path.exists():
        pytest.skip(f"deepspeed {deepspeed.__version__} has no {path.name} (sparse attention "
                    "left in 0.19.7)")
    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location("ds_sparsity_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DS_CLASS_CONFIGS = [
    {"mode": "dense"},
    {"mode": "fixed"},
    {"mode": "fixed", "num_local_blocks": 4, "num_global_blocks": 2,
     "attention": "unidirectional"},
    {"mode": "fixed", "num_local_blocks": 6, "num_global_blocks": 2,
     "horizontal_global_attention": True, "different_layout_per_head": True,
     "num_different_global_patterns": 3},
    {"mode": "fixed", "different_layout_per_head": True, "num_different_global_patterns": 4},
    {"mode": "variable", "local_window_blocks": [1, 2, 3], "global_block_indices": [0, 5]},
    {"mode": "variable", "local_window_blocks": [2, 5], "global_block_indices": [3, -2],
     "global_block_end_indices": [5, -1], "attention": "unidirectional"},
    {"mode": "variable", "global_block_indices": [1, -1, 40],
     "horizontal_global_attention": True},
    {"mode": "variable", "global_block_indices": [-3], "attention": "unidirectional"},
    {"mode": "bigbird", "num_random_blocks": 0, "num_global_blocks": 2},
    {"mode": "bigbird", "num_random_blocks": 0, "num_sliding_window_blocks": 5,
     "attention": "unidirectional"},
    {"mode": "bslongformer", "global_block_indices": [0, -1]},
    {"mode": "bslongformer", "num_sliding_window_blocks": 5, "global_block_indices": [2, -4],
     "global_block_end_indices": [4, 100], "attention": "unidirectional"},
    {"mode": "local_sliding_window", "num_sliding_window_blocks": 5},
    {"mode": "local_sliding_window", "attention": "bidirectional"},
]
DS_CLASS_NAMES = {"dense": "DenseSparsityConfig", "fixed": "FixedSparsityConfig",
                  "variable": "VariableSparsityConfig", "bigbird": "BigBirdSparsityConfig",
                  "bslongformer": "BSLongformerSparsityConfig",
                  "local_sliding_window": "LocalSlidingWindowSparsityConfig"}


def _make_layout(module, cfg: dict, seq_len: int, num_heads: int) -> np.ndarray:
    kwargs = {k: v for k, v in cfg.items() if k != "mode"}
    config = getattr(module, DS_CLASS_NAMES[cfg["mode"]])(num_heads=num_heads, **kwargs)
    return config.make_layout(seq_len).numpy().astype(bool)


@pytest.mark.parametrize("cfg", DS_CLASS_CONFIGS, ids=lambda c: json.dumps(c))
@pytest.mark.parametrize("nb", [13, 16])
def test_layouts_equal_deepspeeds_make_layout(cfg, nb):
    module = _deepspeed_sparsity_config()
    block, heads = 4, 4
    ours = ds.block_layout({**cfg, "block": block}, nb * block, num_heads=heads)
    theirs = _make_layout(module, {**cfg, "block": block}, nb * block, heads)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("mode", ["bigbird", "variable"])
@pytest.mark.parametrize("attention", ["bidirectional", "unidirectional"])
@pytest.mark.parametrize("per_head", [False, True])
def test_random_layouts_have_deepspeeds_structure(mode, attention, per_head):
    """Random blocks: the draws differ, the structure does not: the same
    layout without them, at most r more blocks per row (unidirectional
    bigbird: none above the diagonal), and heads differ exactly when
    DeepSpeed's do."""
    module = _deepspeed_sparsity_config()
    block, nb, heads = 4, 24, 3
    cfg = {"mode": mode, "block": block, "num_random_blocks": 1,
           "different_layout_per_head": per_head, "attention": attention}
    random.seed(1)
    theirs = _make_layout(module, cfg, nb * block, heads)
    ours = ds.block_layout(cfg, nb * block, num_heads=heads, seed=3)
    base = _make_layout(module, {**cfg, "num_random_blocks": 0}, nb * block, heads)
    for layout in (ours, theirs):
        assert (layout >= base).all()
        assert ((layout.sum(-1) - base.sum(-1)) <= 1).all()
        if mode == "bigbird" and attention == "unidirectional":
            assert not np.triu(layout, 1).any()
        heads_differ = not all(np.array_equal(layout[0], layout[h]) for h in range(heads))
        assert heads_differ == per_head


@pytest.mark.parametrize("section", [
    {"mode": "bigbird", "block": 16},
    {"mode": "bigbird", "block": 32, "num_random_blocks": 2, "attention": "unidirectional",
     "num_local_blocks": 4},
    {"block": 8, "num_local_blocks": 2},
    {"mode": "variable", "local_window_blocks": [2, 3], "global_block_indices": [-1]},
    {"mode": "bslongformer", "global_block_indices": [0, -1], "num_random_blocks": 3},
    {"mode": "dense", "block": 32, "different_layout_per_head": True},
], ids=lambda s: json.dumps(s))
def test_json_settings_equal_deepspeeds_parser(section):
    pytest.importorskip("deepspeed")
    from deepspeed.runtime.config import get_sparse_attention

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ds.DeepSpeedConfigWarning)
        ours = ds.class_settings_from_json({"sparse_attention": section})
    assert ours == get_sparse_attention({"sparse_attention": section})


def _random_class_config(rng: random.Random) -> dict:
    """A configuration any DeepSpeed class may get: every mode, both
    directions, global indices of either sign, out-of-range values."""
    mode = rng.choice(sorted(DS_CLASS_NAMES))
    attention = rng.choice(["bidirectional", "unidirectional"])
    cfg: dict = {"mode": mode, "block": rng.choice([1, 2, 4])}
    if mode != "dense":
        cfg["attention"] = attention
    if mode not in ("dense", "local_sliding_window"):
        cfg["different_layout_per_head"] = rng.random() < 0.5
    if mode in ("local_sliding_window", "bslongformer", "bigbird"):
        cfg["num_sliding_window_blocks"] = rng.randint(0, 7)
    if mode == "bigbird":
        cfg.update(num_global_blocks=rng.randint(0, 4), num_random_blocks=0)
    if mode in ("bslongformer", "variable"):
        starts = [rng.randint(-25, 25) for _ in range(rng.randint(0, 3))]
        cfg["global_block_indices"] = starts
        if rng.random() < 0.5:
            cfg["global_block_end_indices"] = [s + rng.randint(-2, 6) for s in starts]
    if mode in ("variable", "fixed"):
        cfg["horizontal_global_attention"] = attention == "bidirectional" and rng.random() < 0.5
    if mode == "variable":
        cfg.update(num_random_blocks=0, local_window_blocks=[
            rng.randint(1, 5) for _ in range(rng.randint(1, 3))])
    if mode == "fixed":
        g = rng.randint(1, 3)
        local = g * rng.randint(1, 4)
        cfg.update(num_local_blocks=local, num_global_blocks=g,
                   num_different_global_patterns=rng.randint(1, local // g)
                   if cfg["different_layout_per_head"] else 1)
    return cfg


def test_random_configs_equal_deepspeeds_make_layout():
    """400 drawn configurations: the same layout as make_layout, or both
    reject the configuration."""
    module = _deepspeed_sparsity_config()
    rng = random.Random(0)
    compared = 0
    for _ in range(400):
        cfg, nb, heads = _random_class_config(rng), rng.randint(1, 20), rng.randint(1, 4)
        seq_len = nb * cfg["block"]
        try:
            theirs = _make_layout(module, cfg, seq_len, heads)
        except Exception:  # noqa: BLE001 - DeepSpeed rejects it, however it says so
            with pytest.raises(ds.DeepSpeedConfigError):
                ds.block_layout(cfg, seq_len, num_heads=heads)
            continue
        np.testing.assert_array_equal(ds.block_layout(cfg, seq_len, num_heads=heads), theirs,
                                      err_msg=f"{cfg} at {nb} blocks")
        compared += 1
    assert compared > 250
