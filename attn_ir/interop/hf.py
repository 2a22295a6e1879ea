"""Hugging Face ``config.json`` files as presets.

A model's ``config.json`` holds what its attention needs: layers, heads,
hidden size, positions, and for sparse models the sparsity parameters.
``preset_from_config`` reads one into a ``Preset`` (``attn_ir.presets``),
so ``build_module`` and ``attn-ir preset --from-config config.json`` give
the model's attention IR::

    attn-ir preset --from-config longformer-base-4096/config.json --layers 2

``model_type`` decides the pattern:

* ``longformer``: ``attention_window`` (one even size, or one per layer) is
  a sliding window of ``attention_window / 2`` keys on each side, and the
  first token is global, as in the ``longformer-*`` presets (Hugging Face
  takes global tokens per input, ``global_attention_mask``; the
  classification token is the usual one).  Tokens: ``max_position_embeddings
  - 2`` (RoBERTa's position offset: 4098 gives 4096).
* ``big_bird``: ``attention_type = "block_sparse"`` is BigBird ITC with
  ``block_size`` and ``num_random_blocks`` (a 3-block window, the random
  blocks seeded with the layer index, the first and last blocks global), as
  in the ``bigbird-roberta-base`` preset; ``"original_full"`` is dense.
  Tokens: ``max_position_embeddings``, a multiple of the block, at least
  ``(6 + 2 * num_random_blocks) * block_size`` (below that Hugging Face
  falls back to full attention).
* ``gpt2`` (``n_layer``, ``n_head``, ``n_embd``, ``n_positions``): causal.
* ``bert``, ``roberta``: dense (RoBERTa: ``max_position_embeddings - 2``
  tokens).

Only the file is read; nothing is downloaded.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from attn_ir import patterns as P
from attn_ir.presets import Preset, PresetError

ROBERTA_POSITION_OFFSET = 2
"""RoBERTa-based models (Longformer, RoBERTa) number positions from
``pad_token_id + 1 = 2``, so ``max_position_embeddings - 2`` tokens fit."""


class ConfigError(PresetError):
    """A config.json that cannot be read or is not a supported model."""


def _get(config: Mapping[str, Any], key: str, what: str = "an integer") -> Any:
    if key not in config:
        raise ConfigError(f"config.json has no '{key}' ({what})")
    return config[key]


def _positive_int(config: Mapping[str, Any], key: str) -> int:
    value = _get(config, key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"config.json '{key}' must be a positive integer, got {value!r}")
    return value


def _shape(config: Mapping[str, Any], layers: str, heads: str, hidden: str):
    n_layers, n_heads = _positive_int(config, layers), _positive_int(config, heads)
    width = _positive_int(config, hidden)
    if width % n_heads:
        raise ConfigError(f"config.json '{hidden}' ({width}) is not a multiple of "
                          f"'{heads}' ({n_heads})")
    return n_layers, n_heads, width // n_heads


def _longformer(config, name):
    layers, heads, head_dim = _shape(config, "num_hidden_layers", "num_attention_heads",
                                     "hidden_size")
    windows = _get(config, "attention_window", "one window size or one per layer")
    if isinstance(windows, int) and not isinstance(windows, bool):
        windows = [windows] * layers
    if not isinstance(windows, list) or len(windows) != layers:
        raise ConfigError(f"config.json 'attention_window' must be one size or {layers} "
                          f"(one per layer), got {windows!r}")
    for w in windows:
        if isinstance(w, bool) or not isinstance(w, int) or w <= 0 or w % 2:
            raise ConfigError(f"config.json 'attention_window' sizes must be positive and "
                              f"even, got {w!r}")
    seq_len = _positive_int(config, "max_position_embeddings") - ROBERTA_POSITION_OFFSET
    sizes = sorted(set(windows))
    window_text = (f"window {sizes[0]} ({sizes[0] // 2} each side)" if len(sizes) == 1
                   else f"windows {', '.join(map(str, windows))}")

    def pattern(layer: int, n: int) -> P.Pattern:
        half = windows[layer] // 2
        return P.Union((P.Window(left=half, right=half), P.Global((0,))))
    return Preset(name, f"Longformer from config.json: {window_text} + global <s>, "
                        f"{layers} layers x {heads} heads",
                  layers=layers, heads=heads, head_dim=head_dim, seq_len=seq_len, batch=1,
                  pattern=pattern)


def _big_bird(config, name):
    layers, heads, head_dim = _shape(config, "num_hidden_layers", "num_attention_heads",
                                     "hidden_size")
    seq_len = _positive_int(config, "max_position_embeddings")
    kind = config.get("attention_type", "block_sparse")
    if kind == "original_full":
        return Preset(name, f"BigBird (original_full) from config.json: dense attention, "
                            f"{layers} layers x {heads} heads",
                      layers=layers, heads=heads, head_dim=head_dim, seq_len=seq_len, batch=1,
                      pattern=lambda layer, n: P.Dense())
    if kind != "block_sparse":
        raise ConfigError(f"config.json 'attention_type' must be 'block_sparse' or "
                          f"'original_full', got {kind!r}")
    block = _positive_int(config, "block_size")
    count = _get(config, "num_random_blocks")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ConfigError(f"config.json 'num_random_blocks' must be a non-negative integer, "
                          f"got {count!r}")

    def pattern(layer: int, n: int) -> P.Pattern:
        parts: list[P.Pattern] = [P.BlockLocal(block=block, left=1, right=1)]
        if count:
            parts.append(P.RandomBlocks(block=block, count=count, seed=layer))
        parts.append(P.Global(tuple(range(block)) + tuple(range(n - block, n))))
        return P.Union(tuple(parts))
    return Preset(name, f"BigBird ITC from config.json: 3-block window + {count} random "
                        f"blocks + first/last block global, block {block}, "
                        f"{layers} layers x {heads} heads",
                  layers=layers, heads=heads, head_dim=head_dim, seq_len=seq_len, batch=1,
                  pattern=pattern, seq_len_multiple=block,
                  min_seq_len=(6 + 2 * count) * block)


def _gpt2(config, name):
    layers, heads, head_dim = _shape(config, "n_layer", "n_head", "n_embd")
    return Preset(name, f"GPT-2 from config.json: causal attention, {layers} layers x "
                        f"{heads} heads", layers=layers, heads=heads, head_dim=head_dim,
                  seq_len=_positive_int(config, "n_positions"), batch=1,
                  pattern=lambda layer, n: P.Causal())


def _bert(config, name):
    layers, heads, head_dim = _shape(config, "num_hidden_layers", "num_attention_heads",
                                     "hidden_size")
    offset = ROBERTA_POSITION_OFFSET if config.get("model_type") == "roberta" else 0
    return Preset(name, f"{config['model_type'].upper()} from config.json: dense attention, "
                        f"{layers} layers x {heads} heads", layers=layers, heads=heads,
                  head_dim=head_dim,
                  seq_len=_positive_int(config, "max_position_embeddings") - offset, batch=1,
                  pattern=lambda layer, n: P.Dense())


MODEL_TYPES = {"longformer": _longformer, "big_bird": _big_bird, "gpt2": _gpt2,
               "bert": _bert, "roberta": _bert}


def _default_name(path: str) -> str:
    """``longformer-base-4096`` for ``longformer-base-4096/config.json`` or
    ``longformer-base-4096.json``."""
    stem = os.path.basename(path)
    for suffix in (".json", ".config"):
        stem = stem.removesuffix(suffix)
    if stem == "config":
        stem = os.path.basename(os.path.dirname(os.path.abspath(path))) or stem
    return stem


def preset_from_config(config: str | os.PathLike | Mapping[str, Any],
                       name: str | None = None) -> Preset:
    """The preset of a Hugging Face ``config.json`` (a path, or the parsed
    dictionary).  ``name`` defaults to the file's (its directory's, for a
    file named config.json), then to ``model_type``."""
    path = None
    if not isinstance(config, Mapping):
        path = os.fspath(config)
        try:
            with open(path, encoding="utf-8") as f:
                config = json.load(f)
        except OSError as e:
            raise ConfigError(f"cannot read '{path}': {e.strerror}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"'{path}' is not JSON: {e}") from None
        if not isinstance(config, Mapping):
            raise ConfigError(f"'{path}' is not a JSON object")
    model_type = config.get("model_type")
    if model_type not in MODEL_TYPES:
        raise ConfigError(f"config.json model_type {model_type!r} is not supported; "
                          "supported: " + ", ".join(MODEL_TYPES))
    name = name or (_default_name(path) if path else str(model_type))
    return MODEL_TYPES[model_type](config, name)
