"""``convert-spatten-to-accel{target=NAME}``: SpAtten's tiled attention and
token selection → ``accel`` kernels (Wang, Zhang, Han, HPCA 2021, Sec. IV).

* ``tile.progressive_attention`` → ``accel.progressive_kernel``.  Per lane
  (batch, listed head, tile of listed query rows): the index lists come
  from the top-k engine (on-chip state); the query rows are gathered at 16
  bits; per tile of ``block_k`` listed keys the DMA gathers the keys' MSB
  rows (``msb_bits`` per element) into the key buffer, the vector unit
  dequantises them and masks by original positions, and the Q x K array
  scores them.  The score row is softmaxed on the vector unit and the
  requantisation check flags rows whose largest probability is below the
  threshold; in lanes with a flagged row (``accel.refetch``) the DMA gathers
  the keys' LSB rows (``lsb_bits`` per element: a separate, smaller
  transfer), the vector unit dequantises MSB + LSB and the rows are scored
  and softmaxed again.  The column sums go to the importance accumulators.
  With local value pruning the top-k engine picks the row's most probable
  keys and only their value MSB rows are gathered; otherwise every listed
  key's value is, tile by tile.  P x V runs on the second array.
* ``attn.topk`` → ``accel.token_kernel`` on the top-k engine (quick-select).
* ``attn.token_importance`` → ``accel.token_kernel`` adding the column sums
  into the importance buffer.
* ``attn.head_importance`` → ``accel.token_kernel`` adding each head's
  output magnitudes into the head-importance buffer (vector unit).

Index bookkeeping (``attn.token_range``, ``attn.gather`` of index lists and
importance, ``attn.scatter`` of results), and ``attn.quantize`` (K and V
are stored quantised by the layer that produces them) stay at the tensor
level: the hardware model runs them on the reference and charges nothing
for them.  A kernel whose buffers
do not fit the target fails with a diagnostic at the op.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from xdsl.context import Context
from xdsl.dialects.builtin import (
    BoolAttr,
    IntegerType,
    ModuleOp,
    TensorType,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from attn_ir.reference import spatten as S
from attn_ir import targets as T
from attn_ir.diagnostics import OpError
from attn_ir.dialects import accel as A
from attn_ir.dialects.spatten import accel as AS
from attn_ir.dialects.spatten import attn as D
from attn_ir.dialects.spatten.tile import TiledProgressiveAttentionOp
from attn_ir.passes.accel_kernel_builder import KernelBody

I1, I64 = IntegerType(1), IntegerType(64)
QUERY_BITS = 16
"""Queries move at 16 bits (the artifact's ``quant_query_bit``)."""


class SpAttenBody(KernelBody):
    """A kernel body with named DRAM arguments and ``with refetch(flags)``
    regions besides steps."""

    def __init__(self, target: T.Target, dram: Sequence[tuple[str, TensorType]]):
        super().__init__(target, [t for _, t in dram], [name for name, _ in dram])

    def refetch(self, flags: SSAValue):
        return self.inside(AS.RefetchOp(flags))


def _elem(value: SSAValue) -> Attribute:
    return cast(TensorType, value.type).element_type


def _softmax(body: SpAttenBody, scores: SSAValue, peak: SSAValue, total: SSAValue,
             scale: float) -> None:
    body.emit(A.ScaleOp, [scores], factor=scale)
    body.emit(A.ReduceOp, [scores, peak], kind="max")
    body.emit(A.ExpOp, [scores, peak])
    body.emit(A.ReduceOp, [scores, total], kind="sum")
    body.emit(A.NormalizeOp, [scores, total])


def progressive_kernel_body(op: TiledProgressiveAttentionOp, target: T.Target) -> SpAttenBody:
    """The lane program of SpAtten's attention (see the module docstring)."""
    b, hk, nq, nk, d, dv = op.dims
    bq, bk = op.block_q.value.data, op.block_k.value.data
    steps = math.ceil(nk / bk)
    padded = steps * bk
    msb, lsb = op.msb_bits.value.data, op.lsb_bits.value.data
    scale = op.scale.value.data
    names = AS.PROGRESSIVE_INPUTS[:len(op.operands)]
    dram = [(n, cast(TensorType, v.type)) for n, v in zip(names, op.operands)]
    dram += [(n, cast(TensorType, r.type)) for n, r in zip(AS.PROGRESSIVE_RESULTS, op.results)]
    body = SpAttenBody(target, dram)
    g = body.dram
    plane = _elem(op.k_msb)
    q_rows = body.buffer("q_rows", [bq], I64)
    q_pos = body.buffer("q_pos", [bq], I64)
    k_rows = body.buffer("k_rows", [nk], I64)
    k_pos = body.buffer("k_pos", [nk], I64)
    k_scale = body.buffer("k_scale", [1])
    v_scale = body.buffer("v_scale", [1])
    q_tile = body.buffer("q_tile", [bq, d])
    key_buffer = body.buffer("key_msb", [padded, d], plane)
    k_tile = body.buffer("k_tile", [bk, d])
    mask = body.buffer("mask", [bq, bk], I1)
    probs = body.buffer("probs", [bq, padded])
    peak = body.buffer("row_max", [bq])
    total = body.buffer("row_sum", [bq])
    flags = body.buffer("requant", [bq], I1)
    colsum = body.buffer("colsum", [padded])
    out = body.buffer("out", [bq, dv])
    body.emit(AS.DmaGatherOp, [g["q_rows"], q_rows, None], tile="lane_list")
    body.emit(AS.DmaGatherOp, [g["q_pos"], q_pos, None], tile="lane_list")
    body.emit(AS.DmaGatherOp, [g["k_rows"], k_rows, None], tile="list")
    body.emit(AS.DmaGatherOp, [g["k_pos"], k_pos, None], tile="list")
    body.emit(AS.DmaGatherOp, [g["k_scale"], k_scale, None], tile="scale")
    body.emit(AS.DmaGatherOp, [g["v_scale"], v_scale, None], tile="scale")
    body.emit(AS.DmaGatherOp, [g["q"], q_tile, q_rows], tile="q", bits=QUERY_BITS)
    with body.step():
        body.emit(AS.DmaGatherOp, [g["k_msb"], key_buffer, k_rows], tile="k_msb", bits=msb,
                  sliced=True)
        body.emit(AS.DequantizeOp, [key_buffer, k_scale, k_tile, None], lsb_bits=lsb,
                  sliced=True)
        body.emit(AS.PositionMaskOp, [q_pos, k_pos, mask])
        body.emit(A.SddmmOp, [q_tile, k_tile, probs, mask], sliced=True, dataflow="ws")
    _softmax(body, probs, peak, total, scale)
    if lsb > 0:
        body.emit(AS.RequantCheckOp, [probs, flags], threshold=op.threshold.value.data)
        with body.refetch(flags):
            k_lsb = body.buffer("key_lsb", [bk, d], plane)
            fine = body.buffer("probs_fine", [bq, padded])
            with body.step():
                body.emit(AS.DmaGatherOp, [g["k_lsb"], k_lsb, k_rows], tile="k_lsb", bits=lsb)
                body.emit(AS.DequantizeOp, [key_buffer, k_scale, k_tile, k_lsb],
                          lsb_bits=lsb, sliced=True)
                body.emit(AS.PositionMaskOp, [q_pos, k_pos, mask])
                body.emit(A.SddmmOp, [q_tile, k_tile, fine, mask], sliced=True, dataflow="ws")
            _softmax(body, fine, peak, total, scale)
            body.emit(AS.SelectRowsOp, [flags, fine, probs])
    else:
        body.emit(A.FillOp, [flags], value=0.0)
    body.emit(A.FillOp, [colsum], value=0.0)
    body.emit(AS.ColumnSumOp, [probs, colsum])
    body.emit(AS.DmaStoreRowsOp, [colsum, g["colsum"]], tile="colsum")
    body.emit(AS.DmaStoreRowsOp, [flags, g["requant"]], tile="requant")
    if op.value_keep is not None:
        kept = S.value_keep_count(nk, op.value_keep.value.data)
        chosen = body.buffer("chosen", [bq, kept], I64)
        v_rows = body.buffer("v_rows", [kept], I64)
        p_kept = body.buffer("probs_kept", [bq, kept])
        v_msb = body.buffer("value_msb", [kept, dv], plane)
        v_tile = body.buffer("v_tile", [kept, dv])
        body.emit(AS.TopKInstrOp, [probs, chosen], k=kept, count=nk)
        body.emit(AS.SelectOp, [k_rows, chosen, v_rows])
        body.emit(AS.SelectOp, [probs, chosen, p_kept])
        body.emit(AS.DmaGatherOp, [g["v_msb"], v_msb, v_rows], tile="v_msb", bits=msb)
        body.emit(AS.DequantizeOp, [v_msb, v_scale, v_tile, None], lsb_bits=lsb)
        body.emit(A.SpmmOp, [p_kept, v_tile, out], dataflow="ws")
    else:
        v_msb = body.buffer("value_msb", [bk, dv], plane)
        v_tile = body.buffer("v_tile", [bk, dv])
        body.emit(A.FillOp, [out], value=0.0)
        with body.step():
            body.emit(AS.DmaGatherOp, [g["v_msb"], v_msb, k_rows], tile="v_msb", bits=msb)
            body.emit(AS.DequantizeOp, [v_msb, v_scale, v_tile, None], lsb_bits=lsb)
            body.emit(A.SpmmOp, [probs, v_tile, out], sliced=True, dataflow="ws")
    body.emit(AS.DmaStoreRowsOp, [out, g["o"]], tile="o", bits=target.elem_bits)
    return body


def check_buffers(kernel: AS.RegionKernel, anchor: Operation) -> None:
    target = kernel.target.target
    sizes = A.buffer_bytes(kernel)
    total = sum(sizes.values())
    if total > target.buffer_bytes:
        name, largest = max(sizes.items(), key=lambda kv: kv[1])
        raise OpError(anchor, f"buffers do not fit target '{target.name}': buffer '{name}' "
                              f"needs {largest} bytes, all buffers need {total} bytes, "
                              f"{target.buffer_bytes} bytes are available")


@dataclass
class LowerProgressiveAttention(RewritePattern):
    target: A.TargetAttr

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: TiledProgressiveAttentionOp,
                          rewriter: PatternRewriter) -> None:
        body = progressive_kernel_body(op, self.target.target)
        props: dict[str, Attribute] = {
            name: getattr(op, name) for name in (
                "pattern", "block_q", "block_k", "msb_bits", "lsb_bits", "threshold",
                "context", "scale")}
        props["target"] = self.target
        props["double_buffer"] = BoolAttr.from_bool(True)
        if op.value_keep is not None:
            props["value_keep"] = op.value_keep
        kernel = AS.ProgressiveKernelOp(list(op.operands), props,
                                        [r.type for r in op.results], body.region())
        for new, old in zip(kernel.results, op.results):
            new.name_hint = old.name_hint
        check_buffers(kernel, op)
        rewriter.replace(op, kernel)


def _token_kernel(inputs: Sequence[SSAValue], result: TensorType, target: A.TargetAttr,
                  fill) -> AS.TokenKernelOp:
    dram = [(f"in{n}", cast(TensorType, v.type)) for n, v in enumerate(inputs)]
    body = SpAttenBody(target.target, [*dram, ("out", result)])
    fill(body)
    return AS.TokenKernelOp(list(inputs), target, [result], body.region())


@dataclass
class LowerTopK(RewritePattern):
    target: A.TargetAttr

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: D.TopKOp, rewriter: PatternRewriter) -> None:
        n = cast(TensorType, op.scores.type).get_shape()[1]
        k = op.count

        def fill(body: SpAttenBody) -> None:
            scores = body.buffer("scores", [1, n], _elem(op.scores))
            best = body.buffer("best", [1, k], I64)
            body.emit(AS.DmaGatherOp, [body.dram["in0"], scores, None], tile="list")
            body.emit(AS.TopKInstrOp, [scores, best], k=k)
            body.emit(AS.DmaStoreRowsOp, [best, body.dram["out"]], tile="list")

        kernel = _token_kernel([op.scores], cast(TensorType, op.output.type), self.target, fill)
        kernel.outputs[0].name_hint = op.output.name_hint
        rewriter.replace(op, kernel)


def _importance_kernel(op: D.TokenImportanceOp | D.HeadImportanceOp, source: SSAValue,
                       positions: SSAValue, names: tuple[str, str],
                       instruction: type[A.InstructionOp],
                       target: A.TargetAttr) -> AS.TokenKernelOp:
    """A token kernel adding what ``instruction`` reduces from ``source``
    (per batch, on-chip state) into an importance buffer at ``positions``
    (original indices), on top of ``op.into`` when given; ``names``: the
    buffers of ``source`` and ``positions``."""
    source_shape = cast(TensorType, source.type).get_shape()[1:]
    size = cast(TensorType, op.output.type).get_shape()[1]
    inputs = [source, positions] + ([op.into] if op.into is not None else [])

    def fill(body: SpAttenBody) -> None:
        values = body.buffer(names[0], list(source_shape), _elem(source))
        index = body.buffer(names[1], [cast(TensorType, positions.type).get_shape()[1]], I64)
        importance = body.buffer("importance", [size], _elem(op.output))
        body.emit(AS.DmaGatherOp, [body.dram["in0"], values, None], tile="batch")
        body.emit(AS.DmaGatherOp, [body.dram["in1"], index, None], tile="list")
        if op.into is not None:
            body.emit(AS.DmaGatherOp, [body.dram["in2"], importance, None], tile="list")
        else:
            body.emit(A.FillOp, [importance], value=0.0)
        body.emit(instruction, [values, index, importance])
        body.emit(AS.DmaStoreRowsOp, [importance, body.dram["out"]], tile="list")

    kernel = _token_kernel(inputs, cast(TensorType, op.output.type), target, fill)
    kernel.outputs[0].name_hint = op.output.name_hint
    return kernel


@dataclass
class LowerTokenImportance(RewritePattern):
    target: A.TargetAttr

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: D.TokenImportanceOp, rewriter: PatternRewriter) -> None:
        rewriter.replace(op, _importance_kernel(op, op.colsum, op.k_pos, ("colsum", "k_pos"),
                                                AS.ImportanceAddOp, self.target))


@dataclass
class LowerHeadImportance(RewritePattern):
    """``attn.head_importance`` → a token kernel: the vector unit adds each
    head's output magnitudes into the head-importance buffer.  The outputs
    are read as on-chip state (SpAtten accumulates them as the attention
    produces them, Sec. III-A): vector-unit cycles, no DRAM."""

    target: A.TargetAttr

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: D.HeadImportanceOp, rewriter: PatternRewriter) -> None:
        rewriter.replace(op, _importance_kernel(op, op.input, op.heads, ("outputs", "heads"),
                                                AS.HeadImportanceAddOp, self.target))


@dataclass(frozen=True)
class ConvertSpAttenToAccelPass(ModulePass):
    name = "convert-spatten-to-accel"

    target: str = "spatten"

    def __post_init__(self):
        A.target_from_option(self.target, "convert-spatten-to-accel")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = A.target_from_option(self.target, "convert-spatten-to-accel")
        for pattern in (LowerProgressiveAttention(target), LowerTopK(target),
                        LowerTokenImportance(target), LowerHeadImportance(target)):
            PatternRewriteWalker(pattern, apply_recursively=False).rewrite_module(op)
