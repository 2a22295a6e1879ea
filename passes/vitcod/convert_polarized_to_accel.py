"""``convert-polarized-to-accel{target=vitcod}``: a polarised attention (the
output of ``attn-polarize``) → one ``accel.kernel`` on ViTCoD's engines (You
et al., HPCA 2023, Sec. V, Fig. 9; its simulator's dataflow).

The pattern matched is ``attn.softmax_merge`` of a dense and a sparse
``attn.partial_attention`` over ``attn.permute_keys`` of the same K and V;
when Q or K come from ``attn.qk_decode``, the kernel reads the compressed
tensors and decodes on chip (the CODEC unit), so DRAM sees the compressed
ones.  The kernel's lanes hold every head (``lane_heads = H``): one lane
per batch element, whose steps stream the tokens, one per step (one DRAM
transaction each for the token's Q, K and V, every head), decoding Q and K
as they arrive.  When a lane's buffers for every head do not fit the
target, lanes take fewer heads (the largest divisor of H that fits; each
lane then loads all of a token's compressed heads, which its decoder mixes).  The epilogue runs the denser engine (``accel.dense_sddmm``,
``accel.dense_spmm`` on PE2D) beside the sparser one (``accel.coo_sddmm``,
``accel.coo_spmm`` on PE2D_SPARSE), each part's softmax on the vector unit,
the online-softmax merge, and stores the output.

ViTCoD's dynamic PE allocation: the ``pe_rows`` rows of the array are split
between the engines in proportion to their work (dense: every query against
the dense columns; sparse: the COO pairs), at least one row each, as its
simulator does (``dense_PE_width = int(PE_width * dense_ratio)``).  Data
buffers hold 8-bit values (the target's ``elem_bits``), row statistics f32.
A kernel whose buffers exceed the target fails at the op.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from xdsl.context import Context
from xdsl.dialects.builtin import (
    ArrayAttr,
    BoolAttr,
    FloatAttr,
    IntAttr,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    StringAttr,
    TensorType,
    f32,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint

from attn_ir import patterns as P
from attn_ir import targets as T
from attn_ir.dialects import accel as A
from attn_ir.dialects.vitcod import accel as V
from attn_ir.dialects.attn import PatternAttr
from attn_ir.dialects.vitcod.attn import PartialAttentionOp, PermuteKeysOp, SoftmaxMergeOp
from attn_ir.dialects.vitcod.qk_autoencoder import QKDecodeOp
from attn_ir.dialects.tile import tile_tables
from attn_ir.diagnostics import OpError
from attn_ir.dialects.accel import buffer_bytes
from attn_ir.passes.accel_kernel_builder import KernelBody, check_buffers
from attn_ir.patterns.vitcod.polarization import PolarPart, polarize_heads


@dataclass(frozen=True)
class PolarizedAttention:
    """The ops of one polarised attention, as ``attn-polarize`` emits them."""

    merge: SoftmaxMergeOp
    dense: PartialAttentionOp
    sparse: PartialAttentionOp
    permutes: tuple[PermuteKeysOp, PermuteKeysOp]
    part: PolarPart
    """The dense part (its source and threshold name the polarisation)."""


def _partial(value: SSAValue) -> PartialAttentionOp | None:
    owner = value.owner
    return owner if isinstance(owner, PartialAttentionOp) else None


def recognise(merge: SoftmaxMergeOp) -> PolarizedAttention | None:
    a, b = _partial(merge.out_a), _partial(merge.out_b)
    if a is None or b is None or _partial(merge.lse_a) is not a or _partial(merge.lse_b) is not b:
        return None
    pa, pb = a.pattern.pattern, b.pattern.pattern
    if not isinstance(pa, PolarPart) or not isinstance(pb, PolarPart):
        return None
    if pa.part == "sparse":
        a, b, pa, pb = b, a, pb, pa
    if (pa.part, pb.part) != ("dense", "sparse") or (pa.source, pa.threshold) != (
            pb.source, pb.threshold):
        return None
    if (a.format.data, b.format.data) != ("dense", "coo"):
        return None
    if (a.q, a.k, a.v) != (b.q, b.k, b.v) or a.scale_value != b.scale_value:
        return None
    permutes = []
    for value in (a.k, a.v):
        perm = value.owner
        if not isinstance(perm, PermuteKeysOp):
            return None
        pp = perm.pattern.pattern
        if (pp.source, pp.threshold) != (pa.source, pa.threshold):
            return None
        permutes.append(perm)
    return PolarizedAttention(merge, a, b, (permutes[0], permutes[1]), pa)


class _Body(KernelBody):
    def op(self, cls: type[A.InstructionOp], operands, **props) -> A.InstructionOp:
        """Append an instruction; properties may be attributes, its unit is
        the target's for its kind."""
        properties: dict[str, Attribute] = {}
        for key, value in props.items():
            if isinstance(value, Attribute):
                properties[key] = value
            elif isinstance(value, bool):
                properties[key] = BoolAttr.from_bool(value)
            elif isinstance(value, int):
                properties[key] = IntegerAttr(value, 64)
            elif isinstance(value, float):
                properties[key] = FloatAttr(value, 64)
            else:
                properties[key] = StringAttr(value)
        op = cls.build(operands=list(operands), properties=properties)
        op.properties["unit"] = StringAttr(self.target.unit_of(op.latency_kind))
        self._current.add_op(op)
        return op


def engine_rows(target: T.Target, dense_work: int, sparse_work: int) -> tuple[int, int]:
    """(dense, sparse) PE rows: ViTCoD's split in proportion to the work."""
    total = dense_work + sparse_work
    dense = int(target.pe_rows * dense_work / total) if total else target.pe_rows // 2
    if dense_work:
        dense = max(1, dense)
    dense = min(dense, target.pe_rows - 1)
    return max(1, dense), max(1, target.pe_rows - dense)


def index_bits(tokens: int) -> int:
    """Bits of a token index: 8 up to 256 tokens, else whole bytes."""
    return 8 * max(1, -(-max(1, (tokens - 1).bit_length()) // 8))


def polarized_kernel(found: PolarizedAttention, target_attr: A.TargetAttr,
                     lane_heads: int | None = None) -> tuple[A.KernelOp, list[Operation]]:
    """The kernel of a polarised attention, with ``lane_heads`` heads per
    lane (default: every head), and the ops it replaces."""
    target = target_attr.target
    dense, sparse = found.dense, found.sparse
    k_in, v_in = (p.input for p in found.permutes)
    q_dec = dense.q.owner if isinstance(dense.q.owner, QKDecodeOp) else None
    k_dec = k_in.owner if isinstance(k_in.owner, QKDecodeOp) else None
    q_src = q_dec.input if q_dec else dense.q
    k_src = k_dec.input if k_dec else k_in
    out_type = cast(TensorType, found.merge.output.type)
    b, heads, n, dv = out_type.get_shape()
    h = heads if lane_heads is None else lane_heads
    nk = cast(TensorType, k_in.type).get_shape()[2]
    d = cast(TensorType, dense.q.type).get_shape()[3]
    part = found.part
    split = polarize_heads(part.source, n, nk, heads, part.threshold)
    g = max(s.dense for s in split)
    z = max(s.sparse_nnz for s in split)
    rows_dense, rows_sparse = engine_rows(
        target, sum(n * s.dense for s in split), sum(s.sparse_nnz for s in split))
    dense_part = PatternAttr.from_pattern(part)
    sparse_part = PatternAttr.from_pattern(PolarPart(part.source, part.threshold, "sparse"))
    bits = target.elem_bits
    data = IntegerType(max(8, bits))
    types = [cast(TensorType, x.type) for x in (q_src, k_src, v_in)] + [out_type]
    body = _Body(target, types)
    dram = body.dram
    decoders = {}
    for role, dec in (("q", q_dec), ("k", k_dec)):
        if dec is not None:
            codec = dec.autoencoder.codec
            w = body.buffer(f"{role}_decoder", [h, codec.hidden + 1], data)
            body.op(V.LoadCodecOp, [w], autoencoder=dec.autoencoder, bits=bits)
            decoders[role] = (dec, w)
    index = body.buffer("index", [h, g + 2 * z], IntegerType(index_bits(max(n, nk))))
    body.op(V.LoadCooOp, [index], pattern=sparse_part, bits=index_bits(max(n, nk)))
    q = body.buffer("q_rows", [h, n, d], data)
    k = body.buffer("k_rows", [h, nk, d], data)
    v = body.buffer("v_rows", [h, nk, dv], data)
    with body.step():
        for role, full in (("q", q), ("k", k)):
            if role in decoders:
                dec, w = decoders[role]
                hidden = dec.autoencoder.codec.hidden
                token = body.buffer(f"{role}_encoded", [hidden, 1, d], data)
                body.op(V.LoadTokensOp, [dram[role], token], tile=role, bits=bits, sliced=True)
                body.op(V.QKDecodeInstrOp, [token, w, full], sliced=True)
            else:
                body.op(V.LoadTokensOp, [dram[role], full], tile=role, bits=bits, sliced=True)
        body.op(V.LoadTokensOp, [dram["v"], v], tile="v", bits=bits, sliced=True)
    dense_scores = body.buffer("dense_scores", [h, n, max(1, g)], data)
    sparse_scores = body.buffer("sparse_scores", [h, max(1, z)], data)
    stats = {name: body.buffer(name, [h, n], f32)
             for name in ("dense_max", "dense_sum", "sparse_max", "sparse_sum")}
    dense_out = body.buffer("dense_out", [h, n, dv], data)
    sparse_out = body.buffer("sparse_out", [h, n, dv], data)
    scale = dense.scale_value
    body.op(V.DenseSddmmOp, [q, k, index, dense_scores], pattern=dense_part,
            engine_rows=rows_dense, scale=scale)
    body.op(V.CooSddmmOp, [q, k, index, sparse_scores], pattern=sparse_part,
            engine_rows=rows_sparse, scale=scale)
    body.op(V.RowSoftmaxOp, [dense_scores, index, stats["dense_max"], stats["dense_sum"]],
            pattern=dense_part)
    body.op(V.RowSoftmaxOp, [sparse_scores, index, stats["sparse_max"], stats["sparse_sum"]],
            pattern=sparse_part)
    body.op(V.DenseSpmmOp, [dense_scores, v, index, dense_out], pattern=dense_part,
            engine_rows=rows_dense)
    body.op(V.CooSpmmOp, [sparse_scores, v, index, sparse_out], pattern=sparse_part,
            engine_rows=rows_sparse)
    # The merge writes over the dense part's output (the buffer is the
    # output SRAM's, which holds two outputs and the scores, not three).
    body.op(V.SoftmaxMergeInstrOp, [dense_out, stats["dense_max"], stats["dense_sum"],
                                    sparse_out, stats["sparse_max"], stats["sparse_sum"],
                                    dense_out])
    body.op(V.StoreTokensOp, [dense_out, dram["o"]], bits=bits)
    tables = tile_tables(P.Dense(), n, nk, 1, n, 1)
    iteration = A.BlocksAttr(IntAttr(n), IntAttr(1), ArrayAttr(tables))
    kernel = A.KernelOp([q_src, k_src, v_in], target_attr, iteration,
                        PatternAttr.from_pattern(part.source), FloatAttr(scale, 64), out_type,
                        body.region(), schedule="vitcod")
    kernel.properties["lane_heads"] = IntegerAttr(h, 64)
    kernel.output.name_hint = found.merge.output.name_hint
    replaced: list[Operation] = [found.merge, dense, sparse, *found.permutes]
    replaced += [d for d in (q_dec, k_dec) if d is not None]
    return kernel, replaced


class LowerPolarizedAttention(RewritePattern):
    def __init__(self, target: A.TargetAttr):
        self.target = target

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: SoftmaxMergeOp, rewriter: PatternRewriter) -> None:
        found = recognise(op)
        if found is None or op.lse.uses:
            return
        _, heads, nq, _ = cast(TensorType, op.output.type).get_shape()
        nk = cast(TensorType, found.permutes[0].input.type).get_shape()[2]
        if nq != nk:
            # ViTCoD loads the Q, K and V rows of one token together.
            raise OpError(op, "ViTCoD schedules self-attention: the query and key "
                              f"lengths must be equal, got {nq} and {nk}")
        for group in [g for g in range(heads, 0, -1) if heads % g == 0]:
            kernel, replaced = polarized_kernel(found, self.target, group)
            if sum(buffer_bytes(kernel).values()) <= self.target.target.buffer_bytes:
                break
        check_buffers(kernel, op)  # with one head per lane, when nothing fits
        rewriter.insert(kernel, InsertPoint.before(op))
        rewriter.replace_all_uses_with(op.output, kernel.output)
        for dead in replaced:
            if dead.parent is not None and not any(r.uses for r in dead.results):
                rewriter.erase(dead)


@dataclass(frozen=True)
class ConvertPolarizedToAccelPass(ModulePass):
    name = "convert-polarized-to-accel"

    target: str = "vitcod"

    def __post_init__(self):
        A.target_from_option(self.target, "convert-polarized-to-accel")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = A.target_from_option(self.target, "convert-polarized-to-accel")
        PatternRewriteWalker(LowerPolarizedAttention(target),
                             apply_recursively=False).rewrite_module(op)
