"""SpAtten's attention at the tiled level: ``tile.progressive_attention``.

``spatten-tile`` folds the ``attn.gather``s that compact the operands of an
``attn.progressive_attention`` into index lists: this op reads the whole
(uncompacted) q, K and V planes and fetches only the listed rows and heads,
key tile by key tile (``block_k`` surviving keys per tile, ``block_q``
query rows per lane), as SpAtten's fetcher does (Wang et al., HPCA 2021,
Sec. IV-A).  Its result equals the ``attn.progressive_attention`` on the
gathered operands.

```mlir
%o, %colsum, %requant = tile.progressive_attention %q, %km, %kl, %ks, %vm, %vs
    rows %qrows, %kept positions %qpos, %kept pattern #attn.causal
    {block_q = 1 : i64, block_k = 64 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64,
     threshold = 5.000000e-02 : f64, value_keep = 2.000000e-01 : f64,
     context = 1024 : i64, scale = 1.250000e-01 : f64} : ...
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from xdsl.dialects.builtin import Float64Type, FloatAttr, IntegerAttr, TensorType
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from attn_ir.dialects.attn import PatternAttr
from attn_ir.dialects.spatten.attn import I1, verify_progressive


@irdl_op_definition
class TiledProgressiveAttentionOp(IRDLOperation):
    """``attn.progressive_attention`` with its gathers folded in: q [B, H,
    Tq, D] and the K/V planes [B, H, N, .] whole, with scales [B, H]; the
    rows of q and of K/V to fetch ([B, Nq], [B, Nk]), the original
    positions the pattern sees ([B, Nq], [B, Nk]) and optionally the heads
    [B, Hk].  Keys are visited in tiles of ``block_k`` listed rows; query
    rows are grouped ``block_q`` per lane."""

    name = "tile.progressive_attention"
    q = operand_def(TensorType)
    k_msb = operand_def(TensorType)
    k_lsb = operand_def(TensorType)
    k_scale = operand_def(TensorType)
    v_msb = operand_def(TensorType)
    v_scale = operand_def(TensorType)
    q_rows = operand_def(TensorType)
    k_rows = operand_def(TensorType)
    q_pos = operand_def(TensorType)
    k_pos = operand_def(TensorType)
    heads = opt_operand_def(TensorType)
    pattern = prop_def(PatternAttr)
    block_q = prop_def(IntegerAttr)
    block_k = prop_def(IntegerAttr)
    msb_bits = prop_def(IntegerAttr)
    lsb_bits = prop_def(IntegerAttr)
    threshold = prop_def(FloatAttr)
    value_keep = opt_prop_def(FloatAttr)
    context = prop_def(IntegerAttr)
    scale = prop_def(FloatAttr)
    output = result_def(TensorType)
    colsum = result_def(TensorType)
    requant = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$q `,` $k_msb `,` $k_lsb `,` $k_scale `,` $v_msb `,` $v_scale `rows` $q_rows `,` "
        "$k_rows `positions` $q_pos `,` $k_pos (`heads` $heads^)? `pattern` $pattern "
        "attr-dict `:` functional-type(operands, results)")

    def __init__(self, operands: Sequence[SSAValue], heads: SSAValue | None,
                 properties: dict[str, Attribute], result_types: Sequence[Attribute]):
        super().__init__(operands=[*operands, heads], result_types=list(result_types),
                         properties=properties)

    @property
    def dims(self) -> tuple[int, int, int, int, int, int]:
        """(B, Hk, Nq, Nk, D, Dv): the listed heads, queries and keys."""
        b, h, _, d = cast(TensorType, self.q.type).get_shape()
        dv = cast(TensorType, self.v_msb.type).get_shape()[3]
        nq = cast(TensorType, self.q_rows.type).get_shape()[1]
        nk = cast(TensorType, self.k_rows.type).get_shape()[1]
        hk = h if self.heads is None else cast(TensorType, self.heads.type).get_shape()[1]
        return b, hk, nq, nk, d, dv

    def verify_(self) -> None:
        verify_progressive(self, self.q, self.k_msb, self.k_lsb, self.k_scale, self.v_msb,
                           self.v_scale, self.q_pos, self.k_pos, self.heads,
                           q_rows=self.q_rows, k_rows=self.k_rows, compacted=False)
        for name in ("block_q", "block_k"):
            if getattr(self, name).value.data <= 0:
                raise VerifyException(f"'{self.name}' {name} must be positive, got "
                                      f"{getattr(self, name).value.data}")
        assert isinstance(cast(TensorType, self.colsum.type).element_type, Float64Type)
        assert cast(TensorType, self.requant.type).element_type == I1


OPS = [TiledProgressiveAttentionOp]
ATTRIBUTES: list = []
