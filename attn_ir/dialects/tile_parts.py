"""``tile.attention_part`` and ``tile.merge_parts``: one attention split
into parts with even work per query tile, merged by log-sum-exp.

A pattern such as Longformer's (a band plus global token 0) gives one query
tile far more key tiles than the others (the tile holding the global query
row visits every key tile): a kernel that gives each query tile to one
thread block waits for that straggler.  ``attn-split-parts`` rewrites such a
``tile.attention`` into parts, each a set of (query, key) pairs of the
pattern, disjoint from the others, with its own tile table, and merges their
outputs (SALO separates the global row the same way, with its global PE
row):

```mlir
%band, %band_lse = tile.attention_part %q, %k, %v pattern #attn.union<[...]>
    tables [#tile.table<...>] {block_q = 128 : i64, block_k = 128 : i64,
    scale = 0.125 : f64, except_rows = array<i64: 0>}
    : (...) -> (tensor<1x12x4096x64xf32>, tensor<1x12x4096xf32>)
%rows, %rows_lse = tile.attention_part %q, %k, %v pattern #attn.union<[...]>
    tables [#tile.table<...>] {block_q = 128 : i64, block_k = 128 : i64,
    scale = 0.125 : f64, only_rows = array<i64: 0>}
    : (...) -> (tensor<1x12x4096x64xf32>, tensor<1x12x4096xf32>)
%o = tile.merge_parts %band, %rows lse %band_lse, %rows_lse
    : (tensor<1x12x4096x64xf32>, tensor<1x12x4096x64xf32>),
      (tensor<1x12x4096xf32>, tensor<1x12x4096xf32>) -> tensor<1x12x4096x64xbf16>
```

A part computes the pattern's pairs in its listed tiles, restricted to the
query rows ``only_rows`` or to all rows but ``except_rows`` (neither: every
row).  Its results are the normalised output of each query row over the
part's keys (f32; 0 for a row the part gives no key) and the row's
log-sum-exp of scaled scores (natural log; -inf for such a row).  Merging
weights each part's output by ``exp(lse_part - lse_total)``: exact when the
parts are disjoint and together hold every pair of the pattern
(FlashAttention-2's and flash-decoding's split-K merge).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from attn_ir import patterns as P
from attn_ir.dialects.attn import FLOAT_TYPES, PatternAttr, attention_shape, verify_scale
from attn_ir.dialects.tile import TiledAttentionOp, TileTableAttr


def _rows(attr: DenseArrayBase | None) -> np.ndarray | None:
    if attr is None:
        return None
    return np.asarray(attr.get_values(), np.int64)


@irdl_op_definition
class AttentionPartOp(IRDLOperation):
    """One part of a split attention: ``tile.attention``'s operands, pattern
    and tile table (the part's tiles), restricted to the query rows
    ``only_rows`` or to all rows but ``except_rows``; results: the output
    [B, H, Nq, Dv] and the log-sum-exp [B, H, Nq], both f32."""

    name = "tile.attention_part"
    q = operand_def(TensorType)
    k = operand_def(TensorType)
    v = operand_def(TensorType)
    mask = opt_operand_def(TensorType)
    pattern = prop_def(PatternAttr)
    tables = prop_def(ArrayAttr[TileTableAttr])
    block_q = prop_def(IntegerAttr)
    block_k = prop_def(IntegerAttr)
    scale = prop_def(FloatAttr)
    only_rows = opt_prop_def(DenseArrayBase)
    except_rows = opt_prop_def(DenseArrayBase)
    output = result_def(TensorType)
    lse = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$q `,` $k `,` $v (`mask` $mask^)? `pattern` $pattern `tables` $tables "
        "attr-dict `:` functional-type(operands, results)"
    )

    def __init__(self, q: SSAValue, k: SSAValue, v: SSAValue, pattern: PatternAttr,
                 tables: Sequence[TileTableAttr], block_q: int, block_k: int,
                 scale: FloatAttr, mask: SSAValue | None = None,
                 only_rows: Sequence[int] | None = None,
                 except_rows: Sequence[int] | None = None):
        b, h, nq, _ = cast(TensorType, q.type).get_shape()
        dv = cast(TensorType, v.type).get_shape()[3]
        props: dict[str, Attribute] = {
            "pattern": pattern, "tables": ArrayAttr(tables),
            "block_q": IntegerAttr(block_q, 64), "block_k": IntegerAttr(block_k, 64),
            "scale": scale,
        }
        if only_rows is not None:
            props["only_rows"] = DenseArrayBase.from_list(i64, [int(r) for r in only_rows])
        if except_rows is not None:
            props["except_rows"] = DenseArrayBase.from_list(i64, [int(r) for r in except_rows])
        super().__init__(
            operands=[q, k, v, mask],
            result_types=[TensorType(f32, [b, h, nq, dv]), TensorType(f32, [b, h, nq])],
            properties=props)

    # What tile.attention's verifier and helpers read.
    dims = TiledAttentionOp.dims
    table_for_head = TiledAttentionOp.table_for_head

    @property
    def rows_only(self) -> np.ndarray | None:
        """The query rows of the part, when it keeps only those."""
        return _rows(self.only_rows)

    @property
    def rows_excluded(self) -> np.ndarray | None:
        """The query rows the part leaves out, when it leaves some out."""
        return _rows(self.except_rows)

    def row_selection(self) -> np.ndarray:
        """[Nq] bool: the query rows this part computes."""
        nq = self.dims[2]
        keep = np.ones(nq, bool)
        if self.only_rows is not None:
            keep[:] = False
            keep[self.rows_only] = True
        if self.except_rows is not None:
            keep[self.rows_excluded] = False
        return keep

    def verify_(self) -> None:
        name = self.name
        types = [attention_shape(value, what, name)
                 for what, value in (("q", self.q), ("k", self.k), ("v", self.v))]
        elements = [t.element_type for t in types]
        if len(set(elements)) != 1 or not isinstance(elements[0], FLOAT_TYPES):
            raise VerifyException(f"'{name}' q, k and v must share one float element type, "
                                  "got " + ", ".join(map(str, elements)))
        verify_scale(self, self.scale.value.data, elements[0])
        b, h, nq, nk, d, dv = self.dims
        if tuple(types[1].get_shape()) != (b, h, nk, d) or \
                tuple(types[2].get_shape()[:2]) != (b, h):
            raise VerifyException(f"'{name}' q, k and v must agree in batch, heads and the "
                                  "head dimension of q and k")
        bq, bk = self.block_q.value.data, self.block_k.value.data
        if bq <= 0 or bk <= 0:
            raise VerifyException(f"'{name}' tile sizes must be positive, got {bq}x{bk}")
        if len(self.tables.data) not in (1, h):
            raise VerifyException(f"'{name}' needs one tile table or one per head ({h}), "
                                  f"got {len(self.tables.data)}")
        nqt, nkt = -(-nq // bq), -(-nk // bk)
        for t in self.tables.data:
            runs = t.runs
            if t.num_query_tiles != nqt:
                raise VerifyException(f"'{name}' tile table has {t.num_query_tiles} query "
                                      f"tiles, expected {nqt} ({nq} rows in tiles of {bq})")
            if len(runs.start) and (runs.start + runs.count).max() > nkt:
                raise VerifyException(f"'{name}' tile table names a key tile outside "
                                      f"0..{nkt - 1}")
        pattern = self.pattern.pattern
        if (self.mask is not None) != pattern.uses_mask:
            raise VerifyException(f"'{name}' a mask operand is needed exactly when the "
                                  "pattern uses #attn.mask")
        try:
            pattern.validate(nq, nk, h)
        except P.PatternError as e:
            raise VerifyException(f"'{name}' {e}") from None
        if self.output.type != TensorType(f32, [b, h, nq, dv]):
            raise VerifyException(f"'{self.name}' output must be tensor<{b}x{h}x{nq}x{dv}xf32>, "
                                  f"got {self.output.type}")
        if self.lse.type != TensorType(f32, [b, h, nq]):
            raise VerifyException(f"'{self.name}' lse must be tensor<{b}x{h}x{nq}xf32>, "
                                  f"got {self.lse.type}")
        if self.only_rows is not None and self.except_rows is not None:
            raise VerifyException(f"'{self.name}' takes only_rows or except_rows, not both")
        for what, attr in (("only_rows", self.only_rows), ("except_rows", self.except_rows)):
            if attr is None:
                continue
            if attr.elt_type != i64:
                raise VerifyException(f"'{self.name}' {what} must be an array of i64")
            rows = _rows(attr)
            if len(rows) and (rows.min() < 0 or rows.max() >= nq):
                raise VerifyException(f"'{self.name}' {what} names a row outside 0..{nq - 1}")
            if (np.diff(rows) <= 0).any():
                raise VerifyException(f"'{self.name}' {what} must be strictly ascending")


@irdl_op_definition
class MergePartsOp(IRDLOperation):
    """The output of a split attention from its parts' outputs and
    log-sum-exps: ``sum_p exp(lse_p - L) out_p`` with ``L = log sum_p
    exp(lse_p)``, 0 for a row no part gives a key; in the result's element
    type."""

    name = "tile.merge_parts"
    outputs = var_operand_def(TensorType)
    lses = var_operand_def(TensorType)
    result = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (AttrSizedOperandSegments(as_property=True), ParsePropInAttrDict())
    assembly_format = ("$outputs `lse` $lses attr-dict `:` `(` type($outputs) `)` `,` "
                       "`(` type($lses) `)` `->` type($result)")

    def __init__(self, outputs: Sequence[SSAValue], lses: Sequence[SSAValue],
                 result_type: Attribute):
        super().__init__(operands=[list(outputs), list(lses)], result_types=[result_type])

    def verify_(self) -> None:
        if not self.outputs:
            raise VerifyException(f"'{self.name}' needs at least one part")
        if len(self.outputs) != len(self.lses):
            raise VerifyException(f"'{self.name}' needs one lse per output, got "
                                  f"{len(self.outputs)} outputs and {len(self.lses)} lses")
        shape = tuple(cast(TensorType, self.result.type).get_shape())
        for n, (o, s) in enumerate(zip(self.outputs, self.lses)):
            if tuple(cast(TensorType, o.type).get_shape()) != shape:
                raise VerifyException(f"'{self.name}' output {n} must have the result's shape "
                                      + "x".join(map(str, shape)))
            if tuple(cast(TensorType, s.type).get_shape()) != shape[:-1]:
                raise VerifyException(f"'{self.name}' lse {n} must have shape "
                                      + "x".join(map(str, shape[:-1])))


OPS = [AttentionPartOp, MergePartsOp]
ATTRIBUTES: list = []
