"""Hugging Face config.json files as presets: the published configs give
the built-in presets' IR; per-layer windows, names and bad files."""

from __future__ import annotations

import json
import os

import pytest

from attn_ir import patterns as P
from attn_ir.interop.hf import ConfigError, preset_from_config
from attn_ir.pipeline import print_module
from attn_ir.presets import build_module, get_preset

DATA = os.path.join(os.path.dirname(__file__), os.pardir, "data", "hf")


@pytest.mark.parametrize("name, seq_len, layers", [
    ("longformer-base-4096", None, 2),
    ("bigbird-roberta-base", 1024, 3),
])
def test_published_configs_give_the_presets(name, seq_len, layers):
    imported = preset_from_config(os.path.join(DATA, f"{name}.json"))
    builtin = get_preset(name)
    assert imported.name == name
    assert (imported.layers, imported.heads, imported.head_dim, imported.seq_len) == (
        builtin.layers, builtin.heads, builtin.head_dim, builtin.seq_len)
    assert (imported.seq_len_multiple, imported.min_seq_len) == (
        builtin.seq_len_multiple, builtin.min_seq_len)
    assert print_module(build_module(imported, seq_len, layers)) == print_module(
        build_module(builtin, seq_len, layers))


def _write(tmp_path, config: dict, name: str = "config.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(config))
    return str(path)


LONGFORMER = {"model_type": "longformer", "num_hidden_layers": 3, "num_attention_heads": 4,
              "hidden_size": 256, "max_position_embeddings": 1026,
              "attention_window": [32, 64, 128]}


def test_longformer_window_per_layer(tmp_path):
    model = tmp_path / "tiny-longformer"
    model.mkdir()
    preset = preset_from_config(_write(model, LONGFORMER))
    assert preset.name == "tiny-longformer"  # the directory of a config.json
    assert (preset.layers, preset.heads, preset.head_dim, preset.seq_len) == (3, 4, 64, 1024)
    assert [p for _, p in preset.layer_patterns()] == [
        P.Union((P.Window(w, w), P.Global((0,)))) for w in (16, 32, 64)]
    assert "windows 32, 64, 128" in preset.description


@pytest.mark.parametrize("config, pattern, seq_len", [
    ({"model_type": "gpt2", "n_layer": 2, "n_head": 2, "n_embd": 64, "n_positions": 128},
     P.Causal(), 128),
    ({"model_type": "bert", "num_hidden_layers": 2, "num_attention_heads": 2,
      "hidden_size": 64, "max_position_embeddings": 512}, P.Dense(), 512),
    ({"model_type": "roberta", "num_hidden_layers": 2, "num_attention_heads": 2,
      "hidden_size": 64, "max_position_embeddings": 514}, P.Dense(), 512),
    ({"model_type": "big_bird", "attention_type": "original_full", "num_hidden_layers": 1,
      "num_attention_heads": 2, "hidden_size": 64, "max_position_embeddings": 256},
     P.Dense(), 256),
])
def test_other_models(config, pattern, seq_len):
    preset = preset_from_config(config)
    assert preset.name == config["model_type"]
    assert preset.seq_len == seq_len
    assert preset.layer_patterns(layers=1) == [(seq_len, pattern)]


def test_bigbird_without_random_blocks():
    preset = preset_from_config({
        "model_type": "big_bird", "attention_type": "block_sparse", "block_size": 16,
        "num_random_blocks": 0, "num_hidden_layers": 1, "num_attention_heads": 2,
        "hidden_size": 64, "max_position_embeddings": 256})
    first, last = tuple(range(16)), tuple(range(240, 256))
    assert preset.layer_patterns() == [(256, P.Union((P.BlockLocal(16, 1, 1),
                                                      P.Global(first + last))))]
    assert (preset.seq_len_multiple, preset.min_seq_len) == (16, 96)


@pytest.mark.parametrize("change, message", [
    ({"model_type": "t5"}, "model_type 't5' is not supported"),
    ({"attention_window": 33}, "positive and even, got 33"),
    ({"attention_window": [64, 64]}, "one size or 3 \\(one per layer\\)"),
    ({"num_attention_heads": 5}, "'hidden_size' \\(256\\) is not a multiple"),
    ({"hidden_size": "wide"}, "'hidden_size' must be a positive integer, got 'wide'"),
])
def test_bad_configs(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message):
        preset_from_config(_write(tmp_path, {**LONGFORMER, **change}))


def test_missing_key_and_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="has no 'attention_window'"):
        preset_from_config({k: v for k, v in LONGFORMER.items() if k != "attention_window"})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="is not JSON"):
        preset_from_config(str(bad))
    with pytest.raises(ConfigError, match="cannot read"):
        preset_from_config(str(tmp_path / "missing.json"))
