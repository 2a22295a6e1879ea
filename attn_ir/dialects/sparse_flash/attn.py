"""``attn`` ops of Sparse Flash Attention (Pagliardini et al., "Faster Causal
Attention Over Large Sequences Through Sparse Flash Attention", 2023):
dynamic sparsity by QK-dropping and by hash buckets, both causal on the
tokens' original positions.  The semantics of every op is stated in
``attn_ir.reference.sparse_flash``.

What a user writes: the two attentions on full-length tensors, with keep
index arrays as operands or from a selection op.

```mlir
%qk = attn.keep_random {length = 8192 : i64, seed = 1 : i64} : tensor<1x12x4096xi32>
%kk = attn.keep_random {length = 8192 : i64, seed = 2 : i64} : tensor<1x12x4096xi32>
%o1 = attn.qk_drop_attention %q, %k, %v keep %qk, %kk
        : (tensor<1x12x8192x64xf32>, tensor<1x12x8192x64xf32>, tensor<1x12x8192x64xf32>,
           tensor<1x12x4096xi32>, tensor<1x12x4096xi32>) -> tensor<1x12x8192x64xf32>
%o2 = attn.hash_attention %q, %k, %v {buckets = 8 : i64, seed = 0 : i64}
        : (tensor<1x12x8192x64xf32>, tensor<1x12x8192x64xf32>,
           tensor<1x12x8192x64xf32>) -> tensor<1x12x8192x64xf32>
```

What ``attn-compact-tokens`` makes of them: compaction (or hashing and a
stable sort by bucket), attention over the compacted sequences with their
original positions, and the scatter back (``%qs`` etc. are [1, 12, 8192,
64], the index arrays [1, 12, 8192]):

```mlir
%qb = attn.hash_buckets %q {buckets = 8 : i64, seed = 0 : i64} : tensor<...xf32> -> tensor<1x12x8192xi32>
%qorder, %qsorted = attn.sort_by_bucket %qb : tensor<1x12x8192xi32> -> tensor<1x12x8192xi32>, tensor<1x12x8192xi32>
%qs = attn.gather_tokens %q, %qorder : (tensor<...xf32>, tensor<1x12x8192xi32>) -> tensor<...xf32>
...
%os = attn.indexed_attention %qs, %ks, %vs positions %qorder, %korder buckets %qsorted, %ksorted : (...) -> tensor<...xf32>
%o = attn.scatter_tokens %os, %qorder : (tensor<...xf32>, tensor<1x12x8192xi32>) -> tensor<...xf32>
```

Index arrays are ``i32`` tensors [B, H, M] of original token indices, -1
marking padding (so that heads may keep different numbers of tokens).
"""

from __future__ import annotations

from typing import cast

from xdsl.dialects.builtin import (
    Float64Type,
    FloatAttr,
    IntegerAttr,
    TensorType,
    i32,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from attn_ir.dialects import utils


def _text(shape) -> str:
    return "x".join(map(str, shape))


def tensor_shape(value: SSAValue | Attribute, what: str, owner: str, rank: int,
                 element: str) -> tuple[int, ...]:
    """The static shape of a tensor of ``rank`` whose element type is a
    float (``element = "float"``) or i32 (``"i32"``), or a VerifyException
    naming the op and the value."""
    shape = utils.tensor_shape(owner, value, what, rank)
    if element == "float":
        utils.expect_float(owner, what, value)
    et = utils.element_type(value)
    if element == "i32" and et != i32:
        raise VerifyException(f"'{owner}' {what} must have element type i32 (token "
                              f"indices), got {et}")
    return shape


def _int_prop(op: IRDLOperation, name: str) -> int:
    return cast(IntegerAttr, getattr(op, name)).value.data


def _check_scale(op: IRDLOperation) -> None:
    scale = getattr(op, "scale")
    if scale is not None and not scale.value.data > 0:
        raise VerifyException(f"'{op.name}' scale must be positive, got {scale.value.data}")


def _check_buckets_and_seed(op: IRDLOperation) -> None:
    buckets = _int_prop(op, "buckets")
    if buckets < 2 or buckets % 2:
        raise VerifyException(
            f"'{op.name}' buckets must be even and at least 2 (the hash is the argmax "
            f"over buckets / 2 random directions and their negations), got {buckets}")
    seed = _int_prop(op, "seed")
    if seed < 0:
        raise VerifyException(f"'{op.name}' seed must be non-negative, got {seed}")


class _ScaledAttention(IRDLOperation):
    """Shared by the attentions: the softmax scale, 1/sqrt(D) by default."""

    @property
    def scale_value(self) -> float:
        scale = getattr(self, "scale")
        if scale is not None:
            return scale.value.data
        d = cast(TensorType, getattr(self, "q").type).get_shape()[3]
        return 1.0 / float(d) ** 0.5


def _check_qkv(op: IRDLOperation, q, k, v, out) -> tuple[int, int, int, int, int, int]:
    """Shapes of q, k, v and the result of an attention: (B, H, Nq, Nk, D, Dv)."""
    name = op.name
    b, h, nq, d = tensor_shape(q, "q", name, 4, "float")
    kb, kh, nk, kd = tensor_shape(k, "k", name, 4, "float")
    vb, vh, vn, dv = tensor_shape(v, "v", name, 4, "float")
    tensor_shape(out, "result", name, 4, "float")
    types = [cast(TensorType, x.type).element_type for x in (q, k, v, out)]
    if len(set(types)) != 1:
        raise VerifyException(f"'{name}' q, k, v and result must share one element type, "
                              "got " + ", ".join(map(str, types)))
    if (kb, kh, vb, vh) != (b, h, b, h):
        raise VerifyException(f"'{name}' q, k and v must have the same batch and heads, got "
                              f"{b}x{h}, {kb}x{kh} and {vb}x{vh}")
    if kd != d:
        raise VerifyException(f"'{name}' head dimension of k ({kd}) must equal that of q ({d})")
    if vn != nk:
        raise VerifyException(f"'{name}' k and v must have the same sequence length, got "
                              f"{nk} and {vn}")
    shape = tuple(cast(TensorType, out.type).get_shape())
    if shape != (b, h, nq, dv):
        raise VerifyException(f"'{name}' result must have shape {_text((b, h, nq, dv))}, "
                              f"got {_text(shape)}")
    return b, h, nq, nk, d, dv


def _check_index(op: IRDLOperation, value, what: str, b: int, h: int,
                 length: int | None = None, at_most: int | None = None) -> int:
    """An index array [B, H, M] of i32; returns M."""
    ib, ih, m = tensor_shape(value, what, op.name, 3, "i32")
    if (ib, ih) != (b, h):
        raise VerifyException(f"'{op.name}' {what} must be {b}x{h}xMxi32 to match the "
                              f"batch and heads, got {_text((ib, ih, m))}")
    if length is not None and m != length:
        raise VerifyException(f"'{op.name}' {what} must have {length} entries per head "
                              f"(one per token), got {m}")
    if at_most is not None and m > at_most:
        raise VerifyException(f"'{op.name}' {what} keeps {m} tokens per head, more than "
                              f"the {at_most} of the sequence")
    return m


# -- selection and hashing -------------------------------------------------------


@irdl_op_definition
class KeepRandomOp(IRDLOperation):
    """A seeded random selection of M of ``length`` tokens per (batch, head),
    in ascending order (``attn_ir.reference.sparse_flash.keep_random``): the paper's
    runtime study drops queries and keys at random.  Result [B, H, M] i32."""

    name = "attn.keep_random"
    length = prop_def(IntegerAttr)
    seed = prop_def(IntegerAttr)
    keep = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "attr-dict `:` type($keep)"

    def __init__(self, result_type: TensorType, length: int, seed: int):
        super().__init__(result_types=[result_type], properties={
            "length": IntegerAttr(length, 64), "seed": IntegerAttr(seed, 64)})

    def verify_(self) -> None:
        b, h, m = tensor_shape(self.keep, "result", self.name, 3, "i32")
        length, seed = _int_prop(self, "length"), _int_prop(self, "seed")
        if length <= 0:
            raise VerifyException(f"'{self.name}' length must be positive, got {length}")
        if m > length:
            raise VerifyException(f"'{self.name}' cannot keep {m} of {length} tokens")
        if seed < 0:
            raise VerifyException(f"'{self.name}' seed must be non-negative, got {seed}")


@irdl_op_definition
class HashBucketsOp(IRDLOperation):
    """Bucket id of every token and head [B, H, N] i32 by angular LSH with
    seeded random rotations (``attn_ir.reference.sparse_flash.hash_buckets``): the
    argmax over ``[x R, -x R]`` for ``buckets / 2`` random unit directions
    per head.  Queries and keys hashed with the same seed share the
    rotations."""

    name = "attn.hash_buckets"
    input = operand_def(TensorType)
    buckets = prop_def(IntegerAttr)
    seed = prop_def(IntegerAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def __init__(self, input: SSAValue, buckets: int, seed: int):
        b, h, n, _ = cast(TensorType, input.type).get_shape()
        super().__init__(operands=[input], result_types=[TensorType(i32, [b, h, n])],
                         properties={"buckets": IntegerAttr(buckets, 64),
                                     "seed": IntegerAttr(seed, 64)})

    def verify_(self) -> None:
        b, h, n, _ = tensor_shape(self.input, "input", self.name, 4, "float")
        shape = tensor_shape(self.output, "result", self.name, 3, "i32")
        if shape != (b, h, n):
            raise VerifyException(f"'{self.name}' result must have shape {_text((b, h, n))} "
                                  f"(one bucket per token), got {_text(shape)}")
        _check_buckets_and_seed(self)


@irdl_op_definition
class SortByBucketOp(IRDLOperation):
    """Stable sort of the tokens by bucket: ``order`` [B, H, N] holds the
    original indices in sorted order, ``sorted`` their buckets
    (``attn_ir.reference.sparse_flash.sort_by_bucket``)."""

    name = "attn.sort_by_bucket"
    buckets = operand_def(TensorType)
    order = result_def(TensorType)
    sorted = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$buckets attr-dict `:` type($buckets) `->` type($order) `,` type($sorted)"

    def __init__(self, buckets: SSAValue):
        super().__init__(operands=[buckets], result_types=[buckets.type, buckets.type])

    def verify_(self) -> None:
        shape = tensor_shape(self.buckets, "buckets", self.name, 3, "i32")
        for what, value in (("order", self.order), ("sorted", self.sorted)):
            got = tensor_shape(value, what, self.name, 3, "i32")
            if got != shape:
                raise VerifyException(f"'{self.name}' {what} must have shape {_text(shape)}, "
                                      f"got {_text(got)}")


# -- compaction -----------------------------------------------------------------


@irdl_op_definition
class GatherTokensOp(IRDLOperation):
    """Compaction: rows of input [B, H, N, D] at index [B, H, M] (zero rows
    for -1) → [B, H, M, D] (``attn_ir.reference.sparse_flash.gather_tokens``)."""

    name = "attn.gather_tokens"
    input = operand_def(TensorType)
    index = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input `,` $index attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, index: SSAValue):
        t = cast(TensorType, input.type)
        b, h, _, d = t.get_shape()
        m = cast(TensorType, index.type).get_shape()[2]
        super().__init__(operands=[input, index],
                         result_types=[TensorType(t.element_type, [b, h, m, d])])

    def verify_(self) -> None:
        b, h, n, d = tensor_shape(self.input, "input", self.name, 4, "float")
        m = _check_index(self, self.index, "index", b, h)
        shape = tensor_shape(self.output, "result", self.name, 4, "float")
        if shape != (b, h, m, d):
            raise VerifyException(f"'{self.name}' result must have shape "
                                  f"{_text((b, h, m, d))}, got {_text(shape)}")
        if cast(TensorType, self.output.type).element_type != cast(
                TensorType, self.input.type).element_type:
            raise VerifyException(f"'{self.name}' result must have the input's element type")


@irdl_op_definition
class ScatterTokensOp(IRDLOperation):
    """The inverse of a compaction: row m of input [B, H, M, D] goes to row
    index[b, h, m] of the result [B, H, N, D]; rows no index names are 0
    (the outputs of dropped queries) (``attn_ir.reference.sparse_flash.scatter_tokens``)."""

    name = "attn.scatter_tokens"
    input = operand_def(TensorType)
    index = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input `,` $index attr-dict `:` functional-type(operands, results)"

    def __init__(self, input: SSAValue, index: SSAValue, length: int):
        t = cast(TensorType, input.type)
        b, h, _, d = t.get_shape()
        super().__init__(operands=[input, index],
                         result_types=[TensorType(t.element_type, [b, h, length, d])])

    def verify_(self) -> None:
        b, h, m, d = tensor_shape(self.input, "input", self.name, 4, "float")
        _check_index(self, self.index, "index", b, h, length=m)
        rb, rh, n, rd = tensor_shape(self.output, "result", self.name, 4, "float")
        if (rb, rh, rd) != (b, h, d):
            raise VerifyException(f"'{self.name}' result must have shape {b}x{h}xNx{d}, got "
                                  f"{_text((rb, rh, n, rd))}")
        if cast(TensorType, self.output.type).element_type != cast(
                TensorType, self.input.type).element_type:
            raise VerifyException(f"'{self.name}' result must have the input's element type")


# -- attention ------------------------------------------------------------------


@irdl_op_definition
class IndexedAttentionOp(_ScaledAttention):
    """Attention over compacted or bucket-sorted sequences, causal on the
    original positions (``attn_ir.reference.sparse_flash.indexed_attention``): q
    [B, H, Mq, D] with ``positions`` q_pos [B, H, Mq], k and v [B, H, Mk,
    ...] with k_pos [B, H, Mk] (original indices, -1 padding), and
    optionally ``buckets`` of queries and keys (same shapes as the
    positions).  Slot a attends slot c when k_pos[c] <= q_pos[a], both are
    valid and the buckets are equal.  Result [B, H, Mq, Dv]."""

    name = "attn.indexed_attention"
    q = operand_def(TensorType)
    k = operand_def(TensorType)
    v = operand_def(TensorType)
    q_positions = operand_def(TensorType)
    k_positions = operand_def(TensorType)
    buckets = var_operand_def(TensorType)
    scale = opt_prop_def(FloatAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$q `,` $k `,` $v `positions` $q_positions `,` $k_positions "
                       "(`buckets` $buckets^)? attr-dict `:` functional-type(operands, results)")

    def __init__(self, q: SSAValue, k: SSAValue, v: SSAValue, q_positions: SSAValue,
                 k_positions: SSAValue, buckets: tuple[SSAValue, SSAValue] | None = None,
                 scale: float | None = None):
        qt, vt = cast(TensorType, q.type), cast(TensorType, v.type)
        b, h, mq, _ = qt.get_shape()
        super().__init__(
            operands=[q, k, v, q_positions, k_positions, list(buckets or ())],
            result_types=[TensorType(qt.element_type, [b, h, mq, vt.get_shape()[3]])],
            properties={"scale": None if scale is None else FloatAttr(scale, Float64Type())})

    @property
    def q_buckets(self) -> SSAValue | None:
        return self.buckets[0] if self.buckets else None

    @property
    def k_buckets(self) -> SSAValue | None:
        return self.buckets[1] if self.buckets else None

    def verify_(self) -> None:
        verify_indexed_operands(self)
        _check_scale(self)


def verify_indexed_operands(op) -> tuple[int, int, int, int, int, int]:
    """The operand rules of ``attn.indexed_attention`` (and its tiled form)."""
    b, h, mq, mk, d, dv = _check_qkv(op, op.q, op.k, op.v, op.output)
    _check_index(op, op.q_positions, "q positions", b, h, length=mq)
    _check_index(op, op.k_positions, "k positions", b, h, length=mk)
    if len(op.buckets) not in (0, 2):
        raise VerifyException(f"'{op.name}' takes bucket ids for both queries and keys, or "
                              f"none, got {len(op.buckets)} bucket operands")
    if op.buckets:
        _check_index(op, op.buckets[0], "q buckets", b, h, length=mq)
        _check_index(op, op.buckets[1], "k buckets", b, h, length=mk)
    return b, h, mq, mk, d, dv


@irdl_op_definition
class QKDropAttentionOp(_ScaledAttention):
    """QK-dropping attention (``attn_ir.reference.sparse_flash.qk_drop_attention``)
    on full-length q [B, H, Nq, D], k, v [B, H, Nk, ...] with ``keep``
    index arrays of the kept queries [B, H, Mq] and keys [B, H, Mk] (-1
    padding): query i attends key j when both are kept and j <= i.  A
    dropped query's row is 0.  Result [B, H, Nq, Dv]."""

    name = "attn.qk_drop_attention"
    q = operand_def(TensorType)
    k = operand_def(TensorType)
    v = operand_def(TensorType)
    q_keep = operand_def(TensorType)
    k_keep = operand_def(TensorType)
    scale = opt_prop_def(FloatAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = ("$q `,` $k `,` $v `keep` $q_keep `,` $k_keep attr-dict `:` "
                       "functional-type(operands, results)")

    def __init__(self, q: SSAValue, k: SSAValue, v: SSAValue, q_keep: SSAValue,
                 k_keep: SSAValue, scale: float | None = None):
        qt, vt = cast(TensorType, q.type), cast(TensorType, v.type)
        b, h, nq, _ = qt.get_shape()
        super().__init__(
            operands=[q, k, v, q_keep, k_keep],
            result_types=[TensorType(qt.element_type, [b, h, nq, vt.get_shape()[3]])],
            properties={"scale": None if scale is None else FloatAttr(scale, Float64Type())})

    def verify_(self) -> None:
        b, h, nq, nk, _, _ = _check_qkv(self, self.q, self.k, self.v, self.output)
        _check_index(self, self.q_keep, "q keep", b, h, at_most=nq)
        _check_index(self, self.k_keep, "k keep", b, h, at_most=nk)
        _check_scale(self)


@irdl_op_definition
class HashAttentionOp(_ScaledAttention):
    """Hash-based attention (``attn_ir.reference.sparse_flash.hash_attention``): query
    i attends key j when j <= i and both hash to the same of ``buckets``
    buckets (``attn.hash_buckets`` with ``seed``).  Result [B, H, Nq, Dv]."""

    name = "attn.hash_attention"
    q = operand_def(TensorType)
    k = operand_def(TensorType)
    v = operand_def(TensorType)
    buckets = prop_def(IntegerAttr)
    seed = prop_def(IntegerAttr)
    scale = opt_prop_def(FloatAttr)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = "$q `,` $k `,` $v attr-dict `:` functional-type(operands, results)"

    def __init__(self, q: SSAValue, k: SSAValue, v: SSAValue, buckets: int, seed: int,
                 scale: float | None = None):
        qt, vt = cast(TensorType, q.type), cast(TensorType, v.type)
        b, h, nq, _ = qt.get_shape()
        super().__init__(
            operands=[q, k, v],
            result_types=[TensorType(qt.element_type, [b, h, nq, vt.get_shape()[3]])],
            properties={"buckets": IntegerAttr(buckets, 64), "seed": IntegerAttr(seed, 64),
                        "scale": None if scale is None else FloatAttr(scale, Float64Type())})

    def verify_(self) -> None:
        _check_qkv(self, self.q, self.k, self.v, self.output)
        _check_buckets_and_seed(self)
        _check_scale(self)


OPS = [KeepRandomOp, HashBucketsOp, SortByBucketOp, GatherTokensOp, ScatterTokensOp,
       IndexedAttentionOp, QKDropAttentionOp, HashAttentionOp]
ATTRIBUTES: list = []
