"""Presets of Sparse Flash Attention's causal long-context models (listed in
its ``EXTENSION``).

Pagliardini et al. 2023 ("Faster Causal Attention Over Large Sequences
Through Sparse Flash Attention", Section 4) train GPT-2-small-like
language models — 12 layers, 12 heads of 64 — on OpenWebText2 at 8k and
16k tokens, every layer's attention replaced by hash-based attention (8,
16 or 32 buckets, one set of random rotations per head) or by
QK-dropping (30, 50 or 70 % of the queries and keys dropped per head).

* ``gpt2-8k-hash``: hash attention with 8 buckets in every layer, each
  layer hashing with its own seed (its own rotations), 8192 tokens;
* ``gpt2-8k-qkdrop``: 50 % of the queries and of the keys dropped per head,
  drawn at random per layer (``attn.keep_random``; the paper learns which
  to drop, its runtime study drops at random), 8192 tokens.

Like the other presets, layers are independent: each has its own q, k, v
arguments (``tensor<Bx12xNx64xf32>``) and the function returns every
layer's output.
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import Float32Type, ModuleOp, TensorType, i32
from xdsl.ir import Block, Region

from attn_ir.dialects.sparse_flash import attn as D
from attn_ir.presets import PresetExtension

HASH_BUCKETS = 8
DROPPED = 0.5


def build_sparse_flash_module(name: str, kind: str, *, layers: int, heads: int,
                              head_dim: int, seq_len: int, batch: int) -> ModuleOp:
    """``func.func @<name>(%q0, %k0, %v0, ...)``: per layer, hash attention
    (``kind = "hash"``) or QK-dropping (``"qkdrop"``) of that layer's
    arguments."""
    t = TensorType(Float32Type(), [batch, heads, seq_len, head_dim])
    block = Block(arg_types=[t] * (3 * layers))
    outputs = []
    keep = seq_len - int(round(seq_len * DROPPED))
    for layer in range(layers):
        q, k, v = block.args[3 * layer:3 * layer + 3]
        for arg, role in zip((q, k, v), "qkv"):
            arg.name_hint = f"{role}{layer}"
        if kind == "hash":
            op = D.HashAttentionOp(q, k, v, HASH_BUCKETS, seed=layer)
        else:
            keep_type = TensorType(i32, [batch, heads, keep])
            qk = D.KeepRandomOp(keep_type, seq_len, 2 * layer)
            kk = D.KeepRandomOp(keep_type, seq_len, 2 * layer + 1)
            qk.keep.name_hint, kk.keep.name_hint = f"q_keep{layer}", f"k_keep{layer}"
            block.add_ops([qk, kk])
            op = D.QKDropAttentionOp(q, k, v, qk.keep, kk.keep)
        op.output.name_hint = f"o{layer}"
        block.add_op(op)
        outputs.append(op.output)
    block.add_op(func.ReturnOp(*outputs))
    function = func.FuncOp(name.replace("-", "_"), (block.arg_types, [t] * layers),
                           Region(block))
    return ModuleOp([function])


def presets() -> dict:
    from attn_ir.presets import Preset
    from attn_ir.presets.core import gpt2_pattern

    def builder(kind: str):
        def build(preset: Preset, seq_len: int | None, layers: int | None,
                  batch: int | None) -> ModuleOp:
            return build_sparse_flash_module(
                preset.name, kind, layers=layers or preset.layers, heads=preset.heads,
                head_dim=preset.head_dim, seq_len=seq_len or preset.seq_len,
                batch=batch or preset.batch)
        return build

    return {
        "gpt2-8k-hash": Preset(
            "gpt2-8k-hash",
            f"Sparse Flash Attention LM: causal hash attention, {HASH_BUCKETS} buckets, "
            "12 layers x 12 heads, 8192 tokens",
            layers=12, heads=12, head_dim=64, seq_len=8192, batch=1, pattern=gpt2_pattern,
            builder=builder("hash")),
        "gpt2-8k-qkdrop": Preset(
            "gpt2-8k-qkdrop",
            f"Sparse Flash Attention LM: causal QK-dropping, {int(DROPPED * 100)} % of "
            "queries and keys dropped per head, 12 layers x 12 heads, 8192 tokens",
            layers=12, heads=12, head_dim=64, seq_len=8192, batch=1, pattern=gpt2_pattern,
            min_seq_len=2, builder=builder("qkdrop")),
    }


EXTENSION = PresetExtension(presets=presets())
