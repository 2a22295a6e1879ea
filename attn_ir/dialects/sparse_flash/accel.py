"""``accel`` ops of Sparse Flash Attention: a kernel whose tile table is
found at run time, and the two instructions that find it.

``accel.indexed_kernel`` runs ``tile.indexed_attention`` on a target.  Its
DRAM operands are q, k, v (compacted or bucket-sorted), the original
indices of the queries and keys, optionally their bucket ids, and the
result.  Lanes are (batch, head, query tile) as in ``accel.kernel``; the
steps of a lane are the key tiles that survive the run-time test, in
order.  The lane finds them as the paper's kernels do (Pagliardini et al.,
2023, Section 3: each query block scans the index and hash of every key
block for the first and last block to visit): its prologue loads the
query tile's indices (``accel.dma_load_index``) and streams every key's
index past them (``accel.tile_scan``); each step loads the key tile's
indices so that partial tiles can be masked.

```mlir
%o = accel.indexed_kernel %q, %k, %v, %qi, %ki target #accel.target<"fusemax">
       {block_q = 256 : i64, block_k = 256 : i64, scale = 0.125 : f64} : (...) -> tensor<...> {
^bb0(%q_dram: memref<...>, ..., %q_pos_dram: memref<1x12x4096xi32>, %k_pos_dram: ..., %o_dram: ...):
  %q_pos_tile = memref.alloc() : memref<256xi32>
  ...
  accel.dma_load_index %q_pos_dram, %q_pos_tile {tile = "q", unit = "DMA"} : ...
  accel.tile_scan %k_pos_dram, %q_pos_tile {unit = "DMA"} : ...
  accel.step {
    accel.dma_load_index %k_pos_dram, %k_pos_tile {tile = "k", unit = "DMA"} : ...
    ...
  }
}
```
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
    i32,
)
from xdsl.ir import Region, SSAValue
from xdsl.irdl import (
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import NoTerminator
from xdsl.utils.exceptions import VerifyException

from attn_ir.dialects import accel as A

DRAM_NAMES = ("q", "k", "v", "q_pos", "k_pos", "q_bucket", "k_bucket")
"""The DRAM operands of an indexed kernel, in order (the buckets when hashing)."""


@irdl_op_definition
class IndexedKernelOp(A.KernelInterface):
    """Sparse Flash Attention of q, k, v with original indices (and bucket
    ids) on ``target``, as the instructions of one lane: the prologue, the
    ``accel.step`` run once per surviving key tile, the epilogue (see
    ``accel.kernel``).  ``double_buffer`` and ``pipeline`` as there."""

    name = "accel.indexed_kernel"
    inputs = var_operand_def(TensorType)
    target = prop_def(A.TargetAttr)
    block_q = prop_def(IntegerAttr)
    block_k = prop_def(IntegerAttr)
    scale = prop_def(FloatAttr)
    schedule = opt_prop_def(StringAttr)
    double_buffer = opt_prop_def(BoolAttr)
    pipeline = opt_prop_def(BoolAttr)
    kv_resident = opt_prop_def(BoolAttr)
    output = result_def(TensorType)
    body = region_def("single_block")
    traits = traits_def(NoTerminator())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$inputs `target` qualified($target) attr-dict `:` "
                       "functional-type($inputs, $output) $body")

    def __init__(self, inputs: Sequence[SSAValue], target: A.TargetAttr, block_q: int,
                 block_k: int, scale: float, result_type: TensorType, body: Region,
                 schedule: str = "generic"):
        super().__init__(
            operands=[inputs], result_types=[result_type], regions=[body],
            properties={"target": target, "block_q": IntegerAttr(block_q, 64),
                        "block_k": IntegerAttr(block_k, 64), "scale": FloatAttr(scale, 64),
                        "schedule": StringAttr(schedule)})

    def dma_loads(self) -> tuple[type, ...]:
        return (A.DmaLoadOp, DmaLoadIndexOp)

    @property
    def dims(self) -> tuple[int, int, int, int, int, int]:
        """(B, H, Mq, Mk, D, Dv)."""
        b, h, mq, d = cast(TensorType, self.inputs[0].type).get_shape()
        _, _, mk, dv = cast(TensorType, self.inputs[2].type).get_shape()
        return b, h, mq, mk, d, dv

    @property
    def blocks(self) -> tuple[int, int]:
        return self.block_q.value.data, self.block_k.value.data

    @property
    def hashed(self) -> bool:
        return len(self.inputs) == 7

    def verify_(self) -> None:
        name = self.name
        if len(self.inputs) not in (5, 7):
            raise VerifyException(
                f"'{name}' takes q, k, v, the query and key indices and optionally their "
                f"bucket ids (5 or 7 operands), got {len(self.inputs)}")
        for n, (what, value) in enumerate(zip(DRAM_NAMES, self.inputs)):
            t = cast(TensorType, value.type)
            rank = 4 if n < 3 else 3
            if len(t.get_shape()) != rank or (n >= 3 and t.element_type != i32):
                raise VerifyException(
                    f"'{name}' {what} must be a rank-{rank} "
                    + ("tensor" if n < 3 else "i32 tensor") + f", got {t}")
        args = self.body.block.args
        if len(args) != len(self.inputs) + 1:
            raise VerifyException(
                f"'{name}' body needs one DRAM argument per input and one for the result "
                f"({len(self.inputs) + 1}), got {len(args)}")
        for arg, value in zip(args, [*self.inputs, self.output]):
            t = cast(TensorType, value.type)
            if not isinstance(arg.type, MemRefType) or tuple(arg.type.get_shape()) != tuple(
                    t.get_shape()):
                raise VerifyException(
                    f"'{name}' DRAM argument {arg.name_hint or arg.index} must be a memref "
                    f"of shape {'x'.join(map(str, t.get_shape()))}")
        if not any(isinstance(op, A.StepOp) for op in self.body.block.ops):
            raise VerifyException(f"'{name}' body needs at least one accel.step")
        bq, bk = self.blocks
        if bq <= 0 or bk <= 0:
            raise VerifyException(f"'{name}' tile sizes must be positive, got {bq}x{bk}")


@irdl_op_definition
class DmaLoadIndexOp(A.InstructionOp):
    """Copy the original indices (or bucket ids) of this lane's query rows
    (``tile = "q"``) or of this step's key tile (``"k"``) from DRAM into a
    buffer of i32; slots past the sequence read as -1 (padding)."""

    name = "accel.dma_load_index"
    KIND: ClassVar[str] = "dma_load_index"
    WRITES: ClassVar[tuple[str, ...]] = ("dest",)
    source = operand_def(MemRefType)
    dest = operand_def(MemRefType)
    tile = prop_def(StringAttr)
    assembly_format = "$source `,` $dest attr-dict `:` type($source) `,` type($dest)"

    @property
    def latency_kind(self) -> str:
        return "dma_load"

    def verify_shapes(self) -> None:
        if self.tile.data not in ("q", "k"):
            raise A._shape_error(self, f"tile must be q or k, got '{self.tile.data}'")
        src, dst = self.buffer_shapes()
        if len(src) != 3 or len(dst) != 1:
            raise A._shape_error(self, "source must be an index array [B, H, M] and dest a "
                                       "buffer of one index per row or key")


@irdl_op_definition
class TileScanOp(A.InstructionOp):
    """The run-time tile test of a lane: streams the original index (and
    bucket id) of every key from DRAM past the bounds of the lane's query
    tile, and keeps the key tiles to visit (skipped: no attending pair;
    full: no mask work; partial otherwise; ``attn_ir.reference.sparse_flash.
    tile_classes``).  Operands: the key indices in DRAM, the query tile's
    indices, then, when hashing, the key buckets in DRAM and the query
    tile's buckets."""

    name = "accel.tile_scan"
    KIND: ClassVar[str] = "tile_scan"
    READS: ClassVar[tuple[str, ...]] = ("q_tags",)
    tags = var_operand_def(MemRefType)
    assembly_format = "$tags attr-dict `:` type($tags)"

    def operands_in(self, names: tuple[str, ...]) -> list[SSAValue]:
        # The query tile's buffers are every second operand.
        return list(self.tags[1::2]) if "q_tags" in names else []

    @property
    def latency_kind(self) -> str:
        # Streaming the keys' indices is a DMA read; the comparisons keep
        # pace with it.
        return "dma_load"

    def verify_shapes(self) -> None:
        if len(self.tags) not in (2, 4):
            raise A._shape_error(self, "takes the key indices and the query tile's indices, "
                                       "then optionally the key and query buckets")
        for n, value in enumerate(self.tags):
            shape = cast(MemRefType, value.type).get_shape()
            if len(shape) != (3 if n % 2 == 0 else 1):
                raise A._shape_error(self, "key operands must be index arrays [B, H, M] in "
                                           "DRAM and query operands one index per row")


OPS = [IndexedKernelOp, DmaLoadIndexOp, TileScanOp]
ATTRIBUTES: list = []
