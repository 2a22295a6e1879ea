"""Model presets: each builds IR that verifies and round-trips through
attn-opt, with the published shapes and the right pattern per layer."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp

from attn_ir import patterns as P
from attn_ir.dialects.attn import AttentionOp
from attn_ir.pipeline import print_module, process
from attn_ir.presets import PresetError, all_presets, build_module, get_preset

BIN = os.path.dirname(sys.executable)


def _ops(module: ModuleOp) -> list[AttentionOp]:
    return [op for op in module.walk() if isinstance(op, AttentionOp)]


PATTERN_PRESETS = [name for name, p in all_presets().items() if p.builder is None]
"""Presets with one attn.attention per layer.  The others (dynamic sparsity,
built by their own ``builder``) are tested with their ops (e.g.
test_spatten.py)."""


@pytest.mark.parametrize("name", PATTERN_PRESETS)
def test_preset_builds_verifies_and_round_trips(name):
    preset = all_presets()[name]
    module = build_module(preset)
    module.verify()
    text = print_module(module)
    result = process(text, name)
    assert result.ok, [str(d) for d in result.diagnostics]
    assert print_module(result.module) == text

    (function,) = [op for op in module.walk() if isinstance(op, func.FuncOp)]
    ops = _ops(module)
    assert len(ops) == preset.layers
    assert len(function.body.block.args) == 3 * preset.layers
    (ret,) = [op for op in module.walk() if isinstance(op, func.ReturnOp)]
    assert list(ret.operands) == [op.output for op in ops]
    for layer, op in enumerate(ops):
        b, h, nq, nk, d, dv = op.dims
        assert (b, h, d, dv) == (preset.batch, preset.heads, preset.head_dim, preset.head_dim)
        assert nq == nk == preset.layer_seq_len(layer, preset.seq_len)
        assert op.pattern.pattern == preset.pattern(layer, nq)
        assert list(op.operands) == list(function.body.block.args[3 * layer : 3 * layer + 3])


PUBLISHED = {
    # name: (layers, heads, head dim, default sequence length)
    "longformer-base-4096": (12, 12, 64, 4096),
    "longformer-large-4096": (24, 16, 64, 4096),
    "bigbird-roberta-base": (12, 12, 64, 4096),
    "vil-small": (3, 6, 64, 3137),
    "sparse-transformer-strided": (30, 8, 64, 12288),
    "sparse-transformer-fixed": (30, 8, 64, 12288),
    "bert-base": (12, 12, 64, 512),
    "gpt2": (12, 12, 64, 1024),
}


def test_published_shapes():
    assert set(PATTERN_PRESETS) == set(PUBLISHED)
    for name, shape in PUBLISHED.items():
        p = all_presets()[name]
        assert (p.layers, p.heads, p.head_dim, p.seq_len) == shape, name
        assert p.batch == 1
        assert p.description and "\n" not in p.description
        # The pattern builder's docstring cites where the configuration is from.
        assert re.search(r"\b(19|20)\d\d\b", p.pattern.__doc__ or ""), name


def test_patterns_per_family():
    longformer = P.Union((P.Window(256, 256), P.Global((0,))))
    assert all_presets()["longformer-base-4096"].pattern(3, 4096) == longformer
    assert all_presets()["longformer-large-4096"].pattern(23, 4096) == longformer
    assert all_presets()["bert-base"].pattern(0, 512) == P.Dense()
    assert all_presets()["gpt2"].pattern(0, 1024) == P.Causal()
    assert all_presets()["sparse-transformer-strided"].pattern(0, 12288) == P.Strided(128)
    assert all_presets()["sparse-transformer-fixed"].pattern(0, 12288) == P.Fixed(128, 32)

    bigbird = all_presets()["bigbird-roberta-base"].pattern(5, 4096)
    assert bigbird == P.Union((
        P.BlockLocal(64, 1, 1), P.RandomBlocks(64, 3, seed=5),
        P.Global(tuple(range(64)) + tuple(range(4032, 4096))),
    ))


def test_vil_stages():
    module = build_module(get_preset("vil-small"))
    ops = _ops(module)
    assert [op.dims[2] for op in ops] == [1 + 56 * 56, 1 + 28 * 28, 1 + 28 * 28]
    grids = [op.pattern.pattern.patterns[0] for op in ops]
    assert grids[0] == P.Window2D((56, 56), (15, 15), offset=1)
    assert grids[1] == grids[2] == P.Window2D((28, 28), (15, 15), offset=1)
    assert all(op.pattern.pattern.patterns[1] == P.Global((0,)) for op in ops)
    assert len(_ops(build_module(get_preset("vil-small"), layers=2))) == 2


def test_seq_len_rebuilds_the_patterns():
    bigbird = get_preset("bigbird-roberta-base")
    (op,) = _ops(build_module(bigbird, seq_len=1024, layers=1))
    union = op.pattern.pattern
    assert union.patterns[2] == P.Global(tuple(range(64)) + tuple(range(960, 1024)))
    random = union.patterns[1]
    assert random.chosen(1024, 1024).max() < 1024 // 64
    assert op.dims[2:4] == (1024, 1024)


def test_layers_and_batch():
    full = _ops(build_module(get_preset("bigbird-roberta-base"), seq_len=768))
    first = _ops(build_module(get_preset("bigbird-roberta-base"), seq_len=768, layers=3,
                              batch=2))
    assert len(first) == 3
    assert [op.pattern for op in first] == [op.pattern for op in full[:3]]
    assert all(op.dims[0] == 2 for op in first)
    # Each layer draws its own random blocks.
    assert len({op.pattern.pattern.patterns[1].seed for op in full}) == len(full)


@pytest.mark.parametrize("name, options, message", [
    ("gpt2", dict(seq_len=0), "must be positive"),
    ("gpt2", dict(seq_len=-3), "must be positive"),
    ("gpt2", dict(layers=0), "between 1 and 12"),
    ("gpt2", dict(layers=13), "between 1 and 12"),
    ("gpt2", dict(batch=0), "batch must be positive"),
    ("bigbird-roberta-base", dict(seq_len=512), "at least 768"),
    ("bigbird-roberta-base", dict(seq_len=1000), "multiple of 64"),
    ("vil-small", dict(seq_len=3137), "fixed sequence length"),
])
def test_invalid_options(name, options, message):
    with pytest.raises(PresetError, match=message):
        build_module(get_preset(name), **options)


def test_unknown_preset():
    with pytest.raises(PresetError, match="unknown preset 'nope'; available: longformer"):
        get_preset("nope")
    assert issubclass(PresetError, ValueError)


def test_cli_preset_through_attn_opt_twice():
    def run(cmd, stdin=None):
        done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=True)
        return done.stdout

    text = run([os.path.join(BIN, "attn-ir"), "preset", "longformer-base-4096"])
    once = run([os.path.join(BIN, "attn-opt")], text)
    twice = run([os.path.join(BIN, "attn-opt")], once)
    assert once == twice == text
    assert text.count("attn.attention") == 12
