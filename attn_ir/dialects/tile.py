"""The ``tile`` dialect: block-sparse, tiled attention (the level below the
fused cascade).

``tile.attention`` is the 1-pass cascade (online softmax over key tiles)
tiled over query tiles of ``block_q`` rows and key tiles of ``block_k``
columns.  Its tile table, computed by ``attn-tile`` from the pattern library,
lists per query tile the key tiles it touches, each full (every pair attends:
no mask work) or partial (the pattern's predicate is applied); all other
tiles are skipped and never loaded.

```mlir
%o = tile.attention %q, %k, %v pattern #attn.window<left = 1, right = 1>
       tables [#tile.table<ptr = array<i32: 0, 2, 4>, key = array<i32: 0, 1, 0, 1>,
                           full = array<i8: 1, 0, 0, 1>>]
       {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64}
       : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
```

There is one table for all heads, or one per head when heads see different
patterns (per-head dilation).  The IR grows with the number of non-empty
tiles, never with Nq x Nk.
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
    i8,
    i32,
)
from xdsl.ir import Attribute, Dialect, ParametrizedAttribute, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from attn_ir import patterns as P
from attn_ir.dialects.attn import PatternAttr, attention_shape


def _array(attr: DenseArrayBase, dtype) -> np.ndarray:
    return np.frombuffer(attr.data.data, dtype=dtype)


@irdl_attr_definition
class TileTableAttr(ParametrizedAttribute):
    """A tile table in CSR form: the key tiles of query tile t are
    ``key[ptr[t]:ptr[t+1]]``, ascending, and ``full`` marks those with no mask
    work."""

    name = "tile.table"
    ptr: DenseArrayBase
    key: DenseArrayBase
    full: DenseArrayBase

    @staticmethod
    def from_table(table: P.TileTable) -> TileTableAttr:
        return TileTableAttr(
            DenseArrayBase.from_list(i32, [int(x) for x in table.row_ptr]),
            DenseArrayBase.from_list(i32, [int(x) for x in table.k_tile]),
            DenseArrayBase.from_list(i8, [int(x) for x in table.full]),
        )

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ptr, key tiles, full flags) as NumPy arrays."""
        return (_array(self.ptr, np.int32), _array(self.key, np.int32),
                _array(self.full, np.int8).astype(bool))

    @property
    def num_tiles(self) -> int:
        return len(self.key)

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            for n, (name, value) in enumerate(
                    (("ptr", self.ptr), ("key", self.key), ("full", self.full))):
                printer.print_string(f"{', ' if n else ''}{name} = ")
                printer.print_attribute(value)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        values = []
        with parser.in_angle_brackets():
            for n, name in enumerate(("ptr", "key", "full")):
                if n:
                    parser.parse_punctuation(",")
                parser.parse_keyword(name)
                parser.parse_punctuation("=")
                pos = parser.pos
                attr = parser.parse_attribute()
                if not isinstance(attr, DenseArrayBase):
                    parser.raise_error(f"#tile.table: '{name}' must be a dense array",
                                       pos, parser.pos)
                values.append(attr)
        return values

    def verify(self) -> None:
        for name, attr, elt in (("ptr", self.ptr, i32), ("key", self.key, i32),
                                ("full", self.full, i8)):
            if attr.elt_type != elt:
                raise VerifyException(f"#tile.table: '{name}' must be an array of {elt}")
        ptr, key, _ = self.arrays
        if len(ptr) == 0 or ptr[0] != 0 or ptr[-1] != len(key) or (np.diff(ptr) < 0).any():
            raise VerifyException("#tile.table: 'ptr' must rise from 0 to the number of tiles")
        if len(self.full) != len(key):
            raise VerifyException("#tile.table: 'key' and 'full' must have the same length")


def tile_footprint(block_q: int, block_k: int, d: int, dv: int,
                   elem_bytes: int) -> dict[str, int]:
    """On-chip bytes one (batch, head) tile step holds: the Q, K, V tiles in
    the element type, the score tile and the running state (max, sum and
    numerator per query row) in f32.  Independent of the sequence length."""
    parts = {
        "q": block_q * d * elem_bytes,
        "k": block_k * d * elem_bytes,
        "v": block_k * dv * elem_bytes,
        "scores": block_q * block_k * 4,
        "state": block_q * (2 + dv) * 4,
    }
    parts["total"] = sum(parts.values())
    return parts


@irdl_op_definition
class TiledAttentionOp(IRDLOperation):
    """Block-sparse 1-pass attention over a tile table.

    For each query tile, the listed key tiles are visited in order; each
    updates the running max, running sum and running numerator of the online
    softmax (FuseMax's 1-pass cascade with M0 = ``block_k``); partial tiles
    apply the pattern's predicate, full ones do not.  The result equals
    ``attn.attention`` with the same operands and pattern."""

    name = "tile.attention"
    q = operand_def(TensorType)
    k = operand_def(TensorType)
    v = operand_def(TensorType)
    mask = opt_operand_def(TensorType)
    pattern = prop_def(PatternAttr)
    tables = prop_def(ArrayAttr[TileTableAttr])
    block_q = prop_def(IntegerAttr)
    block_k = prop_def(IntegerAttr)
    scale = prop_def(FloatAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$q `,` $k `,` $v (`mask` $mask^)? `pattern` $pattern `tables` $tables "
        "attr-dict `:` functional-type(operands, results)"
    )

    def __init__(self, q: SSAValue, k: SSAValue, v: SSAValue, pattern: PatternAttr,
                 tables: Sequence[TileTableAttr], block_q: int, block_k: int,
                 scale: FloatAttr, result_type: Attribute, mask: SSAValue | None = None):
        super().__init__(
            operands=[q, k, v, mask], result_types=[result_type],
            properties={
                "pattern": pattern, "tables": ArrayAttr(tables),
                "block_q": IntegerAttr(block_q, 64), "block_k": IntegerAttr(block_k, 64),
                "scale": scale,
            })

    @property
    def dims(self) -> tuple[int, int, int, int, int, int]:
        """(B, H, Nq, Nk, D, Dv)."""
        b, h, nq, d = cast(TensorType, self.q.type).get_shape()
        _, _, nk, dv = cast(TensorType, self.v.type).get_shape()
        return b, h, nq, nk, d, dv

    def table_for_head(self, head: int) -> TileTableAttr:
        tables = self.tables.data
        return tables[head] if len(tables) > 1 else tables[0]

    def footprint(self) -> dict[str, int]:
        _, _, _, _, d, dv = self.dims
        elem = cast(TensorType, self.q.type).element_type.bitwidth // 8
        return tile_footprint(self.block_q.value.data, self.block_k.value.data, d, dv, elem)

    def verify_(self) -> None:
        name = self.name
        for what, value in (("q", self.q), ("k", self.k), ("v", self.v)):
            attention_shape(value, what, name)
        b, h, nq, nk, d, dv = self.dims
        if cast(TensorType, self.k.type).get_shape()[3] != d:
            raise VerifyException(f"'{name}' k and q must have the same head dimension")
        out = attention_shape(self.output.type, "result", name)
        if tuple(out.get_shape()) != (b, h, nq, dv):
            raise VerifyException(f"'{name}' result must have shape {b}x{h}x{nq}x{dv}")
        bq, bk = self.block_q.value.data, self.block_k.value.data
        if bq <= 0 or bk <= 0:
            raise VerifyException(f"'{name}' tile sizes must be positive, got {bq}x{bk}")
        if len(self.tables.data) not in (1, h):
            raise VerifyException(
                f"'{name}' needs one tile table or one per head ({h}), "
                f"got {len(self.tables.data)}")
        nqt, nkt = -(-nq // bq), -(-nk // bk)
        for t in self.tables.data:
            ptr, key, _ = t.arrays
            if len(ptr) != nqt + 1:
                raise VerifyException(
                    f"'{name}' tile table has {len(ptr) - 1} query tiles, "
                    f"expected {nqt} ({nq} rows in tiles of {bq})")
            if len(key) and (key.min() < 0 or key.max() >= nkt):
                raise VerifyException(
                    f"'{name}' tile table names a key tile outside 0..{nkt - 1}")
        pattern = self.pattern.pattern
        if (self.mask is not None) != pattern.uses_mask:
            raise VerifyException(
                f"'{name}' a mask operand is needed exactly when the pattern uses #attn.mask")
        try:
            pattern.validate(nq, nk, h)
        except P.PatternError as e:
            raise VerifyException(f"'{name}' {e}") from None


def tile_tables(pattern: P.Pattern, nq: int, nk: int, heads: int,
                block_q: int, block_k: int) -> list[P.TileTable]:
    """The tile tables of a pattern: one, or one per head if heads differ."""
    count = heads if pattern.head_dependent else 1
    return [pattern.tile_table(nq, nk, block_q, block_k, h) for h in range(count)]


Tile = Dialect("tile", [TiledAttentionOp], [TileTableAttr])
