"""SpAtten's kernels and instructions in the ``accel`` dialect (Wang, Zhang,
Han, HPCA 2021, Sec. IV; the artifact's RTL in github.com/mit-han-lab/spatten).

``accel.progressive_kernel`` runs one ``tile.progressive_attention``.  Lanes
are (batch, listed head, tile of ``block_q`` listed query rows).  Its body
is the lane's program, a sequence of instructions, ``accel.step``s (run once
per tile of ``block_k`` listed keys) and ``accel.refetch`` regions (run only
in lanes where a row needs its keys' LSBs):

```mlir
%o, %colsum, %requant = accel.progressive_kernel %q, %km, %kl, %ks, %vm, %vs, %qr, %kr, %qp, %kp
    target #accel.target<"spatten"> pattern #attn.causal
    {block_q = 1 : i64, block_k = 64 : i64, ...} : (...) -> (...) {
^bb0(...DRAM memrefs of the inputs, then of the results...):
  accel.dma_gather %kr_d, %k_rows {tile = "list", unit = "DMA"} : ...       // on-chip state
  accel.dma_gather %q_d, %q_tile index %q_rows {tile = "q", bits = 16, unit = "DMA"} : ...
  accel.step {
    accel.dma_gather %km_d, %k_msb index %k_rows {tile = "k_msb", bits = 6, sliced, unit = "DMA"}
    accel.dequantize %k_msb, %k_scale, %k_tile {lsb_bits = 4, sliced, unit = "VEC1D"}
    accel.position_mask %q_pos, %k_pos, %mask {unit = "VEC1D"}
    accel.sddmm %q_tile, %k_tile, %scores mask %mask {sliced, dataflow = "ws", unit = "PE2D"}
  }
  ... softmax on the score row (scale, reduce, exp, normalize) ...
  accel.requant_check %probs, %flags {threshold = 0.05, unit = "VEC1D"}
  accel.refetch %flags {
    accel.step { accel.dma_gather %kl_d, %k_lsb index %k_rows {tile = "k_lsb", bits = 4} ... }
    ... softmax again, accel.select_rows %flags, %fine, %probs ...
  }
  accel.column_sum %probs, %col {unit = "VEC1D"}
  accel.topk %probs, %chosen {k = 184, unit = "TOPK"}                       // local value pruning
  accel.select %k_rows, %chosen, %v_rows ; accel.select %probs, %chosen, %p_kept
  accel.dma_gather %vm_d, %v_msb index %v_rows {tile = "v_msb", bits = 6}
  accel.dequantize ... ; accel.spmm ... {unit = "PE2D_AV"}
  accel.dma_store_rows %out, %o_d {tile = "o", bits = 12, unit = "DMA_OUT"}
}
```

``accel.token_kernel`` runs per batch on token lists: SpAtten's top-k
engine and its importance buffer (``accel.topk``, ``accel.importance_add``).

Index lists, importance, column sums and scales are the accelerator's
on-chip state (the top-k engine hands its selection to the fetcher; the
importance accumulates in an SRAM): moving them (tiles ``list``,
``lane_list``, ``batch``, ``scale``, ``colsum``) costs buffer traffic, never
DRAM.  K and V planes move at their bit widths (MSB and LSB as separate
transfers), queries at 16 bits (the artifact's ``quant_query_bit``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, cast

from xdsl.dialects.builtin import (
    BoolAttr,
    FloatAttr,
    IntegerAttr,
    MemRefType,
    StringAttr,
    TensorType,
)
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import NoTerminator
from xdsl.utils.exceptions import VerifyException

from attn_ir.dialects import accel as A
from attn_ir.dialects.attn import PatternAttr

PROGRESSIVE_INPUTS = ("q", "k_msb", "k_lsb", "k_scale", "v_msb", "v_scale",
                      "q_rows", "k_rows", "q_pos", "k_pos", "heads")
"""The DRAM operands of ``accel.progressive_kernel``, in order (``heads`` optional)."""
PROGRESSIVE_RESULTS = ("o", "colsum", "requant")

GATHER_TILES = ("list", "lane_list", "batch", "scale", "q", "k_msb", "k_lsb", "v_msb")
STATE_TILES = frozenset({"list", "lane_list", "batch", "scale", "colsum", "requant"})
"""Transfers of on-chip state: buffer traffic, no DRAM bytes."""


def _rank(value: SSAValue) -> int:
    return len(cast(MemRefType, value.type).get_shape())


# -- kernels -----------------------------------------------------------------------


class RegionKernel(A.KernelInterface):
    """Shared by the SpAtten kernels: DRAM inputs and results, a body whose
    block arguments are the inputs' and results' DRAM memrefs."""

    def dram_args(self) -> dict[str, SSAValue]:
        raise NotImplementedError

    def verify_dram(self, names: Sequence[str]) -> None:
        args = self.body.block.args
        values = [*self.inputs, *self.results]
        if len(args) != len(values):
            raise VerifyException(
                f"'{self.name}' body needs one DRAM argument per input and result "
                f"({len(values)}), got {len(args)}")
        for arg, value, name in zip(args, values, names):
            t = cast(TensorType, value.type)
            if (not isinstance(arg.type, MemRefType)
                    or tuple(arg.type.get_shape()) != tuple(t.get_shape())
                    or arg.type.element_type != t.element_type):
                raise VerifyException(
                    f"'{self.name}' DRAM argument for '{name}' must be a memref of "
                    f"{'x'.join(map(str, t.get_shape()))}x{t.element_type}")

    def dma_loads(self) -> tuple[type, ...]:
        return (DmaGatherOp,)


@irdl_op_definition
class ProgressiveKernelOp(RegionKernel):
    """One ``tile.progressive_attention`` on ``target`` (see the module
    docstring).  ``double_buffer`` lets the next key tile's fetch overlap the
    current tile's compute."""

    name = "accel.progressive_kernel"
    inputs = var_operand_def(TensorType)
    target = prop_def(A.TargetAttr)
    pattern = prop_def(PatternAttr)
    block_q = prop_def(IntegerAttr)
    block_k = prop_def(IntegerAttr)
    msb_bits = prop_def(IntegerAttr)
    lsb_bits = prop_def(IntegerAttr)
    threshold = prop_def(FloatAttr)
    value_keep = opt_prop_def(FloatAttr)
    context = prop_def(IntegerAttr)
    scale = prop_def(FloatAttr)
    double_buffer = opt_prop_def(BoolAttr)
    outputs = var_result_def(TensorType)
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$inputs `target` qualified($target) `pattern` $pattern attr-dict `:` "
                       "functional-type($inputs, $outputs) $body")

    def __init__(self, inputs: Sequence[SSAValue], properties: dict[str, Attribute],
                 result_types: Sequence[Attribute], body: Region):
        super().__init__(operands=[inputs], result_types=[list(result_types)],
                         properties=properties, regions=[body])

    @property
    def has_heads(self) -> bool:
        return len(self.inputs) == len(PROGRESSIVE_INPUTS)

    def input(self, name: str) -> SSAValue:
        return self.inputs[PROGRESSIVE_INPUTS.index(name)]

    @property
    def dims(self) -> tuple[int, int, int, int, int, int]:
        """(B, Hk, Nq, Nk, D, Dv): listed heads, query rows and keys."""
        b, h, _, d = cast(TensorType, self.input("q").type).get_shape()
        dv = cast(TensorType, self.input("v_msb").type).get_shape()[3]
        nq = cast(TensorType, self.input("q_rows").type).get_shape()[1]
        nk = cast(TensorType, self.input("k_rows").type).get_shape()[1]
        hk = cast(TensorType, self.inputs[10].type).get_shape()[1] if self.has_heads else h
        return b, hk, nq, nk, d, dv

    def dram_args(self) -> dict[str, SSAValue]:
        names = [*PROGRESSIVE_INPUTS[:len(self.inputs)], *PROGRESSIVE_RESULTS]
        return dict(zip(names, self.body.block.args))

    def verify_(self) -> None:
        if len(self.inputs) not in (10, 11):
            raise VerifyException(
                f"'{self.name}' takes {', '.join(PROGRESSIVE_INPUTS[:10])} and optionally heads")
        if len(self.outputs) != 3:
            raise VerifyException(f"'{self.name}' returns o, colsum and requant")
        self.verify_dram([*PROGRESSIVE_INPUTS[:len(self.inputs)], *PROGRESSIVE_RESULTS])
        for name in ("block_q", "block_k"):
            if getattr(self, name).value.data <= 0:
                raise VerifyException(f"'{self.name}' {name} must be positive")
        if self.value_keep is not None and self.block_q.value.data != 1:
            raise VerifyException(
                f"'{self.name}' local value pruning (value_keep) needs block_q = 1: each "
                "query row fetches its own values")


@irdl_op_definition
class TokenKernelOp(RegionKernel):
    """Work on token lists, once per batch (lane): importance accumulation
    and top-k selection on SpAtten's top-k engine (Sec. IV-B)."""

    name = "accel.token_kernel"
    inputs = var_operand_def(TensorType)
    target = prop_def(A.TargetAttr)
    outputs = var_result_def(TensorType)
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$inputs `target` qualified($target) attr-dict `:` "
                       "functional-type($inputs, $outputs) $body")

    def __init__(self, inputs: Sequence[SSAValue], target: A.TargetAttr,
                 result_types: Sequence[Attribute], body: Region):
        super().__init__(operands=[inputs], result_types=[list(result_types)],
                         properties={"target": target}, regions=[body])

    @property
    def dims(self) -> tuple[int, int, int, int, int, int]:
        b = cast(TensorType, self.inputs[0].type).get_shape()[0]
        return b, 1, 1, 1, 1, 1

    def verify_(self) -> None:
        self.verify_dram([f"input {n}" for n in range(len(self.inputs))]
                         + [f"result {n}" for n in range(len(self.outputs))])
        if any(isinstance(op, (A.StepOp, RefetchOp)) for op in self.body.block.ops):
            raise VerifyException(f"'{self.name}' body has no steps")


@irdl_op_definition
class RefetchOp(IRDLOperation):
    """The instructions run only in lanes where ``flags`` has a set row:
    fetch the keys' LSBs and recompute (progressive quantisation)."""

    name = "accel.refetch"
    flags = operand_def(MemRefType)
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    assembly_format = "$flags attr-dict `:` type($flags) $body"

    def __init__(self, flags: SSAValue):
        super().__init__(operands=[flags], regions=[Region(Block())])


# -- instructions ----------------------------------------------------------------


def _check_tile(op: A.InstructionOp, allowed: Sequence[str]) -> None:
    if op.tile.data not in allowed:
        raise VerifyException(
            f"'{op.name}' tile must be one of {', '.join(allowed)}, got '{op.tile.data}'")


@irdl_op_definition
class DmaGatherOp(A.InstructionOp):
    """Fetch rows into a buffer.  ``tile``: ``list`` (the lane's batch row of
    an index list or importance), ``lane_list`` (its tile of query rows),
    ``batch`` (the batch's whole slice), ``scale`` (its head's scale), or
    ``q``/``k_msb``/``k_lsb``/``v_msb`` (rows of the lane's head listed in
    ``index``; in a step, the step's ``block_k`` entries, written to the
    buffer's start or, ``sliced``, to the step's rows).  ``bits`` is the
    width moved per element; listed entries of -1 give zero rows and cost
    nothing."""

    name = "accel.dma_gather"
    KIND: ClassVar[str] = "dma_gather"
    READS: ClassVar[tuple[str, ...]] = ("index",)
    WRITES: ClassVar[tuple[str, ...]] = ("dest",)
    source = operand_def(MemRefType)
    dest = operand_def(MemRefType)
    index = opt_operand_def(MemRefType)
    tile = prop_def(StringAttr)
    bits = opt_prop_def(IntegerAttr)
    sliced = opt_prop_def(BoolAttr)
    assembly_format = ("$source `,` $dest (`index` $index^)? attr-dict `:` type($source) `,` "
                       "type($dest) (`,` type($index)^)?")

    def verify_shapes(self) -> None:
        _check_tile(self, GATHER_TILES)
        rows_tiles = ("q", "k_msb", "k_lsb", "v_msb")
        if (self.index is not None) != (self.tile.data in rows_tiles):
            raise VerifyException(f"'{self.name}' needs an index exactly for tiles "
                                  f"{', '.join(rows_tiles)}")
        if self.tile.data in rows_tiles and (_rank(self.dest) != 2 or _rank(self.source) != 4):
            raise VerifyException(f"'{self.name}' gathers rows of a rank-4 tensor into a "
                                  "2-D buffer")


@irdl_op_definition
class DequantizeOp(A.InstructionOp):
    """dest = (msb * 2^lsb_bits + lsb) * scale, or with the middle of the LSB
    range without ``lsb`` (SpAtten's dequantiser, Sec. IV-D).  ``sliced``:
    ``msb`` holds every key of the lane and the step's rows are read."""

    name = "accel.dequantize"
    KIND: ClassVar[str] = "dequantize"
    READS: ClassVar[tuple[str, ...]] = ("msb", "lsb", "scale")
    WRITES: ClassVar[tuple[str, ...]] = ("dest",)
    msb = operand_def(MemRefType)
    scale = operand_def(MemRefType)
    dest = operand_def(MemRefType)
    lsb = opt_operand_def(MemRefType)
    lsb_bits = prop_def(IntegerAttr)
    sliced = opt_prop_def(BoolAttr)
    assembly_format = ("$msb `,` $scale `,` $dest (`lsb` $lsb^)? attr-dict `:` type($msb) `,` "
                       "type($scale) `,` type($dest) (`,` type($lsb)^)?")


@irdl_op_definition
class PositionMaskOp(A.InstructionOp):
    """mask[r, c] = the pattern lets query position q_pos[r] attend key
    position k_pos[step * block_k + c] (original positions; padding never)."""

    name = "accel.position_mask"
    KIND: ClassVar[str] = "position_mask"
    READS: ClassVar[tuple[str, ...]] = ("q_pos", "k_pos")
    WRITES: ClassVar[tuple[str, ...]] = ("mask",)
    q_pos = operand_def(MemRefType)
    k_pos = operand_def(MemRefType)
    mask = operand_def(MemRefType)
    assembly_format = ("$q_pos `,` $k_pos `,` $mask attr-dict `:` type($q_pos) `,` "
                       "type($k_pos) `,` type($mask)")


@irdl_op_definition
class RequantCheckOp(A.InstructionOp):
    """flags[r] = row r attends some key and its largest probability is
    below ``threshold`` (SpAtten's requantisation decision, RequantDecision
    in the artifact's RTL)."""

    name = "accel.requant_check"
    KIND: ClassVar[str] = "requant_check"
    READS: ClassVar[tuple[str, ...]] = ("probs",)
    WRITES: ClassVar[tuple[str, ...]] = ("flags",)
    probs = operand_def(MemRefType)
    flags = operand_def(MemRefType)
    threshold = prop_def(FloatAttr)
    assembly_format = "$probs `,` $flags attr-dict `:` type($probs) `,` type($flags)"


@irdl_op_definition
class SelectRowsOp(A.InstructionOp):
    """dest[r] = source[r] where flags[r] (the recomputed rows replace the
    MSB-only ones)."""

    name = "accel.select_rows"
    KIND: ClassVar[str] = "select_rows"
    READS: ClassVar[tuple[str, ...]] = ("flags", "source")
    UPDATES: ClassVar[tuple[str, ...]] = ("dest",)
    flags = operand_def(MemRefType)
    source = operand_def(MemRefType)
    dest = operand_def(MemRefType)
    assembly_format = ("$flags `,` $source `,` $dest attr-dict `:` type($flags) `,` "
                       "type($source) `,` type($dest)")


@irdl_op_definition
class TopKInstrOp(A.InstructionOp):
    """Positions of the ``k`` largest entries of each row of ``scores`` (the
    first ``count`` columns; all without it), ascending, ties to the lower
    position: SpAtten's top-k engine, a parallel quick-select (Sec. IV-B;
    cycles from ``Target.cycles``)."""

    name = "accel.topk"
    KIND: ClassVar[str] = "topk"
    READS: ClassVar[tuple[str, ...]] = ("scores",)
    WRITES: ClassVar[tuple[str, ...]] = ("dest",)
    scores = operand_def(MemRefType)
    dest = operand_def(MemRefType)
    k = prop_def(IntegerAttr)
    count = opt_prop_def(IntegerAttr)
    assembly_format = "$scores `,` $dest attr-dict `:` type($scores) `,` type($dest)"


@irdl_op_definition
class SelectOp(A.InstructionOp):
    """Compaction on chip: dest[..., j] = source[..., positions[..., j]]
    (a 1-D source with 2-D positions uses their first row)."""

    name = "accel.select"
    KIND: ClassVar[str] = "select"
    READS: ClassVar[tuple[str, ...]] = ("source", "positions")
    WRITES: ClassVar[tuple[str, ...]] = ("dest",)
    source = operand_def(MemRefType)
    positions = operand_def(MemRefType)
    dest = operand_def(MemRefType)
    assembly_format = ("$source `,` $positions `,` $dest attr-dict `:` type($source) `,` "
                       "type($positions) `,` type($dest)")


@irdl_op_definition
class ColumnSumOp(A.InstructionOp):
    """acc[j] += sum over rows of probs[r, j]: the lane's contribution to
    the token importance."""

    name = "accel.column_sum"
    KIND: ClassVar[str] = "column_sum"
    READS: ClassVar[tuple[str, ...]] = ("probs",)
    UPDATES: ClassVar[tuple[str, ...]] = ("acc",)
    probs = operand_def(MemRefType)
    acc = operand_def(MemRefType)
    assembly_format = "$probs `,` $acc attr-dict `:` type($probs) `,` type($acc)"


@irdl_op_definition
class ImportanceAddOp(A.InstructionOp):
    """importance[positions[j]] += sum over heads of colsum[h, j]: cascade
    token importance accumulated in the top-k engine's buffer."""

    name = "accel.importance_add"
    KIND: ClassVar[str] = "importance_add"
    READS: ClassVar[tuple[str, ...]] = ("colsum", "positions")
    UPDATES: ClassVar[tuple[str, ...]] = ("importance",)
    colsum = operand_def(MemRefType)
    positions = operand_def(MemRefType)
    importance = operand_def(MemRefType)
    assembly_format = ("$colsum `,` $positions `,` $importance attr-dict `:` type($colsum) `,` "
                       "type($positions) `,` type($importance)")


@irdl_op_definition
class HeadImportanceAddOp(A.InstructionOp):
    """importance[heads[h]] += sum of |outputs[h]|: cascade head importance
    (Sec. III-A) accumulated from the attention outputs while they are on
    chip, in the top-k engine's buffer."""

    name = "accel.head_importance_add"
    KIND: ClassVar[str] = "head_importance_add"
    READS: ClassVar[tuple[str, ...]] = ("outputs", "heads")
    UPDATES: ClassVar[tuple[str, ...]] = ("importance",)
    outputs = operand_def(MemRefType)
    heads = operand_def(MemRefType)
    importance = operand_def(MemRefType)
    assembly_format = ("$outputs `,` $heads `,` $importance attr-dict `:` type($outputs) `,` "
                       "type($heads) `,` type($importance)")


@irdl_op_definition
class DmaStoreRowsOp(A.InstructionOp):
    """Write a buffer back: ``o`` (the lane's output rows, ``bits`` per
    element), ``requant`` (its flags), ``colsum`` (added to its head's
    column sums) or ``list`` (the batch's row of a list or importance)."""

    name = "accel.dma_store_rows"
    KIND: ClassVar[str] = "dma_store_rows"
    READS: ClassVar[tuple[str, ...]] = ("source",)
    source = operand_def(MemRefType)
    dest = operand_def(MemRefType)
    tile = prop_def(StringAttr)
    bits = opt_prop_def(IntegerAttr)
    assembly_format = "$source `,` $dest attr-dict `:` type($source) `,` type($dest)"

    def verify_shapes(self) -> None:
        _check_tile(self, ("o", "requant", "colsum", "list"))


INSTRUCTIONS = (DmaGatherOp, DequantizeOp, PositionMaskOp, RequantCheckOp, SelectRowsOp,
                TopKInstrOp, SelectOp, ColumnSumOp, ImportanceAddOp, HeadImportanceAddOp,
                DmaStoreRowsOp)
OPS = [ProgressiveKernelOp, TokenKernelOp, RefetchOp, *INSTRUCTIONS]
ATTRIBUTES: list = []
