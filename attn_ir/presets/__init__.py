"""Presets: IR for the attention of published models, so a user starts from a
real workload.

A preset is a data record (``Preset``): the model's shape (layers, heads,
head dimension, default sequence length, batch) and, per layer, the sparsity
pattern its attention uses.  ``build_module`` turns one into IR with xDSL's
Python API: a module with one function whose arguments are ``q``, ``k``, ``v``
of every layer (``tensor<BxHxNxDxf32>``) and whose body has one
``attn.attention`` per layer; the function returns every layer's output.
Layers are independent (each has its own q, k, v arguments): the presets
describe the attention workload, not the rest of the network.

    module = build_module(get_preset("longformer-base-4096"), seq_len=1024)
    half = build_module(get_preset("longformer-base-4096"), dtype="f16")

The configuration of each preset is cited in the docstring of its pattern
builder below.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Block, Region

from attn_ir import patterns as P
from attn_ir.dialects.attn import AttentionOp


class PresetError(ValueError):
    """An unknown preset or options that do not fit it (one-line message)."""


def _same_seq_len(layer: int, seq_len: int) -> int:
    return seq_len


@dataclass(frozen=True)
class Preset:
    """The attention workload of one published model."""

    name: str
    description: str
    """One line, shown by ``attn-ir presets``."""
    layers: int
    heads: int
    head_dim: int
    seq_len: int
    """Default sequence length (of the first layer, for models with stages)."""
    batch: int
    pattern: Callable[[int, int], P.Pattern]
    """(layer index, that layer's sequence length) -> the layer's pattern."""
    layer_seq_len: Callable[[int, int], int] = _same_seq_len
    """(layer index, requested sequence length) -> that layer's sequence length."""
    seq_len_multiple: int = 1
    """Sequence lengths must be a multiple of this (BigBird's block)."""
    min_seq_len: int = 1
    fixed_seq_len: str | None = None
    """Why the sequence length cannot be changed, for models whose token
    count is fixed (ViL's grids); None when it can."""
    builder: Callable[..., ModuleOp] | None = None
    """Builds the IR instead of ``build_module``'s one ``attn.attention`` per
    layer: ``builder(preset, seq_len, layers, batch)`` (dynamic sparsity,
    a system's own); ``pattern`` is then the unpruned
    model's."""

    def check_options(self, seq_len: int | None, layers: int | None,
                      batch: int | None, dtype: str = "f32") -> None:
        """Raise PresetError when an option does not fit this preset."""
        from attn_ir.presets.dtype import PRESET_DTYPES

        if dtype not in PRESET_DTYPES:
            raise PresetError(f"dtype must be one of {', '.join(PRESET_DTYPES)}, "
                              f"got '{dtype}'")
        if seq_len is not None:
            if self.fixed_seq_len is not None:
                raise PresetError(f"preset '{self.name}' has a fixed sequence length: "
                                  f"{self.fixed_seq_len}")
            if seq_len <= 0:
                raise PresetError(f"sequence length must be positive, got {seq_len}")
            if seq_len < self.min_seq_len:
                raise PresetError(
                    f"preset '{self.name}' needs a sequence length of at least "
                    f"{self.min_seq_len}, got {seq_len}")
            if seq_len % self.seq_len_multiple:
                raise PresetError(
                    f"preset '{self.name}' needs a sequence length that is a multiple "
                    f"of {self.seq_len_multiple}, got {seq_len}")
        if layers is not None and not 0 < layers <= self.layers:
            raise PresetError(f"preset '{self.name}' has {self.layers} layers; "
                              f"--layers must be between 1 and {self.layers}, got {layers}")
        if batch is not None and batch <= 0:
            raise PresetError(f"batch must be positive, got {batch}")

    def layer_patterns(self, seq_len: int | None = None,
                       layers: int | None = None) -> list[tuple[int, P.Pattern]]:
        """(sequence length, pattern) of each of the first ``layers`` layers,
        validated against the shape."""
        self.check_options(seq_len, layers, None)
        n = self.seq_len if seq_len is None else seq_len
        out = []
        for layer in range(self.layers if layers is None else layers):
            layer_n = self.layer_seq_len(layer, n)
            pattern = self.pattern(layer, layer_n)
            try:
                pattern.validate(layer_n, layer_n, self.heads)
            except P.PatternError as e:
                raise PresetError(f"preset '{self.name}' at sequence length {layer_n}, "
                                  f"layer {layer}: {e}") from None
            out.append((layer_n, pattern))
        return out


def build_module(preset: Preset, seq_len: int | None = None, layers: int | None = None,
                 batch: int | None = None, dtype: str = "f32") -> ModuleOp:
    """The preset's IR: ``func.func @<name>(%q0, %k0, %v0, %q1, ...)`` with one
    ``attn.attention`` per layer, returning every layer's output.  ``seq_len``
    None keeps the default; ``layers`` takes the first layers; ``batch`` None
    keeps the preset's batch; ``dtype`` (f32, f16 or bf16) is the element
    type of the tensors (``attn_ir.presets.dtype``)."""
    from attn_ir.presets.dtype import convert_f32_tensors, element_type

    preset.check_options(seq_len, layers, batch, dtype)
    if preset.builder is not None:
        try:
            return convert_f32_tensors(preset.builder(preset, seq_len, layers, batch), dtype)
        except ValueError as e:
            raise PresetError(f"preset '{preset.name}': {e}") from None
    b = preset.batch if batch is None else batch
    per_layer = preset.layer_patterns(seq_len, layers)
    types = [TensorType(element_type(dtype), [b, preset.heads, n, preset.head_dim])
             for n, _ in per_layer]
    block = Block(arg_types=[t for t in types for _ in "qkv"])
    outputs = []
    for layer, (_, pattern) in enumerate(per_layer):
        q, k, v = block.args[3 * layer : 3 * layer + 3]
        for arg, role in zip((q, k, v), "qkv"):
            arg.name_hint = f"{role}{layer}"
        op = AttentionOp(q, k, v, pattern)
        op.output.name_hint = f"o{layer}"
        block.add_op(op)
        outputs.append(op.output)
    block.add_op(func.ReturnOp(*outputs))
    function = func.FuncOp(preset.name.replace("-", "_").replace(".", "_"),
                           (block.arg_types, types), Region(block))
    return ModuleOp([function])


# -- pattern builders, one per model family --------------------------------


@dataclass(frozen=True)
class PresetExtension:
    """One system's presets by name (``attn_ir.presets.<system>``)."""

    presets: dict[str, Preset]


@functools.cache
def all_presets() -> dict[str, Preset]:
    """Every system's presets by name, in system order."""
    from attn_ir.systems import extensions

    out: dict[str, Preset] = {}
    for ext in extensions("presets"):
        out.update(ext.presets)
    return out


def get_preset(name: str) -> Preset:
    try:
        return all_presets()[name]
    except KeyError:
        raise PresetError(f"unknown preset '{name}'; available: "
                          + ", ".join(all_presets())) from None
