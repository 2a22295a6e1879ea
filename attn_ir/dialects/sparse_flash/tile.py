"""``tile.indexed_attention``: Sparse Flash Attention tiled, with a tile
table known only at run time (Pagliardini et al., 2023, Section 3).

The level below ``attn.indexed_attention``: the compacted (QK-dropping) or
bucket-sorted (hashing) queries are cut into tiles of ``block_q`` rows, the
keys into tiles of ``block_k``, and each query tile visits the key tiles in
order with an online softmax.  Which pairs of tiles to visit depends on
the data, so instead of a ``#tile.table`` the op carries the rule
(``attn_ir.reference.sparse_flash.tile_classes``): a pair is skipped when the keys'
smallest original index exceeds the queries' largest or the bucket ranges
do not overlap, full (no mask work) when every pair attends, partial
otherwise.

```mlir
%os = tile.indexed_attention %qs, %ks, %vs positions %qi, %ki buckets %qb, %kb
        {block_q = 64 : i64, block_k = 64 : i64, scale = 0.125 : f64}
        : (tensor<1x12x8192x64xf32>, tensor<1x12x8192x64xf32>, tensor<1x12x8192x64xf32>,
           tensor<1x12x8192xi32>, tensor<1x12x8192xi32>, tensor<1x12x8192xi32>,
           tensor<1x12x8192xi32>) -> tensor<1x12x8192x64xf32>
```

The result equals ``attn.indexed_attention`` with the same operands.
"""

from __future__ import annotations

from typing import cast

from xdsl.dialects.builtin import FloatAttr, IntegerAttr, TensorType
from xdsl.ir import SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from attn_ir.dialects.sparse_flash.attn import verify_indexed_operands
from attn_ir.dialects.tile import tile_footprint


@irdl_op_definition
class TiledIndexedAttentionOp(IRDLOperation):
    """Tiled Sparse Flash Attention: ``attn.indexed_attention`` over query
    tiles of ``block_q`` and key tiles of ``block_k``, each pair of tiles
    skipped, full or partial by the run-time test on its ranges of original
    indices and bucket ids."""

    name = "tile.indexed_attention"
    q = operand_def(TensorType)
    k = operand_def(TensorType)
    v = operand_def(TensorType)
    q_positions = operand_def(TensorType)
    k_positions = operand_def(TensorType)
    buckets = var_operand_def(TensorType)
    block_q = prop_def(IntegerAttr)
    block_k = prop_def(IntegerAttr)
    scale = prop_def(FloatAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$q `,` $k `,` $v `positions` $q_positions `,` $k_positions "
                       "(`buckets` $buckets^)? attr-dict `:` functional-type(operands, results)")

    def __init__(self, q: SSAValue, k: SSAValue, v: SSAValue, q_positions: SSAValue,
                 k_positions: SSAValue, buckets, block_q: int, block_k: int,
                 scale: float, result_type: TensorType):
        super().__init__(
            operands=[q, k, v, q_positions, k_positions, list(buckets or ())],
            result_types=[result_type],
            properties={"block_q": IntegerAttr(block_q, 64),
                        "block_k": IntegerAttr(block_k, 64),
                        "scale": FloatAttr(scale, 64)})

    @property
    def q_buckets(self) -> SSAValue | None:
        return self.buckets[0] if self.buckets else None

    @property
    def k_buckets(self) -> SSAValue | None:
        return self.buckets[1] if self.buckets else None

    @property
    def blocks(self) -> tuple[int, int]:
        return self.block_q.value.data, self.block_k.value.data

    @property
    def dims(self) -> tuple[int, int, int, int, int, int]:
        """(B, H, Mq, Mk, D, Dv)."""
        b, h, mq, d = cast(TensorType, self.q.type).get_shape()
        _, _, mk, dv = cast(TensorType, self.v.type).get_shape()
        return b, h, mq, mk, d, dv

    def footprint(self) -> dict[str, int]:
        """On-chip bytes of one tile step, as ``tile.attention``'s, plus the
        original indices (and bucket ids) of the query and key tiles."""
        _, _, _, _, d, dv = self.dims
        bq, bk = self.blocks
        elem = cast(TensorType, self.q.type).element_type.bitwidth // 8
        parts = tile_footprint(bq, bk, d, dv, elem)
        parts["indices"] = (bq + bk) * 4 * (2 if self.buckets else 1)
        parts["total"] += parts["indices"]
        return parts

    def verify_(self) -> None:
        verify_indexed_operands(self)
        bq, bk = self.blocks
        if bq <= 0 or bk <= 0:
            raise VerifyException(f"'{self.name}' tile sizes must be positive, got {bq}x{bk}")
        if not self.scale.value.data > 0:
            raise VerifyException(f"'{self.name}' scale must be positive, got "
                                  f"{self.scale.value.data}")


OPS = [TiledIndexedAttentionOp]
ATTRIBUTES: list = []
