"""Presets of SpAtten's pruned, progressively quantised models: GPT-2 small
decoding and BERT-base, as ``attn`` IR with the ops of
``attn_ir.dialects.spatten.attn`` (Wang, Zhang, Han, HPCA 2021).

``gpt2-spatten`` is the generation stage the paper and its artifact
evaluate: after a prompt, each of ``iterations`` decoding steps sends one
query per layer and head through the 12 layers; the prompt's and the
generated tokens' K and V (the arguments ``k<l>``, ``v<l>``, ``[1, 12,
context, 64]``) are stored quantised, and ``q<l>`` ``[1, 12, iterations,
64]`` holds the steps' queries.  Step t attends the ``context - iterations
+ t + 1`` tokens before it (causal); within a step, layers prune tokens in
cascade by their accumulated importance.  The function returns each
layer's outputs (``[1, 12, iterations, 64]``), each layer's requantised
rows (``[1, 12, iterations]``, i1) and the final token importance.

``bert-base-spatten`` runs the encoder once over all tokens: token pruning
removes queries and keys, head pruning removes heads, both in cascade; the
outputs are scattered back to ``[1, 12, 512, 64]`` (pruned tokens and heads
give 0).

The schedules (``SpAttenSchedule``) are parameters of the presets:
``GPT2_SCHEDULE`` reproduces the artifact's GPT-2 small WikiText-2 run,
``BERT_SCHEDULE`` is this project's documented default.
"""

from __future__ import annotations

from typing import cast

from xdsl.dialects import func
from xdsl.dialects.builtin import Float32Type, IntegerType, ModuleOp, TensorType
from xdsl.ir import Block, Region, SSAValue

from attn_ir import patterns as P
from attn_ir.dialects.spatten import attn as D
from attn_ir.reference.spatten import SpAttenSchedule
from attn_ir.presets import PresetExtension

GPT2_SCHEDULE = SpAttenSchedule(
    token_keep=(0.9, 0.7, 0.2, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1),
    head_keep=(1.0,) * 12,
    value_keep=0.2, msb_bits=6, lsb_bits=4, threshold=0.05,
    iterations=32, prune_from=1,
)
"""GPT-2 small on WikiText-2 as the artifact runs it
(spatten_hardware/hardware/workloads/summary-gpt2-small-wikitext2-per8.csv,
config ``gpt2_pp11+...+qlinear_k6b_v6b_q16b_sym+requant0p05_inc4_k+...``):
32 decoding steps over 993..1024 tokens; from step 1 on, layer l fetches
floor(keep[l] * 1024) keys (921, 716, 204 x 4, 102 x 6: the trace's
key_fetch_num), no head pruning; values of the 20 % most probable keys per
row (value_fetch_num = floor(0.2 * keys)); K and V stored as 6 MSBs + 4
LSBs, key LSBs refetched when a row's largest probability is below 0.05;
queries at 16 bits.  The trace fetches 27.61 % of the keys and 5.49 % of
the values and refetches 323 of 4608 rows."""

BERT_SCHEDULE = SpAttenSchedule(
    token_keep=(1.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.3),
    head_keep=(1.0,) * 6 + (0.75,) * 6,
    value_keep=None, msb_bits=6, lsb_bits=4, threshold=0.05,
)
"""BERT-base: the paper prunes tokens and heads of BERT per GLUE task with
tuned ratios it does not tabulate; this default keeps every token in the
first two layers and then shrinks to 30 % by layer 10, keeps 9 of 12 heads
in the last six layers, and quantises as the GPT-2 setting does (6 + 4 bits,
threshold 0.05) without local value pruning."""

DENSE_12BIT = SpAttenSchedule(
    token_keep=(1.0,) * 12, head_keep=(1.0,) * 12, value_keep=None,
    msb_bits=12, lsb_bits=0, threshold=0.0, iterations=32, prune_from=1,
)
"""The paper's baseline for GPT-2: no pruning, K and V fetched whole at the
12-bit datapath width, no refetch."""


def _f32(shape) -> TensorType:
    return TensorType(Float32Type(), list(shape))


class _Builder:
    """Appends ops to one block, naming results."""

    def __init__(self, block: Block):
        self.block = block

    def add(self, op, *names: str):
        self.block.add_op(op)
        for result, name in zip(op.results, names):
            if name:
                result.name_hint = name
        return op.results[0] if len(op.results) == 1 else op.results

    def token_range(self, batch: int, start: int, count: int, name: str) -> SSAValue:
        return self.add(D.TokenRangeOp(batch, start, count), name)

    def gather(self, source: SSAValue, index: SSAValue, dim: int, name: str = "") -> SSAValue:
        return self.add(D.GatherOp(source, index, dim), name)

    def prune(self, importance: SSAValue | None, kept: SSAValue, count: int,
              name: str) -> SSAValue:
        """The ``count`` most important of the listed ``kept`` (unchanged
        when that keeps them all or nothing has been measured yet)."""
        listed = cast(TensorType, kept.type).get_shape()[1]
        if importance is None or count >= listed:
            return kept
        scores = self.gather(importance, kept, 1, f"{name}_scores")
        best = self.add(D.TopKOp(scores, k=count), f"{name}_best")
        return self.gather(kept, best, 1, name)


def build_spatten_module(name: str, schedule: SpAttenSchedule, *, layers: int, heads: int,
                         head_dim: int, context: int, batch: int = 1,
                         iterations: int | None = None) -> ModuleOp:
    """IR of a SpAtten-pruned model (see the module docstring): a decoder
    with ``iterations`` steps (the schedule's by default) or, with 0, an
    encoder pass over ``context`` tokens."""
    steps = schedule.iterations if iterations is None else iterations
    pattern = P.Causal() if steps else P.Dense()
    queries = steps if steps else context
    arg_types = []
    for _ in range(layers):
        arg_types += [_f32((batch, heads, queries, head_dim)),
                      _f32((batch, heads, context, head_dim)),
                      _f32((batch, heads, context, head_dim))]
    block = Block(arg_types=arg_types)
    b = _Builder(block)
    planes = []
    for layer in range(layers):
        q, k, v = block.args[3 * layer: 3 * layer + 3]
        for arg, role in zip((q, k, v), "qkv"):
            arg.name_hint = f"{role}{layer}"
        km, kl, ks = b.add(D.QuantizeOp(k, schedule.msb_bits, schedule.lsb_bits),
                           f"k{layer}_msb", f"k{layer}_lsb", f"k{layer}_scale")
        vm, _, vs = b.add(D.QuantizeOp(v, schedule.msb_bits, schedule.lsb_bits),
                          f"v{layer}_msb", "", f"v{layer}_scale")
        planes.append((q, km, kl, ks, vm, vs))
    out_type = _f32((batch, heads, queries, head_dim))
    flag_type = TensorType(IntegerType(1), [batch, heads, queries])
    outputs: list[SSAValue | None] = [None] * layers
    flags: list[SSAValue | None] = [None] * layers
    importance: SSAValue | None = None
    head_importance: SSAValue | None = None
    prunes_heads = any(k < 1 for k in schedule.head_keep)
    all_heads = b.token_range(batch, 0, heads, "heads") if prunes_heads else None
    for step in range(max(1, steps)):
        position = context - steps + step if steps else 0
        candidates = position + 1 if steps else context
        kept = b.token_range(batch, 0, candidates, f"tokens_s{step}" if steps else "tokens")
        listed_heads = all_heads
        if steps:
            q_pos = b.token_range(batch, position, 1, f"qpos_s{step}")
            q_row = b.token_range(batch, step, 1, f"qrow_s{step}")
        pruning = step >= schedule.prune_from
        for layer in range(layers):
            tag = f"s{step}_l{layer}" if steps else f"l{layer}"
            if pruning:
                kept = b.prune(importance, kept,
                               schedule.token_count(layer, context, candidates), f"tokens_{tag}")
                if prunes_heads:
                    listed_heads = b.prune(head_importance, listed_heads,
                                           schedule.head_count(layer, heads, heads),
                                           f"heads_{tag}")
            q, km, kl, ks, vm, vs = planes[layer]
            pruned_heads = listed_heads is not all_heads
            if pruned_heads:
                q, km, kl, vm, ks, vs = (b.gather(x, listed_heads, 1)
                                         for x in (q, km, kl, vm, ks, vs))
            if steps:
                q = b.gather(q, q_row, 2, f"q_{tag}")
            else:
                q = b.gather(q, kept, 2, f"q_{tag}")
                q_pos = kept
            km, kl, vm = (b.gather(x, kept, 2, f"{role}_{tag}")
                          for x, role in ((km, "kmsb"), (kl, "klsb"), (vm, "vmsb")))
            o, colsum, requant = b.add(D.ProgressiveAttentionOp(
                [q, km, kl, ks, vm, vs, q_pos, kept], pattern, msb_bits=schedule.msb_bits,
                lsb_bits=schedule.lsb_bits, threshold=schedule.threshold, context=context,
                value_keep=schedule.value_keep,
                heads=listed_heads if pruned_heads else None),
                f"o_{tag}", f"colsum_{tag}", f"requant_{tag}")
            importance = b.add(D.TokenImportanceOp(colsum, kept, context, into=importance),
                               f"importance_{tag}")
            if prunes_heads:
                head_importance = b.add(D.HeadImportanceOp(
                    o, listed_heads, heads, into=head_importance), f"head_importance_{tag}")
            if steps:
                o = b.add(D.ScatterOp(o, q_row, 2, out_type, into=outputs[layer]), f"o{layer}")
                requant = b.add(D.ScatterOp(requant, q_row, 2, flag_type, into=flags[layer]),
                                f"requant{layer}")
            else:
                listed = heads if listed_heads is None else len_of(listed_heads)
                rows_type = TensorType(cast(TensorType, o.type).element_type,
                                       [batch, listed, queries, head_dim])
                rows_flags = TensorType(IntegerType(1), [batch, listed, queries])
                o = b.add(D.ScatterOp(o, kept, 2, rows_type), "")
                requant = b.add(D.ScatterOp(requant, kept, 2, rows_flags), "")
                if pruned_heads:
                    o = b.add(D.ScatterOp(o, listed_heads, 1, out_type), "")
                    requant = b.add(D.ScatterOp(requant, listed_heads, 1, flag_type), "")
                o.name_hint, requant.name_hint = f"o{layer}", f"requant{layer}"
            outputs[layer], flags[layer] = o, requant
    assert importance is not None
    results = [*outputs, *flags, importance]
    block.add_op(func.ReturnOp(*results))
    function = func.FuncOp(name.replace("-", "_"), (block.arg_types, [r.type for r in results]),
                           Region(block))
    return ModuleOp([function])


def len_of(index_list: SSAValue) -> int:
    return cast(TensorType, index_list.type).get_shape()[1]


def gpt2_spatten_description() -> str:
    return ("GPT-2 small decoding with SpAtten: cascade token pruning, local value "
            "pruning, 6+4-bit progressive quantisation, 32 steps, 12 layers x 12 heads")


def presets() -> dict:
    from attn_ir.presets import Preset
    from attn_ir.presets.core import bert_pattern, gpt2_pattern

    def builder(schedule: SpAttenSchedule):
        def build(preset: Preset, seq_len: int | None, layers: int | None,
                  batch: int | None) -> ModuleOp:
            return build_spatten_module(
                preset.name, schedule, layers=layers or preset.layers, heads=preset.heads,
                head_dim=preset.head_dim, context=seq_len or preset.seq_len,
                batch=batch or preset.batch)
        return build

    return {
        "gpt2-spatten": Preset(
            "gpt2-spatten", gpt2_spatten_description(), layers=12, heads=12, head_dim=64,
            seq_len=1024, batch=1, pattern=gpt2_pattern,
            min_seq_len=GPT2_SCHEDULE.iterations + 1, builder=builder(GPT2_SCHEDULE)),
        "bert-base-spatten": Preset(
            "bert-base-spatten",
            "BERT base with SpAtten: cascade token and head pruning, 6+4-bit progressive "
            "quantisation, 12 layers x 12 heads, 512 tokens",
            layers=12, heads=12, head_dim=64, seq_len=512, batch=1, pattern=bert_pattern,
            builder=builder(BERT_SCHEDULE)),
    }


EXTENSION = PresetExtension(presets=presets())
