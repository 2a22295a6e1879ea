"""ViTCoD presets: DeiT with fixed, pruned attention masks and ViTCoD's Q/K
auto-encoder (You et al., HPCA 2023).

DeiT (Touvron et al. 2021, "Training data-efficient image transformers &
distillation through attention", arXiv:2012.12877): a 224 x 224 image in
16 x 16 patches gives 14 x 14 = 196 patch tokens plus the class token, 197
tokens; 12 layers; DeiT-Tiny has embedding 192 with 3 heads, DeiT-Small 384
with 6 heads, so d = 64 in both.

Each layer's attention is preceded by ViTCoD's auto-encoder on Q and K
(``attn.qk_encode`` then ``attn.qk_decode``: the compressed tensors are what
DRAM holds; ratio 2/3, so 3 heads -> 2 and 6 -> 4) with the seeded stand-in
weights (seed ``2 * layer`` for Q, ``2 * layer + 1`` for K).

The masks are **synthetic**: ``#attn.synthetic_mask`` draws them with a
documented, seeded generator that has the statistics of ViTCoD's released
DeiT-Tiny masks at 95 % sparsity (``attn_ir.patterns.vitcod.masks``).  They
are not a trained model's.  A user with real pruned masks builds the same
IR with ``#attn.mask_file`` (``deit_module(..., masks=...)``).
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import func
from xdsl.dialects.builtin import Float32Type, ModuleOp, TensorType
from xdsl.ir import Block, Region

from attn_ir import patterns as P
from attn_ir.patterns.vitcod.masks import SyntheticMask
from attn_ir.reference.vitcod_autoencoder import QKAutoEncoder, default_hidden
from attn_ir.presets import PresetExtension

DEIT_TOKENS = 197
"""14 x 14 patches of 16 x 16 pixels of a 224 x 224 image, and the class token."""
DEIT_LAYERS = 12
DEIT_HEAD_DIM = 64
VITCOD_KEPT_PERMILLE = 50
"""95 % sparsity: ViTCoD's DeiT-Tiny masks (its simulator's ``sparse = [0.95]``)."""
VITCOD_RATIO = 2 / 3
"""The auto-encoder's compression of the heads (ViTCoD's simulator: ``ratio = 2/3``)."""


def synthetic_masks(heads: int, seed: int = 0,
                    kept_permille: int = VITCOD_KEPT_PERMILLE) -> Callable[[int], P.Pattern]:
    """layer -> the layer's synthetic ViTCoD mask pattern."""
    return lambda layer: SyntheticMask(heads, layer, seed, kept_permille)


def qk_autoencoders(heads: int, layer: int,
                    ratio: float = VITCOD_RATIO) -> tuple[QKAutoEncoder, QKAutoEncoder]:
    """The layer's (Q, K) auto-encoders with seeded weights."""
    hidden = default_hidden(heads, ratio)
    return (QKAutoEncoder(heads, hidden, seed=2 * layer),
            QKAutoEncoder(heads, hidden, seed=2 * layer + 1))


def deit_module(name: str, heads: int, layers: int = DEIT_LAYERS, batch: int = 1,
                masks: Callable[[int], P.Pattern] | None = None, autoencoder: bool = True,
                tokens: int = DEIT_TOKENS, head_dim: int = DEIT_HEAD_DIM,
                inline_masks: bool = False) -> ModuleOp:
    """``func.func @<name>(%q0, %k0, %v0, ...)``: per layer, the Q/K
    auto-encoder (unless ``autoencoder`` is False) and ``attn.attention``
    with the layer's mask (``masks(layer)``; default the synthetic ones);
    returns every layer's output.  ``inline_masks`` writes each mask into
    the IR as an explicit tile table (``#attn.tiles``) instead of naming
    it."""
    from attn_ir.dialects.attn import AttentionOp
    from attn_ir.dialects.vitcod.qk_autoencoder import QKDecodeOp, QKEncodeOp

    masks = masks or synthetic_masks(heads)
    t = TensorType(Float32Type(), [batch, heads, tokens, head_dim])
    block = Block(arg_types=[t] * (3 * layers))
    outputs = []
    for layer in range(layers):
        q, k, v = block.args[3 * layer: 3 * layer + 3]
        for arg, role in zip((q, k, v), "qkv"):
            arg.name_hint = f"{role}{layer}"
        if autoencoder:
            decoded = []
            for value, codec, role in zip((q, k), qk_autoencoders(heads, layer), "qk"):
                enc = QKEncodeOp(value, codec)
                dec = QKDecodeOp(enc.output, codec)
                enc.output.name_hint = f"{role}{layer}_encoded"
                dec.output.name_hint = f"{role}{layer}_decoded"
                block.add_ops([enc, dec])
                decoded.append(dec.output)
            q, k = decoded
        pattern = masks(layer)
        if inline_masks:
            pattern = pattern.as_tiles(tokens, tokens)
        op = AttentionOp(q, k, v, pattern)
        op.output.name_hint = f"o{layer}"
        block.add_op(op)
        outputs.append(op.output)
    block.add_op(func.ReturnOp(*outputs))
    return ModuleOp([func.FuncOp(name, (block.arg_types, [t] * layers), Region(block))])


def presets() -> dict:
    from attn_ir.presets import Preset

    def build(preset: Preset, seq_len: int | None, layers: int | None,
              batch: int | None) -> ModuleOp:
        return deit_module(preset.name.replace("-", "_"), preset.heads,
                           layers or preset.layers, batch or preset.batch)

    def pattern(heads: int):
        return lambda layer, n: SyntheticMask(heads, layer, 0, VITCOD_KEPT_PERMILLE)

    fixed = ("DeiT's 197 tokens (14 x 14 patches and the class token) are fixed by the "
             "224 x 224 input; use --layers instead")
    out = {}
    for name, size, heads in (("deit-tiny-vitcod", "Tiny", 3), ("deit-small-vitcod", "Small", 6)):
        hidden = default_hidden(heads, VITCOD_RATIO)
        out[name] = Preset(
            name, f"DeiT-{size} with ViTCoD: synthetic fixed masks, 95 % sparse, and a Q/K "
                  f"auto-encoder ({heads} -> {hidden} heads), 12 layers x {heads} heads, "
                  f"{DEIT_TOKENS} tokens",
            layers=DEIT_LAYERS, heads=heads, head_dim=DEIT_HEAD_DIM, seq_len=DEIT_TOKENS,
            batch=1, pattern=pattern(heads), fixed_seq_len=fixed, builder=build)
    return out


EXTENSION = PresetExtension(presets=presets())
