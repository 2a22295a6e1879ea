"""ViTCoD's instructions in the ``accel`` dialect (You et al., HPCA 2023,
Sec. V, Fig. 9): token-major loads, the Q/K decoder, the denser and sparser
engines, and the online-softmax merge of their partial results.

A polarised attention runs as one ``accel.kernel`` with ``lane_heads``
set: a lane is a batch element with all its heads, or a group of them
(ViTCoD processes the heads of a layer together, each on its own columns of
the PE array), and its steps stream the tokens, one per step:

```mlir
%o = accel.kernel %qc, %kc, %v target #accel.target<"vitcod"> iteration #accel.blocks<q = 197, k = 1, ...>
       pattern #attn.synthetic_mask<heads = 3> {lane_heads = 3 : i64, schedule = "vitcod", ...} {
^bb0(%qc_dram, %kc_dram, %v_dram, %o_dram):
  accel.load_codec %q_dec {autoencoder = #attn.autoencoder<heads = 3, hidden = 2>, unit = "DMA"}
  accel.load_coo %index {pattern = #attn.polar_part<..., part = "sparse">, bits = 8, unit = "DMA"}
  accel.step {
    accel.load_tokens %qc_dram, %qc_token {tile = "q", bits = 8, unit = "DMA"}
    accel.qk_decode %qc_token, %q_dec, %q {sliced, unit = "CODEC"}
    ...
  }
  accel.dense_sddmm %q, %k, %index, %dense_scores {pattern = #attn.polar_part<..., part = "dense">, engine_rows = 5, ...}
  accel.coo_sddmm %q, %k, %index, %sparse_scores {pattern = ..., engine_rows = 59, unit = "PE2D_SPARSE"}
  accel.row_softmax ... ; accel.dense_spmm ... ; accel.coo_spmm ...
  accel.softmax_merge ... ; accel.store_tokens %out, %o_dram {bits = 8, unit = "DMA_OUT"}
}
```

Buffers of one lane hold its heads: ``[heads, tokens, features]``.  The
polarisation (dense columns, COO pairs) is compile-time data named by the
``#attn.polar_part`` of the engines' instructions; ``accel.load_coo`` brings
it on chip (ViTCoD's index buffer).  Latencies (the cycle models of
``attn_ir.targets.vitcod``) follow ViTCoD's simulator
(github.com/GATECH-EIC/ViTCoD, ``Hardware/Simulator/ViTCoD.py``):

* ``load_tokens`` / ``store_tokens``: one DRAM transaction per token (all
  heads), each a whole number of cycles: ``tokens * ceil(token bytes /
  (bytes per cycle))``;
* ``qk_decode``: ``tokens * ceil(compressed values per token / vec_lanes)``
  on the CODEC unit;
* the engines split the ``pe_rows`` rows of the array (``engine_rows`` each,
  in proportion to their work, ViTCoD's dynamic PE allocation) and the
  ``pe_cols`` columns among the heads, which run in parallel (time of the
  slowest head): dense SDDMM ``g * ceil(N / rows) * ceil(D * H / pe_cols)``,
  COO SDDMM ``ceil(nnz / rows) * ceil(D * H / pe_cols)``, dense SpMM
  ``ceil(N * Dv * g / floor(rows * pe_cols / H))``, COO SpMM ``ceil(nnz * Dv
  / floor(rows * pe_cols / H))``;
* ``row_softmax`` and ``softmax_merge``: ``ceil(elements / vec_lanes)``
  (times ``exp_cycles`` for the exponentials).
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
)
from xdsl.irdl import (
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
)
from xdsl.utils.exceptions import VerifyException

from attn_ir.dialects import accel as A
from attn_ir.dialects.vitcod.attn import PolarPartAttr
from attn_ir.dialects.vitcod.qk_autoencoder import AutoEncoderAttr


def _shape(value) -> tuple[int, ...]:
    return tuple(cast(MemRefType, value.type).get_shape())


def _rank(op: A.InstructionOp, names: Sequence[str], rank: int) -> None:
    for name in names:
        shape = _shape(getattr(op, name))
        if len(shape) != rank:
            raise VerifyException(f"'{op.name}' {name} buffer must be {rank}-D, got "
                                  + "x".join(map(str, shape)))


def _part(op, expected: str) -> None:
    part = op.pattern.part.data
    if part != expected:
        raise VerifyException(f"'{op.name}' needs the {expected} part of a polarisation, got "
                              f"part = \"{part}\"")


def _engine_rows(op) -> None:
    if op.engine_rows.value.data <= 0:
        raise VerifyException(f"'{op.name}' engine_rows must be positive, got "
                              f"{op.engine_rows.value.data}")


@irdl_op_definition
class LoadTokensOp(A.InstructionOp):
    """Load tokens of this lane's batch element, every head, from DRAM
    ``source`` ([B, H, N, D]) into ``dest``: with ``sliced``, the step's
    token, into a one-token buffer ([H, 1, D]) or into its row of a
    [H, N, D] one; otherwise every token ([H, N, D]).  ``bits``: the width of each value moved.  One DRAM
    transaction per token (ViTCoD keeps Q, K and V token-major)."""

    name = "accel.load_tokens"
    KIND: ClassVar[str] = "load_tokens"
    WRITES: ClassVar[tuple[str, ...]] = ("dest",)
    source = operand_def(MemRefType)
    dest = operand_def(MemRefType)
    tile = prop_def(StringAttr)
    bits = prop_def(IntegerAttr)
    sliced = opt_prop_def(BoolAttr)
    assembly_format = "$source `,` $dest attr-dict `:` type($source) `,` type($dest)"

    def verify_shapes(self) -> None:
        if self.tile.data not in ("q", "k", "v"):
            raise VerifyException(f"'{self.name}' tile must be q, k or v, got "
                                  f"'{self.tile.data}'")
        _rank(self, ("dest",), 3)
        src, dst = _shape(self.source), _shape(self.dest)
        if len(src) != 4 or src[3] != dst[2] or dst[0] <= 0 or src[1] % dst[0]:
            raise VerifyException(f"'{self.name}' dest must be [heads, tokens, "
                                  f"{src[3] if len(src) == 4 else 'D'}] with heads dividing "
                                  f"the {'x'.join(map(str, src))} source's")
        sliced = self.sliced is not None and self.sliced.value.data
        if dst[1] != src[2] and not (sliced and dst[1] == 1):
            raise VerifyException(f"'{self.name}' dest must hold {src[2]} tokens"
                                  + (" or 1" if sliced else "") + f", got {dst[1]}")


@irdl_op_definition
class StoreTokensOp(A.InstructionOp):
    """Store every token of ``source`` ([heads, N, Dv]: the lane's heads) to
    this lane's batch element of DRAM ``dest``; one transaction per token."""

    name = "accel.store_tokens"
    KIND: ClassVar[str] = "store_tokens"
    READS: ClassVar[tuple[str, ...]] = ("source",)
    source = operand_def(MemRefType)
    dest = operand_def(MemRefType)
    bits = prop_def(IntegerAttr)
    assembly_format = "$source `,` $dest attr-dict `:` type($source) `,` type($dest)"

    def verify_shapes(self) -> None:
        _rank(self, ("source",), 3)
        src, dst = _shape(self.source), _shape(self.dest)
        if len(dst) != 4 or dst[2:] != src[1:] or dst[1] % src[0]:
            raise VerifyException(f"'{self.name}' source must be some heads of one batch "
                                  "element of dest")


@irdl_op_definition
class LoadCodecOp(A.InstructionOp):
    """Load the rows of a Q/K decoder's weights for the lane's heads
    ([heads, hidden + 1]: the matrix and the bias) from DRAM at ``bits`` per
    value."""

    name = "accel.load_codec"
    KIND: ClassVar[str] = "load_codec"
    WRITES: ClassVar[tuple[str, ...]] = ("dest",)
    dest = operand_def(MemRefType)
    autoencoder = prop_def(AutoEncoderAttr)
    bits = prop_def(IntegerAttr)
    assembly_format = "$dest attr-dict `:` type($dest)"

    def verify_shapes(self) -> None:
        codec = self.autoencoder.codec
        dest = _shape(self.dest)
        if len(dest) != 2 or dest[1] != codec.hidden + 1 or codec.heads % max(1, dest[0]):
            raise VerifyException(f"'{self.name}' dest must be [heads, {codec.hidden + 1}] with "
                                  f"heads dividing {codec.heads}")


@irdl_op_definition
class LoadCooOp(A.InstructionOp):
    """Load the polarisation's index data from DRAM (ViTCoD's index buffer):
    per head the dense columns' tokens and the sparse part's (query, key)
    pairs, ``bits`` per index.  ``dest`` is [H, G + 2 Z] (G: most dense
    columns of a head, Z: most sparse pairs)."""

    name = "accel.load_coo"
    KIND: ClassVar[str] = "load_coo"
    WRITES: ClassVar[tuple[str, ...]] = ("dest",)
    dest = operand_def(MemRefType)
    pattern = prop_def(PolarPartAttr)
    bits = prop_def(IntegerAttr)
    assembly_format = "$dest attr-dict `:` type($dest)"

    def verify_shapes(self) -> None:
        _rank(self, ("dest",), 2)


@irdl_op_definition
class QKDecodeInstrOp(A.InstructionOp):
    """Decode Q or K on chip: ``dest[h] = sum_c W[h, c] enc[c] + b[h]`` with
    the weights in ``weights`` ([H, hidden + 1]); ``enc`` is [hidden, t, D].
    With ``sliced`` the step's token goes to row ``step`` of ``dest``
    ([H, N, D]); otherwise ``dest`` is [H, t, D]."""

    name = "accel.qk_decode"
    KIND: ClassVar[str] = "qk_decode"
    READS: ClassVar[tuple[str, ...]] = ("enc", "weights")
    UPDATES: ClassVar[tuple[str, ...]] = ("dest",)
    enc = operand_def(MemRefType)
    weights = operand_def(MemRefType)
    dest = operand_def(MemRefType)
    sliced = opt_prop_def(BoolAttr)
    assembly_format = ("$enc `,` $weights `,` $dest attr-dict `:` type($enc) `,` "
                       "type($weights) `,` type($dest)")

    def verify_shapes(self) -> None:
        _rank(self, ("enc", "dest"), 3)
        enc, w, dst = _shape(self.enc), _shape(self.weights), _shape(self.dest)
        if w != (dst[0], enc[0] + 1) or enc[2] != dst[2]:
            raise VerifyException(
                f"'{self.name}' weights must be [{dst[0]}, {enc[0] + 1}] and enc and dest must "
                "agree on the head dimension")


class _EngineOp(A.InstructionOp):
    """Common to the denser and sparser engines' instructions."""

    pattern = prop_def(PolarPartAttr)
    engine_rows = prop_def(IntegerAttr)
    PART: ClassVar[str]

    def verify_shapes(self) -> None:
        _part(self, self.PART)
        _engine_rows(self)


@irdl_op_definition
class DenseSddmmOp(_EngineOp):
    """The denser engine's QK: ``scores[h, i, c] = scale * q[h, i] .
    k[h, dense_h[c]]`` for every query and the head's dense columns (index
    data in ``index``), ``-inf`` where the mask drops the pair or ``c`` is
    past the head's dense columns.  q, k: [H, N, D]; scores [H, N, G]."""

    name = "accel.dense_sddmm"
    KIND: ClassVar[str] = "dense_sddmm"
    PART: ClassVar[str] = "dense"
    READS: ClassVar[tuple[str, ...]] = ("q", "k", "index")
    WRITES: ClassVar[tuple[str, ...]] = ("scores",)
    q = operand_def(MemRefType)
    k = operand_def(MemRefType)
    index = operand_def(MemRefType)
    scores = operand_def(MemRefType)
    scale = prop_def(FloatAttr)
    assembly_format = ("$q `,` $k `,` $index `,` $scores attr-dict `:` type($q) `,` type($k) "
                       "`,` type($index) `,` type($scores)")

    def verify_shapes(self) -> None:
        super().verify_shapes()
        _rank(self, ("q", "k", "scores"), 3)
        q, k, s = _shape(self.q), _shape(self.k), _shape(self.scores)
        if q[0] != k[0] or q[2] != k[2] or s[:2] != q[:2]:
            raise VerifyException(f"'{self.name}' q, k must be [H, N, D] and scores [H, N, G]")


@irdl_op_definition
class CooSddmmOp(_EngineOp):
    """The sparser engine's SDDMM: ``scores[h, z] = scale * q[h, row_z] .
    k[h, col_z]`` for the head's sparse pairs z (``index``); [H, Z]."""

    name = "accel.coo_sddmm"
    KIND: ClassVar[str] = "coo_sddmm"
    PART: ClassVar[str] = "sparse"
    READS: ClassVar[tuple[str, ...]] = ("q", "k", "index")
    WRITES: ClassVar[tuple[str, ...]] = ("scores",)
    q = operand_def(MemRefType)
    k = operand_def(MemRefType)
    index = operand_def(MemRefType)
    scores = operand_def(MemRefType)
    scale = prop_def(FloatAttr)
    assembly_format = ("$q `,` $k `,` $index `,` $scores attr-dict `:` type($q) `,` type($k) "
                       "`,` type($index) `,` type($scores)")

    def verify_shapes(self) -> None:
        super().verify_shapes()
        _rank(self, ("q", "k"), 3)
        _rank(self, ("scores",), 2)
        if _shape(self.scores)[0] != _shape(self.q)[0]:
            raise VerifyException(f"'{self.name}' scores must have one row per head")


@irdl_op_definition
class RowSoftmaxOp(A.InstructionOp):
    """Unnormalised softmax of each query row's scores, in place: ``s =
    exp(s - row_max)``, ``row_sum = sum s`` (``row_max`` -inf and
    ``row_sum`` 0 for a row with no pair).  ``format = "dense"``: scores
    [H, N, G]; ``"coo"``: [H, Z], rows from ``index``."""

    name = "accel.row_softmax"
    KIND: ClassVar[str] = "row_softmax"
    READS: ClassVar[tuple[str, ...]] = ("index",)
    WRITES: ClassVar[tuple[str, ...]] = ("row_max", "row_sum")
    UPDATES: ClassVar[tuple[str, ...]] = ("scores",)
    scores = operand_def(MemRefType)
    index = operand_def(MemRefType)
    row_max = operand_def(MemRefType)
    row_sum = operand_def(MemRefType)
    pattern = prop_def(PolarPartAttr)
    assembly_format = ("$scores `,` $index `,` $row_max `,` $row_sum attr-dict `:` "
                       "type($scores) `,` type($index) `,` type($row_max) `,` type($row_sum)")

    def verify_shapes(self) -> None:
        if self.pattern.part.data not in ("dense", "sparse"):
            raise VerifyException(f"'{self.name}' needs the dense or the sparse part")
        _rank(self, ("row_max", "row_sum"), 2)
        if _shape(self.row_max) != _shape(self.row_sum):
            raise VerifyException(f"'{self.name}' row_max and row_sum must be [H, N]")


@irdl_op_definition
class DenseSpmmOp(_EngineOp):
    """The denser engine's PV: ``out[h, i] = sum_c p[h, i, c] v[h,
    dense_h[c]]`` (unnormalised).  p [H, N, G], v [H, N, Dv], out [H, N, Dv]."""

    name = "accel.dense_spmm"
    KIND: ClassVar[str] = "dense_spmm"
    PART: ClassVar[str] = "dense"
    READS: ClassVar[tuple[str, ...]] = ("p", "v", "index")
    WRITES: ClassVar[tuple[str, ...]] = ("out",)
    p = operand_def(MemRefType)
    v = operand_def(MemRefType)
    index = operand_def(MemRefType)
    out = operand_def(MemRefType)
    assembly_format = ("$p `,` $v `,` $index `,` $out attr-dict `:` type($p) `,` type($v) "
                       "`,` type($index) `,` type($out)")

    def verify_shapes(self) -> None:
        super().verify_shapes()
        _rank(self, ("p", "v", "out"), 3)
        if _shape(self.out) != (*_shape(self.p)[:2], _shape(self.v)[2]):
            raise VerifyException(f"'{self.name}' out must be [H, N, Dv]")


@irdl_op_definition
class CooSpmmOp(_EngineOp):
    """The sparser engine's SpMM: ``out[h, row_z] += p[h, z] v[h, col_z]``
    over the head's sparse pairs (unnormalised); out [H, N, Dv]."""

    name = "accel.coo_spmm"
    KIND: ClassVar[str] = "coo_spmm"
    PART: ClassVar[str] = "sparse"
    READS: ClassVar[tuple[str, ...]] = ("p", "v", "index")
    WRITES: ClassVar[tuple[str, ...]] = ("out",)
    p = operand_def(MemRefType)
    v = operand_def(MemRefType)
    index = operand_def(MemRefType)
    out = operand_def(MemRefType)
    assembly_format = ("$p `,` $v `,` $index `,` $out attr-dict `:` type($p) `,` type($v) "
                       "`,` type($index) `,` type($out)")

    def verify_shapes(self) -> None:
        super().verify_shapes()
        _rank(self, ("p",), 2)
        _rank(self, ("v", "out"), 3)


@irdl_op_definition
class SoftmaxMergeInstrOp(A.InstructionOp):
    """Merge the two engines' unnormalised partial results into the output:
    ``m = max(m_a, m_b)``, ``out = (e^(m_a - m) out_a + e^(m_b - m) out_b) /
    (e^(m_a - m) l_a + e^(m_b - m) l_b)``, 0 for a row with no pair."""

    name = "accel.softmax_merge"
    KIND: ClassVar[str] = "softmax_merge"
    READS: ClassVar[tuple[str, ...]] = ("out_a", "max_a", "sum_a", "out_b", "max_b", "sum_b")
    WRITES: ClassVar[tuple[str, ...]] = ("out",)
    out_a = operand_def(MemRefType)
    max_a = operand_def(MemRefType)
    sum_a = operand_def(MemRefType)
    out_b = operand_def(MemRefType)
    max_b = operand_def(MemRefType)
    sum_b = operand_def(MemRefType)
    out = operand_def(MemRefType)
    assembly_format = ("$out_a `,` $max_a `,` $sum_a `,` $out_b `,` $max_b `,` $sum_b `,` $out "
                       "attr-dict `:` type($out_a) `,` type($max_a) `,` type($sum_a) `,` "
                       "type($out_b) `,` type($max_b) `,` type($sum_b) `,` type($out)")

    def verify_shapes(self) -> None:
        outs = {_shape(v) for v in (self.out_a, self.out_b, self.out)}
        stats = {_shape(v) for v in (self.max_a, self.sum_a, self.max_b, self.sum_b)}
        if len(outs) != 1 or len(stats) != 1 or next(iter(outs))[:2] != next(iter(stats)):
            raise VerifyException(f"'{self.name}' outputs must be [H, N, Dv] and row "
                                  "statistics [H, N], all alike")


OPS = [LoadTokensOp, StoreTokensOp, LoadCodecOp, LoadCooOp, QKDecodeInstrOp, DenseSddmmOp,
       CooSddmmOp, RowSoftmaxOp, DenseSpmmOp, CooSpmmOp, SoftmaxMergeInstrOp]
ATTRIBUTES: list = []
