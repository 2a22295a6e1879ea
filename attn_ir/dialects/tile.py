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
       tables [#tile.table<ptr = array<i32: 0, 2, 4>, start = array<i32: 0, 1, 0, 1>,
                           count = array<i32: 1, 1, 1, 1>, full = array<i8: 1, 0, 0, 1>>]
       {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64}
       : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
```

There is one table for all heads, or one per head when heads see different
patterns (per-head dilation).  The IR grows with the number of non-empty
tiles, never with Nq x Nk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, cast

import numpy as np
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    IntegerType,
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
from attn_ir.dialects.utils import FLOAT_TYPES
from attn_ir.dialects.attn import PatternAttr, attention_shape, verify_scale


def _array(attr: DenseArrayBase, dtype) -> np.ndarray:
    return np.frombuffer(attr.data.data, dtype=dtype)


_TABLE_FIELDS = (("ptr", i32), ("start", i32), ("count", i32), ("full", i8))


class DenseArraysAttr(ParametrizedAttribute):
    """Base of the attributes whose parameters are named dense arrays,
    written ``<name = array<i32: ...>, ...>`` in ``FIELDS`` order."""

    FIELDS: ClassVar[tuple[tuple[str, Attribute], ...]]
    """(parameter name, element type) of each array."""

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            for n, (name, _) in enumerate(self.FIELDS):
                printer.print_string(f"{', ' if n else ''}{name} = ")
                printer.print_attribute(getattr(self, name))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> Sequence[Attribute]:
        values = []
        with parser.in_angle_brackets():
            for n, (name, _) in enumerate(cls.FIELDS):
                if n:
                    parser.parse_punctuation(",")
                parser.parse_keyword(name)
                parser.parse_punctuation("=")
                pos = parser.pos
                attr = parser.parse_attribute()
                if not isinstance(attr, DenseArrayBase):
                    parser.raise_error(f"#{cls.name}: '{name}' must be a dense array",
                                       pos, parser.pos)
                values.append(attr)
        return values

    def verify_element_types(self) -> None:
        for name, elt in self.FIELDS:
            if getattr(self, name).elt_type != elt:
                raise VerifyException(f"#{self.name}: '{name}' must be an array of {elt}")


@irdl_attr_definition
class TileTableAttr(DenseArraysAttr):
    """A tile table as runs (``attn_ir.patterns.TileRuns``): the runs of
    query tile t are ``ptr[t]:ptr[t+1]``; run r covers key tiles
    ``start[r] .. start[r] + count[r] - 1``, all full (``full[r] = 1``: no
    mask work) or all partial.  A dense row is one run, so the table grows
    with the number of runs, never with Nq x Nk."""

    name = "tile.table"
    FIELDS = _TABLE_FIELDS
    ptr: DenseArrayBase
    start: DenseArrayBase
    count: DenseArrayBase
    full: DenseArrayBase

    @staticmethod
    def from_runs(runs: P.TileRuns) -> TileTableAttr:
        return TileTableAttr(*(
            DenseArrayBase.from_list(elt, [int(x) for x in values])
            for (_, elt), values in zip(_TABLE_FIELDS,
                                        (runs.ptr, runs.start, runs.count, runs.full))))

    @property
    def runs(self) -> P.TileRuns:
        ptr, start, count, full = (_array(getattr(self, name), np.int32 if elt == i32 else np.int8)
                                   for name, elt in _TABLE_FIELDS)
        return P.TileRuns(0, 0, 0, 0, ptr.astype(np.int64), start.astype(np.int64),
                          count.astype(np.int64), full.astype(bool))

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(tile ptr per query tile, key tile, full flag) for every tile."""
        return self.runs.expand()

    @property
    def num_query_tiles(self) -> int:
        return len(self.ptr) - 1

    @property
    def num_tiles(self) -> int:
        return int(_array(self.count, np.int32).sum())

    def verify(self) -> None:
        self.verify_element_types()
        runs = self.runs
        if (len(runs.ptr) == 0 or runs.ptr[0] != 0 or runs.ptr[-1] != len(runs.start)
                or (np.diff(runs.ptr) < 0).any()):
            raise VerifyException("#tile.table: 'ptr' must rise from 0 to the number of runs")
        if not len(runs.start) == len(runs.count) == len(runs.full):
            raise VerifyException(
                "#tile.table: 'start', 'count' and 'full' must have the same length")
        if (runs.count <= 0).any() or (runs.start < 0).any():
            raise VerifyException("#tile.table: runs need a non-negative start and a "
                                  "positive count")
        # Within a query tile the runs ascend without overlap: a key tile
        # listed twice would be counted twice by the online softmax.
        later = np.ones(len(runs.start), bool)
        later[runs.ptr[:-1][runs.ptr[:-1] < len(runs.start)]] = False
        if (runs.start[1:] < (runs.start + runs.count)[:-1])[later[1:]].any():
            raise VerifyException("#tile.table: the runs of each query tile must be "
                                  "ascending and must not overlap")


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
        types = [attention_shape(value, what, name) for what, value in (
            ("q", self.q), ("k", self.k), ("v", self.v), ("result", self.output.type))]
        elements = [t.element_type for t in types]
        if len(set(elements)) != 1 or not isinstance(elements[0], FLOAT_TYPES):
            raise VerifyException(
                f"'{name}' q, k, v and result must share one float element type, got "
                + ", ".join(map(str, elements)))
        verify_scale(self, self.scale.value.data, elements[0])
        b, h, nq, nk, d, dv = self.dims
        if tuple(types[1].get_shape()) != (b, h, nk, d):
            raise VerifyException(
                f"'{name}' k must have shape {b}x{h}x{nk}x{d} to match q and v, got "
                + "x".join(map(str, types[1].get_shape())))
        if tuple(types[2].get_shape()[:2]) != (b, h):
            raise VerifyException(
                f"'{name}' v must have batch {b} and {h} heads to match q, got "
                + "x".join(map(str, types[2].get_shape())))
        out = types[3]
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
            runs = t.runs
            if t.num_query_tiles != nqt:
                raise VerifyException(
                    f"'{name}' tile table has {t.num_query_tiles} query tiles, "
                    f"expected {nqt} ({nq} rows in tiles of {bq})")
            if len(runs.start) and (runs.start + runs.count).max() > nkt:
                raise VerifyException(
                    f"'{name}' tile table names a key tile outside 0..{nkt - 1}")
        pattern = self.pattern.pattern
        if (self.mask is not None) != pattern.uses_mask:
            raise VerifyException(
                f"'{name}' a mask operand is needed exactly when the pattern uses #attn.mask")
        if self.mask is not None:
            mt = cast(TensorType, self.mask.type)
            ms = tuple(mt.get_shape())
            if (mt.element_type != IntegerType(1) or len(ms) != 4
                    or ms[0] not in (1, b) or ms[1] not in (1, h) or ms[2:] != (nq, nk)):
                raise VerifyException(
                    f"'{name}' mask must be an i1 tensor broadcastable to "
                    f"{b}x{h}x{nq}x{nk}, got {mt}")
        try:
            pattern.validate(nq, nk, h)
        except P.PatternError as e:
            raise VerifyException(f"'{name}' {e}") from None
        from attn_ir.dialects.tile_coalesced import verify_on

        verify_on(self)


def tile_tables(pattern: P.Pattern, nq: int, nk: int, heads: int,
                block_q: int, block_k: int) -> list[TileTableAttr]:
    """The tile tables of a pattern: one, or one per head if heads differ."""
    count = heads if pattern.head_dependent else 1
    return [TileTableAttr.from_runs(pattern.tile_runs(nq, nk, block_q, block_k, h))
            for h in range(count)]


Tile = Dialect("tile", [TiledAttentionOp], [TileTableAttr])
