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
    e.g. ``attn_ir.presets_spatten``); ``pattern`` is then the unpruned
    model's."""

    def check_options(self, seq_len: int | None, layers: int | None,
                      batch: int | None, dtype: str = "f32") -> None:
        """Raise PresetError when an option does not fit this preset."""
        from attn_ir.preset_dtype import PRESET_DTYPES

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
    type of the tensors (``attn_ir.preset_dtype``)."""
    from attn_ir.preset_dtype import convert_f32_tensors, element_type

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


def longformer_pattern(layer: int, seq_len: int) -> P.Pattern:
    """Longformer (Beltagy, Peters, Cohan 2020, "Longformer: The
    Long-Document Transformer", arXiv:2004.05150) as released in
    ``allenai/longformer-base-4096`` and ``allenai/longformer-large-4096``
    (Hugging Face ``config.json``: ``attention_window = 512`` in every layer,
    ``max_position_embeddings = 4098``, i.e. 4096 tokens): a sliding window of
    256 keys on each side, and global attention on the first token (``<s>``,
    the classification token), the setting of the paper's classification
    tasks and of SALO's Longformer workload (L = 4096, w = 512)."""
    return P.Union((P.Window(left=256, right=256), P.Global((0,))))


BIGBIRD_BLOCK = 64
BIGBIRD_RANDOM_BLOCKS = 3


def bigbird_pattern(layer: int, seq_len: int) -> P.Pattern:
    """BigBird ITC (Zaheer et al. 2020, "Big Bird: Transformers for Longer
    Sequences", arXiv:2007.14062) as released in ``google/bigbird-roberta-base``
    (Hugging Face ``config.json``: ``attention_type = "block_sparse"``,
    ``block_size = 64``, ``num_random_blocks = 3``,
    ``max_position_embeddings = 4096``): a sliding window of three blocks,
    three random key blocks per query block (seeded with the layer index,
    as each layer draws its own), and the first and last blocks global."""
    b = BIGBIRD_BLOCK
    first = tuple(range(b))
    last = tuple(range(seq_len - b, seq_len))
    return P.Union((
        P.BlockLocal(block=b, left=1, right=1),
        P.RandomBlocks(block=b, count=BIGBIRD_RANDOM_BLOCKS, seed=layer),
        P.Global(first + last),
    ))


VIL_STAGES = (
    # (grid rows, grid cols, layers): stage 1 then stage 2 of ViL, 224x224 input.
    (56, 56, 1),
    (28, 28, 2),
)
VIL_WINDOW = (15, 15)
VIL_GLOBAL_TOKENS = 1


def _vil_stage(layer: int) -> tuple[int, int]:
    for rows, cols, layers in VIL_STAGES:
        if layer < layers:
            return rows, cols
        layer -= layers
    raise PresetError(f"ViL has no layer {layer}")


def vil_seq_len(layer: int, seq_len: int) -> int:
    rows, cols = _vil_stage(layer)
    return VIL_GLOBAL_TOKENS + rows * cols


def vil_pattern(layer: int, seq_len: int) -> P.Pattern:
    """Vision Longformer (Zhang et al. 2021, "Multi-Scale Vision Longformer",
    arXiv:2103.15358) in the shapes the SALO accelerator evaluates (Shen et
    al., DAC 2022, "SALO: An Efficient Spatial Accelerator Enabling Hybrid
    Sparse Attention Mechanisms for Long Sequences", evaluation: ViL stage
    1 L = 3136, stage 2 L = 784, window 15x15 (w = 225), hidden 384 with 6
    heads, d = 64).  A 224x224 image gives a 56x56 token grid in stage 1 and
    28x28 in stage 2; each grid is preceded by one global token (ViL's
    ``nglo = 1``), so N = 1 + 3136 and 1 + 784.  Every grid token attends its
    15x15 neighbourhood, clipped at the grid's edges, plus the global token.
    This preset has SALO's two workloads as layers: one layer at stage 1,
    then two at stage 2; SALO uses the same head count and head dimension
    for both stages, and so does this preset."""
    rows, cols = _vil_stage(layer)
    return P.Union((
        P.Window2D(grid=(rows, cols), window=VIL_WINDOW, offset=VIL_GLOBAL_TOKENS),
        P.Global(tuple(range(VIL_GLOBAL_TOKENS))),
    ))


SPARSE_TRANSFORMER_STRIDE = 128
SPARSE_TRANSFORMER_SUMMARY = 32


def sparse_transformer_strided_pattern(layer: int, seq_len: int) -> P.Pattern:
    """Sparse Transformer, strided pattern (Child, Gray, Radford, Sutskever
    2019, "Generating Long Sequences with Sparse Transformers",
    arXiv:1904.10509): causal, each query attends the previous
    128 positions and every 128th position before it.  The shape is that of
    the paper's enwik8 model (30 layers, model width 512 with 8 heads, so
    d = 64, context 12,288, stride 128).  That model used the fixed
    pattern; the strided pattern is the paper's choice for images and is
    given here at the same shape so the two compare directly.  Both factorised
    heads are merged into one pattern (their union), as in the paper's
    merged-head attention."""
    return P.Strided(stride=SPARSE_TRANSFORMER_STRIDE)


def sparse_transformer_fixed_pattern(layer: int, seq_len: int) -> P.Pattern:
    """Sparse Transformer, fixed pattern (Child et al. 2019,
    arXiv:1904.10509) with the enwik8 model's settings (stride l = 128,
    c = 32, merged heads; 30 layers, 8 heads, d = 64, context 12,288): causal, each query attends its own block of 128 positions and
    the last 32 positions of every earlier block.  Both heads are merged into
    one pattern (their union)."""
    return P.Fixed(stride=SPARSE_TRANSFORMER_STRIDE, summary=SPARSE_TRANSFORMER_SUMMARY)


def bert_pattern(layer: int, seq_len: int) -> P.Pattern:
    """BERT-base (Devlin et al. 2019, "BERT: Pre-training of Deep
    Bidirectional Transformers for Language Understanding",
    arXiv:1810.04805; 12 layers, hidden 768, 12 heads, so d = 64, 512
    positions): dense bidirectional attention."""
    return P.Dense()


def gpt2_pattern(layer: int, seq_len: int) -> P.Pattern:
    """GPT-2 small (Radford et al. 2019, "Language Models are Unsupervised
    Multitask Learners"; Hugging Face ``gpt2`` ``config.json``: ``n_layer =
    12``, ``n_head = 12``, ``n_embd = 768``, so d = 64, ``n_ctx = 1024``):
    causal attention."""
    return P.Causal()


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("longformer-base-4096",
           "Longformer base: window 512 (256 each side) + global <s>, 12 layers x 12 heads",
           layers=12, heads=12, head_dim=64, seq_len=4096, batch=1,
           pattern=longformer_pattern),
    Preset("longformer-large-4096",
           "Longformer large: window 512 (256 each side) + global <s>, 24 layers x 16 heads",
           layers=24, heads=16, head_dim=64, seq_len=4096, batch=1,
           pattern=longformer_pattern),
    Preset("bigbird-roberta-base",
           "BigBird ITC: 3-block window + 3 random blocks + first/last block global, "
           "block 64, 12 layers x 12 heads",
           layers=12, heads=12, head_dim=64, seq_len=4096, batch=1,
           pattern=bigbird_pattern, seq_len_multiple=BIGBIRD_BLOCK,
           # Hugging Face's BigBird falls back to full attention up to
           # (5 + 2 * num_random_blocks) * block_size tokens.
           min_seq_len=(6 + 2 * BIGBIRD_RANDOM_BLOCKS) * BIGBIRD_BLOCK),
    Preset("vil-small",
           "Vision Longformer as in SALO: 15x15 window on a 56x56 grid (1 layer), "
           "then 28x28 (2 layers), + 1 global token, 6 heads",
           layers=sum(n for _, _, n in VIL_STAGES), heads=6, head_dim=64,
           seq_len=vil_seq_len(0, 0), batch=1,
           pattern=vil_pattern, layer_seq_len=vil_seq_len,
           fixed_seq_len="ViL's token grids (56x56, then 28x28, plus one global "
                         "token) are fixed by the 224x224 input; use --layers instead"),
    Preset("sparse-transformer-strided",
           "Sparse Transformer strided (stride 128), enwik8 shape: 30 layers x 8 heads",
           layers=30, heads=8, head_dim=64, seq_len=12288, batch=1,
           pattern=sparse_transformer_strided_pattern),
    Preset("sparse-transformer-fixed",
           "Sparse Transformer fixed (stride 128, summary 32), enwik8 shape: "
           "30 layers x 8 heads",
           layers=30, heads=8, head_dim=64, seq_len=12288, batch=1,
           pattern=sparse_transformer_fixed_pattern),
    Preset("bert-base",
           "BERT base: dense attention, 12 layers x 12 heads, 512 tokens",
           layers=12, heads=12, head_dim=64, seq_len=512, batch=1,
           pattern=bert_pattern),
    Preset("gpt2",
           "GPT-2 small: causal attention, 12 layers x 12 heads, 1024 tokens",
           layers=12, heads=12, head_dim=64, seq_len=1024, batch=1,
           pattern=gpt2_pattern),
)}


PRESET_EXTENSIONS: list[str] = [
    "attn_ir.presets_spatten",
    "attn_ir.presets_vitcod",
    "attn_ir.presets_sparse_flash",
]
"""Modules whose ``presets()`` return more presets (name -> Preset)."""


def _load_extensions() -> None:
    import importlib

    for module_name in PRESET_EXTENSIONS:
        PRESETS.update(importlib.import_module(module_name).presets())


_load_extensions()


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise PresetError(f"unknown preset '{name}'; available: "
                          + ", ".join(PRESETS)) from None
