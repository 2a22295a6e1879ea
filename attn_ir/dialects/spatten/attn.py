"""SpAtten's dynamic sparsity in the ``attn`` dialect: cascade token and
head pruning, top-k, gather/compaction and progressive quantisation
(Wang, Zhang, Han, HPCA 2021).  Semantics: ``attn_ir.reference.spatten``.

One layer of a pruned, progressively quantised GPT-2 decoding step:

```mlir
%km, %kl, %ks = attn.quantize %k {msb_bits = 6 : i64, lsb_bits = 4 : i64}
    : tensor<1x12x1024x64xf32> -> (tensor<1x12x1024x64xi8>, tensor<1x12x1024x64xi8>, tensor<1x12xf32>)
%scores = attn.gather %importance, %tokens {dim = 1 : i64}
    : (tensor<1x1024xf64>, tensor<1x993xi64>) -> tensor<1x993xf64>
%best = attn.topk %scores {k = 921 : i64} : tensor<1x993xf64> -> tensor<1x921xi64>
%kept = attn.gather %tokens, %best {dim = 1 : i64}
    : (tensor<1x993xi64>, tensor<1x921xi64>) -> tensor<1x921xi64>
%kmg = attn.gather %km, %kept {dim = 2 : i64} : ...        // likewise %klg, %vmg
%o, %colsum, %requant = attn.progressive_attention %q, %kmg, %klg, %ks, %vmg, %vs
    positions %qpos, %kept pattern #attn.causal
    {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 5.000000e-02 : f64,
     value_keep = 2.000000e-01 : f64, context = 1024 : i64} : ...
%importance2 = attn.token_importance %colsum at %kept into %importance
    : (tensor<1x12x921xf64>, tensor<1x921xi64>, tensor<1x1024xf64>) -> tensor<1x1024xf64>
```

| op | meaning |
|---|---|
| ``attn.quantize`` | K or V as MSB and LSB planes of one symmetric code per (batch, head), and the scales |
| ``attn.token_range`` | the positions ``start .. start + K - 1`` of every batch: an index list |
| ``attn.topk`` | positions of the k largest scores per batch (``k`` a count, or ``keep`` a ratio), ascending, ties to the lower position |
| ``attn.gather`` | compaction: a dimension indexed by an index list [B, K] |
| ``attn.scatter`` | the inverse: slices put back at their positions (into zeros, or ``into`` a tensor) |
| ``attn.progressive_attention`` | attention from the MSBs, rows below ``threshold`` recomputed with MSB + LSB, local value pruning; also the column sums and the requantised rows |
| ``attn.token_importance`` | column sums summed over heads, added at the keys' original positions (carried from layer to layer) |
| ``attn.head_importance`` | output magnitudes per head, added at the heads' original indices |

Index lists are ``tensor<BxKxi64>``; importance and column sums are f64,
so every backend takes the same decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, cast

from xdsl.dialects.builtin import (
    Float64Type,
    FloatAttr,
    IntegerAttr,
    IntegerType,
    TensorType,
)
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

from attn_ir import patterns as P
from attn_ir.dialects.attn import PatternAttr
from attn_ir.dialects.utils import (
    element_type as element,
    expect_float,
    expect_shape,
    float_prop,
    int_prop,
    shape_text,
    tensor_shape,
)

INDEX = IntegerType(64)
I1 = IntegerType(1)




def index_list(op: IRDLOperation, value: SSAValue | Attribute, what: str,
               batch: int | None = None) -> tuple[int, int]:
    """(B, K) of an index list tensor<BxKxi64>."""
    shape = tensor_shape(op, value, what, rank=2)
    if element(value) != INDEX:
        raise VerifyException(
            f"'{op.name}' {what} must be an index list of i64, got {element(value)}")
    if batch is not None and shape[0] != batch:
        raise VerifyException(
            f"'{op.name}' {what} has batch {shape[0]}, expected {batch}")
    return shape


def plane_bits(op: IRDLOperation, value: SSAValue | Attribute, what: str, bits: int) -> None:
    """An integer plane wide enough for ``bits`` signed bits."""
    t = element(value)
    if not isinstance(t, IntegerType) or t == I1:
        raise VerifyException(f"'{op.name}' {what} must have an integer element type, got {t}")
    if t.width.data < bits:
        raise VerifyException(
            f"'{op.name}' {what} element type {t} is narrower than its {bits} bits")


def check_bits(op: IRDLOperation, msb: int, lsb: int) -> None:
    if msb < 1:
        raise VerifyException(f"'{op.name}' msb_bits must be at least 1, got {msb}")
    if lsb < 0:
        raise VerifyException(f"'{op.name}' lsb_bits must not be negative, got {lsb}")
    if msb + lsb > 32:
        raise VerifyException(
            f"'{op.name}' msb_bits + lsb_bits must be at most 32, got {msb + lsb}")


@irdl_op_definition
class QuantizeOp(IRDLOperation):
    """K or V [B, H, N, D] as the MSB and LSB planes of one symmetric linear
    code of ``msb_bits + lsb_bits`` bits per (batch, head), and the scales
    [B, H] (SpAtten's storage for progressive quantisation, Sec. III-D).
    The planes are integers at least ``msb_bits`` (``lsb_bits + 1``) wide;
    the MSBs are signed, the LSBs in [0, 2^lsb_bits)."""

    name = "attn.quantize"
    input = operand_def(TensorType)
    msb = result_def(TensorType)
    lsb = result_def(TensorType)
    scale = result_def(TensorType)
    msb_bits = prop_def(IntegerAttr)
    lsb_bits = prop_def(IntegerAttr)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$input attr-dict `:` type($input) `->` `(` type($msb) `,` "
                       "type($lsb) `,` type($scale) `)`")

    def __init__(self, input: SSAValue, msb_bits: int, lsb_bits: int):
        t = cast(TensorType, input.type)
        shape = t.get_shape()
        plane = IntegerType(8 if max(msb_bits, lsb_bits + 1) <= 8 else 16)
        super().__init__(
            operands=[input],
            result_types=[TensorType(plane, shape), TensorType(plane, shape),
                          TensorType(t.element_type, shape[:2])],
            properties={"msb_bits": IntegerAttr(msb_bits, 64),
                        "lsb_bits": IntegerAttr(lsb_bits, 64)})

    def verify_(self) -> None:
        msb, lsb = self.msb_bits.value.data, self.lsb_bits.value.data
        check_bits(self, msb, lsb)
        shape = tensor_shape(self, self.input, "input", rank=4)
        expect_float(self, "input", self.input)
        expect_shape(self, "msb plane", tensor_shape(self, self.msb, "msb plane"), shape)
        expect_shape(self, "lsb plane", tensor_shape(self, self.lsb, "lsb plane"), shape)
        plane_bits(self, self.msb, "msb plane", msb)
        plane_bits(self, self.lsb, "lsb plane", lsb + 1)
        expect_shape(self, "scale", tensor_shape(self, self.scale, "scale"), shape[:2])
        expect_float(self, "scale", self.scale)


@irdl_op_definition
class TokenRangeOp(IRDLOperation):
    """The index list [B, K] holding ``start .. start + K - 1`` for every batch."""

    name = "attn.token_range"
    start = prop_def(IntegerAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "attr-dict `:` type($output)"

    def __init__(self, batch: int, start: int, count: int):
        super().__init__(result_types=[TensorType(INDEX, [batch, count])],
                         properties={"start": IntegerAttr(start, 64)})

    def verify_(self) -> None:
        index_list(self, self.output, "result")
        if self.start.value.data < 0:
            raise VerifyException(
                f"'{self.name}' start must not be negative, got {self.start.value.data}")


@irdl_op_definition
class TopKOp(IRDLOperation):
    """Positions [B, K] of the K largest scores of each batch row of
    [B, N], in ascending order; equal scores prefer the lower position, NaN
    ranks last.  K is ``k``, or floor(``keep`` * N) (at least 1); the top-k
    engine of SpAtten (Sec. IV-B) ranks token and head importance."""

    name = "attn.topk"
    scores = operand_def(TensorType)
    k = opt_prop_def(IntegerAttr)
    keep = opt_prop_def(FloatAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$scores attr-dict `:` type($scores) `->` type($output)"

    def __init__(self, scores: SSAValue, k: int | None = None, keep: float | None = None):
        from attn_ir.reference.spatten import topk_count

        b, n = cast(TensorType, scores.type).get_shape()
        props: dict[str, Attribute] = {}
        if k is not None:
            props["k"] = IntegerAttr(k, 64)
        if keep is not None:
            props["keep"] = FloatAttr(keep, 64)
        count = topk_count(n, k, keep) if (k is None) != (keep is None) else 1
        super().__init__(operands=[scores], result_types=[TensorType(INDEX, [b, count])],
                         properties=props)

    @property
    def count(self) -> int:
        from attn_ir.reference.spatten import topk_count

        n = cast(TensorType, self.scores.type).get_shape()[1]
        return topk_count(n, int_prop(self.k), float_prop(self.keep))

    def verify_(self) -> None:
        b, n = tensor_shape(self, self.scores, "scores", rank=2)
        expect_float(self, "scores", self.scores)
        if (self.k is None) == (self.keep is None):
            raise VerifyException(f"'{self.name}' needs exactly one of 'k' (a count) and "
                                  "'keep' (a ratio)")
        if self.k is not None and not 1 <= self.k.value.data <= n:
            raise VerifyException(
                f"'{self.name}' k must be between 1 and the {n} scores, got {self.k.value.data}")
        if self.keep is not None and not 0 < self.keep.value.data <= 1:
            raise VerifyException(
                f"'{self.name}' keep must be a ratio in (0, 1], got {self.keep.value.data}")
        index_list(self, self.output, "result")
        expect_shape(self, "result", tensor_shape(self, self.output, "result"), (b, self.count))


@irdl_op_definition
class GatherOp(IRDLOperation):
    """Compaction: ``source`` with dimension ``dim`` (1 or later) indexed,
    per batch, by the index list [B, K] (SpAtten fetches only the surviving
    tokens or heads; the list keeps their original indices)."""

    name = "attn.gather"
    source = operand_def(TensorType)
    index = operand_def(TensorType)
    dim = prop_def(IntegerAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$source `,` $index attr-dict `:` functional-type(operands, results)"

    def __init__(self, source: SSAValue, index: SSAValue, dim: int):
        t = cast(TensorType, source.type)
        shape = list(t.get_shape())
        shape[dim] = cast(TensorType, index.type).get_shape()[1]
        super().__init__(operands=[source, index],
                         result_types=[TensorType(t.element_type, shape)],
                         properties={"dim": IntegerAttr(dim, 64)})

    def verify_(self) -> None:
        src = tensor_shape(self, self.source, "source")
        dim = self.dim.value.data
        if not 1 <= dim < len(src):
            raise VerifyException(
                f"'{self.name}' dim must index a dimension after the batch (1..{len(src) - 1}), "
                f"got {dim}")
        _, k = index_list(self, self.index, "index", batch=src[0])
        want = list(src)
        want[dim] = k
        expect_shape(self, "result", tensor_shape(self, self.output, "result"), want)
        if element(self.output) != element(self.source):
            raise VerifyException(f"'{self.name}' result element type {element(self.output)} "
                                  f"differs from the source's {element(self.source)}")


@irdl_op_definition
class ScatterOp(IRDLOperation):
    """The inverse of ``attn.gather``: the result (``into``, or zeros) with
    the slices of ``source`` along ``dim`` placed at the positions of the
    index list (pruned tokens and heads give zeros)."""

    name = "attn.scatter"
    source = operand_def(TensorType)
    index = operand_def(TensorType)
    into = opt_operand_def(TensorType)
    dim = prop_def(IntegerAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$source `,` $index (`into` $into^)? attr-dict `:` "
                       "functional-type(operands, results)")

    def __init__(self, source: SSAValue, index: SSAValue, dim: int,
                 result_type: Attribute | None = None, into: SSAValue | None = None):
        if result_type is None:
            assert into is not None
            result_type = into.type
        super().__init__(operands=[source, index, into], result_types=[result_type],
                         properties={"dim": IntegerAttr(dim, 64)})

    def verify_(self) -> None:
        src = tensor_shape(self, self.source, "source")
        out = tensor_shape(self, self.output, "result")
        dim = self.dim.value.data
        if not 1 <= dim < len(src):
            raise VerifyException(
                f"'{self.name}' dim must index a dimension after the batch (1..{len(src) - 1}), "
                f"got {dim}")
        _, k = index_list(self, self.index, "index", batch=src[0])
        if k != src[dim]:
            raise VerifyException(f"'{self.name}' index has {k} entries, the source's "
                                  f"dimension {dim} has {src[dim]}")
        want = list(src)
        want[dim] = out[dim] if len(out) == len(src) else -1
        expect_shape(self, "result", out, want)
        if k > out[dim]:
            raise VerifyException(f"'{self.name}' cannot place {k} slices into {out[dim]}")
        if element(self.output) != element(self.source):
            raise VerifyException(f"'{self.name}' result element type {element(self.output)} "
                                  f"differs from the source's {element(self.source)}")
        if self.into is not None and self.into.type != self.output.type:
            raise VerifyException(f"'{self.name}' 'into' must have the result type "
                                  f"{self.output.type}, got {self.into.type}")


@irdl_op_definition
class ProgressiveAttentionOp(IRDLOperation):
    """SpAtten's attention of a layer on compacted operands (Sec. III).

    Operands: q [B, Hk, Nq, D] (float); the K MSB and LSB planes [B, Hk, Nk,
    D] and their scales [B, Hk]; the V MSB plane [B, Hk, Nk, Dv] and its
    scales; the original positions of the queries [B, Nq] and keys [B, Nk]
    (the pattern is evaluated on them, over ``context`` tokens); optionally
    the original heads [B, Hk].  Attention is computed from the MSBs; rows
    whose largest probability is below ``threshold`` are recomputed with
    MSB + LSB; with ``value_keep`` only that fraction of a row's keys with the
    largest probabilities contribute their (MSB) values.  Results: the
    output [B, Hk, Nq, Dv], the column sums of the probabilities [B, Hk, Nk]
    (f64) and the requantised rows [B, Hk, Nq] (i1).  ``scale`` defaults to
    1/sqrt(D)."""

    name = "attn.progressive_attention"
    q = operand_def(TensorType)
    k_msb = operand_def(TensorType)
    k_lsb = operand_def(TensorType)
    k_scale = operand_def(TensorType)
    v_msb = operand_def(TensorType)
    v_scale = operand_def(TensorType)
    q_pos = operand_def(TensorType)
    k_pos = operand_def(TensorType)
    heads = opt_operand_def(TensorType)
    pattern = prop_def(PatternAttr)
    msb_bits = prop_def(IntegerAttr)
    lsb_bits = prop_def(IntegerAttr)
    threshold = prop_def(FloatAttr)
    value_keep = opt_prop_def(FloatAttr)
    context = prop_def(IntegerAttr)
    scale = opt_prop_def(FloatAttr)
    output = result_def(TensorType)
    colsum = result_def(TensorType)
    requant = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$q `,` $k_msb `,` $k_lsb `,` $k_scale `,` $v_msb `,` $v_scale `positions` $q_pos "
        "`,` $k_pos (`heads` $heads^)? `pattern` $pattern attr-dict `:` "
        "functional-type(operands, results)")

    OPERANDS: ClassVar[tuple[str, ...]] = (
        "q", "k_msb", "k_lsb", "k_scale", "v_msb", "v_scale", "q_pos", "k_pos")

    def __init__(self, operands: Sequence[SSAValue], pattern: PatternAttr | P.Pattern, *,
                 msb_bits: int, lsb_bits: int, threshold: float, context: int,
                 value_keep: float | None = None, scale: float | None = None,
                 heads: SSAValue | None = None):
        if isinstance(pattern, P.Pattern):
            pattern = PatternAttr.from_pattern(pattern)
        q, v = operands[0], operands[4]
        b, hk, nq, _ = cast(TensorType, q.type).get_shape()
        nk, dv = cast(TensorType, v.type).get_shape()[2:]
        props: dict[str, Attribute] = {
            "pattern": pattern, "msb_bits": IntegerAttr(msb_bits, 64),
            "lsb_bits": IntegerAttr(lsb_bits, 64), "threshold": FloatAttr(threshold, 64),
            "context": IntegerAttr(context, 64)}
        if value_keep is not None:
            props["value_keep"] = FloatAttr(value_keep, 64)
        if scale is not None:
            props["scale"] = FloatAttr(scale, 64)
        elem = cast(TensorType, q.type).element_type
        super().__init__(
            operands=[*operands, heads],
            result_types=[TensorType(elem, [b, hk, nq, dv]),
                          TensorType(Float64Type(), [b, hk, nk]), TensorType(I1, [b, hk, nq])],
            properties=props)

    @property
    def dims(self) -> tuple[int, int, int, int, int, int]:
        """(B, Hk, Nq, Nk, D, Dv)."""
        b, hk, nq, d = cast(TensorType, self.q.type).get_shape()
        _, _, nk, dv = cast(TensorType, self.v_msb.type).get_shape()
        return b, hk, nq, nk, d, dv

    @property
    def scale_value(self) -> float:
        return self.scale.value.data if self.scale is not None else 1.0 / self.dims[4] ** 0.5

    def verify_(self) -> None:
        verify_progressive(self, self.q, self.k_msb, self.k_lsb, self.k_scale, self.v_msb,
                           self.v_scale, self.q_pos, self.k_pos, self.heads,
                           q_rows=None, k_rows=None, compacted=True)


def verify_progressive(op, q, k_msb, k_lsb, k_scale, v_msb, v_scale, q_pos, k_pos, heads,
                       q_rows, k_rows, compacted: bool) -> None:
    """Shared by ``attn.progressive_attention`` (compacted operands) and
    ``tile.progressive_attention`` (whole tensors and index lists)."""
    msb, lsb = op.msb_bits.value.data, op.lsb_bits.value.data
    check_bits(op, msb, lsb)
    qs = tensor_shape(op, q, "q", rank=4)
    expect_float(op, "q", q)
    km = tensor_shape(op, k_msb, "k msb plane", rank=4)
    vm = tensor_shape(op, v_msb, "v msb plane", rank=4)
    b, h = qs[0], qs[1]
    if km[:2] != (b, h) or km[3] != qs[3]:
        raise VerifyException(
            f"'{op.name}' k msb plane must be {b}x{h}xNkx{qs[3]} to match q, got {shape_text(km)}")
    expect_shape(op, "k lsb plane", tensor_shape(op, k_lsb, "k lsb plane", rank=4), km)
    if vm[:3] != km[:3]:
        raise VerifyException(
            f"'{op.name}' v msb plane must be {shape_text(km[:3])}xDv to match the keys, got {shape_text(vm)}")
    plane_bits(op, k_msb, "k msb plane", msb)
    plane_bits(op, k_lsb, "k lsb plane", lsb + 1)
    plane_bits(op, v_msb, "v msb plane", msb)
    for what, value in (("k scale", k_scale), ("v scale", v_scale)):
        expect_shape(op, what, tensor_shape(op, value, what, rank=2), (b, h))
        expect_float(op, what, value)
    nq = index_list(op, q_pos, "query positions", batch=b)[1]
    nk = index_list(op, k_pos, "key positions", batch=b)[1]
    hk = h
    if compacted:
        if nq != qs[2]:
            raise VerifyException(f"'{op.name}' has {nq} query positions for {qs[2]} queries")
        if nk != km[2]:
            raise VerifyException(f"'{op.name}' has {nk} key positions for {km[2]} keys")
    else:
        if index_list(op, q_rows, "query rows", batch=b)[1] != nq:
            raise VerifyException(f"'{op.name}' query rows and positions differ in length")
        if index_list(op, k_rows, "key rows", batch=b)[1] != nk:
            raise VerifyException(f"'{op.name}' key rows and positions differ in length")
    if heads is not None:
        hk = index_list(op, heads, "heads", batch=b)[1]
        if compacted and hk != h:
            raise VerifyException(f"'{op.name}' lists {hk} heads for {h} heads of q")
    if not 0 <= op.threshold.value.data <= 1:
        raise VerifyException(
            f"'{op.name}' threshold must be a probability in [0, 1], got "
            f"{op.threshold.value.data}")
    if op.value_keep is not None and not 0 < op.value_keep.value.data <= 1:
        raise VerifyException(
            f"'{op.name}' value_keep must be a ratio in (0, 1], got {op.value_keep.value.data}")
    context = op.context.value.data
    pattern = op.pattern.pattern
    if pattern.uses_mask:
        raise VerifyException(f"'{op.name}' cannot use #attn.mask: positions are compacted")
    if context <= 0:
        raise VerifyException(f"'{op.name}' context must be positive, got {context}")
    try:
        pattern.validate(context, context, h if heads is None else max(h, hk))
    except P.PatternError as e:
        raise VerifyException(f"'{op.name}' {e}") from None
    out_heads = hk if not compacted else h
    expect_shape(op, "result", tensor_shape(op, op.output, "result", rank=4),
                 (b, out_heads, nq, vm[3]))
    if element(op.output) != element(q):
        raise VerifyException(f"'{op.name}' result must have q's element type {element(q)}")
    expect_shape(op, "column sums", tensor_shape(op, op.colsum, "column sums"),
                 (b, out_heads, nk))
    expect_float(op, "column sums", op.colsum, (Float64Type,))
    expect_shape(op, "requantised rows", tensor_shape(op, op.requant, "requantised rows"),
                 (b, out_heads, nq))
    if element(op.requant) != I1:
        raise VerifyException(f"'{op.name}' requantised rows must be i1, got {element(op.requant)}")


@irdl_op_definition
class TokenImportanceOp(IRDLOperation):
    """Cascade token importance (Sec. III-A): ``into`` [B, N] (zeros when
    absent) plus the column sums [B, Hk, Nk] summed over heads, added at the
    keys' original positions [B, Nk]; carried from layer to layer."""

    name = "attn.token_importance"
    colsum = operand_def(TensorType)
    k_pos = operand_def(TensorType)
    into = opt_operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$colsum `at` $k_pos (`into` $into^)? attr-dict `:` "
                       "functional-type(operands, results)")

    def __init__(self, colsum: SSAValue, k_pos: SSAValue, tokens: int,
                 into: SSAValue | None = None):
        b = cast(TensorType, colsum.type).get_shape()[0]
        super().__init__(operands=[colsum, k_pos, into],
                         result_types=[TensorType(Float64Type(), [b, tokens])])

    def verify_(self) -> None:
        b, _, nk = tensor_shape(self, self.colsum, "column sums", rank=3)
        expect_float(self, "column sums", self.colsum, (Float64Type,))
        if index_list(self, self.k_pos, "key positions", batch=b)[1] != nk:
            raise VerifyException(f"'{self.name}' needs one key position per column ({nk})")
        out = tensor_shape(self, self.output, "result", rank=2)
        expect_float(self, "result", self.output, (Float64Type,))
        if out[0] != b:
            raise VerifyException(f"'{self.name}' result has batch {out[0]}, expected {b}")
        if self.into is not None and self.into.type != self.output.type:
            raise VerifyException(f"'{self.name}' 'into' must have the result type "
                                  f"{self.output.type}, got {self.into.type}")


@irdl_op_definition
class HeadImportanceOp(IRDLOperation):
    """Cascade head importance (Sec. III-A): ``into`` [B, H] (zeros when
    absent) plus the sum of the magnitudes of each head's outputs [B, Hk,
    Nq, Dv], added at the heads' original indices [B, Hk]."""

    name = "attn.head_importance"
    input = operand_def(TensorType)
    heads = operand_def(TensorType)
    into = opt_operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$input `heads` $heads (`into` $into^)? attr-dict `:` "
                       "functional-type(operands, results)")

    def __init__(self, input: SSAValue, heads: SSAValue, num_heads: int,
                 into: SSAValue | None = None):
        b = cast(TensorType, input.type).get_shape()[0]
        super().__init__(operands=[input, heads, into],
                         result_types=[TensorType(Float64Type(), [b, num_heads])])

    def verify_(self) -> None:
        b, hk, _, _ = tensor_shape(self, self.input, "input", rank=4)
        expect_float(self, "input", self.input)
        out = tensor_shape(self, self.output, "result", rank=2)
        expect_float(self, "result", self.output, (Float64Type,))
        if out[0] != b:
            raise VerifyException(f"'{self.name}' result has batch {out[0]}, expected {b}")
        if index_list(self, self.heads, "heads", batch=b)[1] != hk:
            raise VerifyException(f"'{self.name}' needs one head index per head ({hk})")
        if self.into is not None and self.into.type != self.output.type:
            raise VerifyException(f"'{self.name}' 'into' must have the result type "
                                  f"{self.output.type}, got {self.into.type}")


OPS = [QuantizeOp, TokenRangeOp, TopKOp, GatherOp, ScatterOp, ProgressiveAttentionOp,
       TokenImportanceOp, HeadImportanceOp]
ATTRIBUTES: list = []
