"""The ``cascade`` dialect: attention as a cascade of Einsums (FuseMax).

Nelson et al., "FuseMax: Leveraging Extended Einsums to Optimize Attention
Accelerator Design", MICRO 2024, write attention as a cascade of Einsums over
the ranks p (queries), m (keys), e (head dim) and f (value dim).  Each op here
is one Einsum of that cascade, on tensors whose leading dims are [B, H, Nq]:

3-pass cascade (``attn-decompose``)::

    %qk = cascade.qk %q, %k pattern #attn.causal : ... -> tensor<BxHxNqxNk>   // QK (SDDMM)
    %gm = cascade.max %qk                   // GM  = max_m QK
    %sn = cascade.sub_exp %qk, %gm          // SN  = exp(QK - GM)
    %sd = cascade.sum %sn                   // SD  = sum_m SN
    %a  = cascade.normalize %sn, %sd        // A   = SN / SD
    %av = cascade.av %a, %v                 // AV  = A V

2-pass cascade (deferred division): ``%snv = cascade.av %sn, %v`` then
``%av = cascade.div_rows %snv, %sd``.

1-pass cascade (``attn-fuse{passes=1}``): the key rank m is split into
M1 x M0 (``cascade.qk`` returns ``[B, H, Nq, M1, M0]``, keys past Nk are
masked), local reductions run over m0 and running state over m1::

    %lm  = cascade.max %bqk                 // LM[m1]   = max_m0 BQK
    %rm  = cascade.running_max %lm          // RM[m1]   = max(RM[m1-1], LM[m1])
    %sln = cascade.sub_exp %bqk, %rm        // SLN      = exp(BQK - RM[m1])
    %sld = cascade.sum %sln                 // SLD[m1]  = sum_m0 SLN
    %slnv = cascade.av %sln, %v             // SLNV[m1] = SLN V[m1]
    %prm = cascade.rescale %rm              // PRM[m1]  = exp(RM[m1-1] - RM[m1])
    %rd  = cascade.running_sum %sld, %prm   // RD  = RD * PRM + SLD, over m1
    %rnv = cascade.running_av %slnv, %prm   // RNV = RNV * PRM + SLNV, over m1
    %av  = cascade.div_rows %rnv, %rd       // AV  = RNV / RD

Masked scores are -inf; exp(-inf - -inf) is taken as 0 and a division by a
zero sum gives 0, so rows that attend nothing are 0 at every level.

Each op declares which ranks it iterates and which it reduces entirely, for
the pass-count analysis (``attn_ir.passes.attn_pass_count``).
"""

from __future__ import annotations

from typing import ClassVar, cast

from xdsl.dialects.builtin import FloatAttr, IntegerType, TensorType
from xdsl.ir import Attribute, Dialect, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    ParsePropInAttrDict,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from attn_ir import patterns as P
from attn_ir.dialects.attn import PatternAttr
from attn_ir.dialects.utils import expect_float, expect_shape, tensor_shape

KEY = "m"
KEY_OUTER = "m1"
KEY_INNER = "m0"


def _shape(value: SSAValue | Attribute, what: str, owner: str,
           rank: int | None = None) -> tuple[int, ...]:
    shape = tensor_shape(owner, value, what, rank)
    expect_float(owner, what, value)
    return shape


def _same_element_type(owner: str, *values: SSAValue) -> None:
    """The float operands and result of a cascade op share one element type."""
    types = [cast(TensorType, v.type).element_type for v in values]
    if len(set(types)) != 1:
        raise VerifyException(
            f"'{owner}' operands and result must share one element type, got "
            + ", ".join(map(str, types)))


class CascadeOp(IRDLOperation):
    """An Einsum of the cascade.  ``ITERATES`` and ``REDUCES`` name the key
    ranks it walks and the ones it reduces away entirely (``m`` for an
    unsplit key rank, ``m1``/``m0`` for the split one); both may depend on
    whether the operand is split, so they are methods."""

    RECURRENCE: ClassVar[bool] = False
    """True for running-state ops (a recurrence over m1, not a full reduction)."""

    def iterated_key_ranks(self) -> frozenset[str]:
        return frozenset()

    def reduced_key_ranks(self) -> frozenset[str]:
        return frozenset()


def _key_ranks(shape_rank: int) -> frozenset[str]:
    """Key ranks of a score-like tensor: [B,H,Nq,Nk] or [B,H,Nq,M1,M0]."""
    return frozenset({KEY}) if shape_rank == 4 else frozenset({KEY_OUTER, KEY_INNER})


@irdl_op_definition
class QKOp(CascadeOp):
    """QK[p, m] = scale * sum_e Q[p, e] K[m, e] where the pattern lets p
    attend m, -inf elsewhere (an SDDMM).  A rank-5 result splits the keys
    into M1 chunks of M0 (``[B, H, Nq, M1, M0]``); keys past Nk are -inf."""

    name = "cascade.qk"
    q = operand_def(TensorType)
    k = operand_def(TensorType)
    mask = opt_operand_def(TensorType)
    pattern = prop_def(PatternAttr)
    scale = prop_def(FloatAttr)
    scores = result_def(TensorType)
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)
    assembly_format = (
        "$q `,` $k (`mask` $mask^)? `pattern` $pattern attr-dict `:` "
        "functional-type(operands, results)"
    )

    def __init__(self, q: SSAValue, k: SSAValue, pattern: PatternAttr, scale: FloatAttr,
                 result_type: Attribute, mask: SSAValue | None = None):
        super().__init__(operands=[q, k, mask], result_types=[result_type],
                         properties={"pattern": pattern, "scale": scale})

    @property
    def split(self) -> int | None:
        """M0 when the key rank is split, else None."""
        shape = cast(TensorType, self.scores.type).get_shape()
        return shape[4] if len(shape) == 5 else None

    def iterated_key_ranks(self):
        return _key_ranks(len(cast(TensorType, self.scores.type).get_shape()))

    def verify_(self):
        b, h, nq, d = _shape(self.q, "q", self.name, rank=4)
        kb, kh, nk, kd = _shape(self.k, "k", self.name, rank=4)
        if (kb, kh, kd) != (b, h, d):
            raise VerifyException(
                f"'{self.name}' k must be {b}x{h}xNkx{d} to match q, got {kb}x{kh}x{nk}x{kd}")
        out = _shape(self.scores, "result", self.name)
        if len(out) == 4:
            expect_shape(self.name, "result", out, (b, h, nq, nk))
        elif len(out) == 5:
            m1, m0 = out[3], out[4]
            if m0 <= 0 or m1 != -(-nk // m0):
                raise VerifyException(
                    f"'{self.name}' split result needs M1 = ceil({nk} / M0), "
                    f"got M1 = {m1}, M0 = {m0}")
            expect_shape(self.name, "result", out[:3], (b, h, nq))
        else:
            raise VerifyException(f"'{self.name}' result must have rank 4 or 5")
        pattern = self.pattern.pattern
        if (self.mask is not None) != pattern.uses_mask:
            raise VerifyException(
                f"'{self.name}' a mask operand is needed exactly when the pattern "
                "uses #attn.mask")
        if self.mask is not None:
            mt = cast(TensorType, self.mask.type)
            ms = tuple(mt.get_shape())
            if (mt.element_type != IntegerType(1) or len(ms) != 4
                    or ms[0] not in (1, b) or ms[1] not in (1, h) or ms[2:] != (nq, nk)):
                raise VerifyException(
                    f"'{self.name}' mask must be an i1 tensor broadcastable to "
                    f"{b}x{h}x{nq}x{nk}, got {mt}")
        try:
            pattern.validate(nq, nk, h)
        except P.PatternError as e:
            raise VerifyException(f"'{self.name}' {e}") from None
        _same_element_type(self.name, self.q, self.k, self.scores)


class _ReduceLastOp(CascadeOp):
    """Reduces the last dim: a full reduction of m when the input is unsplit
    ``[B,H,Nq,Nk]``, a local one over m0 when split."""

    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def __init__(self, input: SSAValue):
        shape = cast(TensorType, input.type)
        super().__init__(operands=[input], result_types=[
            TensorType(shape.element_type, shape.get_shape()[:-1])])

    def iterated_key_ranks(self):
        return _key_ranks(len(cast(TensorType, self.input.type).get_shape()))

    def reduced_key_ranks(self):
        rank = len(cast(TensorType, self.input.type).get_shape())
        return frozenset({KEY}) if rank == 4 else frozenset({KEY_INNER})

    def verify_(self):
        s = _shape(self.input, "input", self.name)
        if len(s) not in (4, 5):
            raise VerifyException(f"'{self.name}' input must be scores of rank 4 or 5")
        expect_shape(self.name, "result", _shape(self.output, "result", self.name), s[:-1])
        _same_element_type(self.name, self.input, self.output)


@irdl_op_definition
class MaxOp(_ReduceLastOp):
    """GM = max over the last (key) dim; -inf for a row with no key."""

    name = "cascade.max"


@irdl_op_definition
class SumOp(_ReduceLastOp):
    """SD = sum over the last (key) dim."""

    name = "cascade.sum"


class _BroadcastLastOp(CascadeOp):
    """Element-wise on a score-like lhs with a rhs broadcast along its last dim."""

    LHS_RANKS: ClassVar[tuple[int, ...]] = (4, 5)
    """Scores [B,H,Nq,Nk] or split [B,H,Nq,M1,M0]."""

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)"

    def __init__(self, lhs: SSAValue, rhs: SSAValue):
        super().__init__(operands=[lhs, rhs], result_types=[lhs.type])

    def iterated_key_ranks(self):
        return _key_ranks(len(cast(TensorType, self.lhs.type).get_shape()))

    def verify_(self):
        a = _shape(self.lhs, "lhs", self.name)
        if len(a) not in self.LHS_RANKS:
            raise VerifyException(
                f"'{self.name}' lhs must have rank {' or '.join(map(str, self.LHS_RANKS))}")
        expect_shape(self.name, "rhs", _shape(self.rhs, "rhs", self.name), a[:-1])
        expect_shape(self.name, "result", _shape(self.output, "result", self.name), a)
        _same_element_type(self.name, self.lhs, self.rhs, self.output)


@irdl_op_definition
class SubExpOp(_BroadcastLastOp):
    """SN = exp(QK - GM), GM broadcast along the last dim (0 where QK is -inf)."""

    name = "cascade.sub_exp"


@irdl_op_definition
class NormalizeOp(_BroadcastLastOp):
    """A = SN / SD over the key dim (0 where SD is 0)."""

    name = "cascade.normalize"


@irdl_op_definition
class DivRowsOp(_BroadcastLastOp):
    """AV = NV / D over the value dim f (0 where D is 0): the deferred division."""

    name = "cascade.div_rows"
    LHS_RANKS: ClassVar[tuple[int, ...]] = (4,)
    """The numerator [B,H,Nq,Dv]."""

    def iterated_key_ranks(self):
        return frozenset()


@irdl_op_definition
class AVOp(CascadeOp):
    """AV[p, f] = sum_m P[p, m] V[m, f].  With split probabilities
    ``[B,H,Nq,M1,M0]`` the sum runs over m0 per chunk: ``[B,H,Nq,M1,Dv]``."""

    name = "cascade.av"
    p = operand_def(TensorType)
    v = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$p `,` $v attr-dict `:` functional-type(operands, results)"

    def __init__(self, p: SSAValue, v: SSAValue):
        ps = cast(TensorType, p.type).get_shape()
        dv = cast(TensorType, v.type).get_shape()[-1]
        super().__init__(operands=[p, v], result_types=[
            TensorType(cast(TensorType, p.type).element_type, [*ps[:-1], dv])])

    def iterated_key_ranks(self):
        return _key_ranks(len(cast(TensorType, self.p.type).get_shape()))

    def reduced_key_ranks(self):
        rank = len(cast(TensorType, self.p.type).get_shape())
        return frozenset({KEY}) if rank == 4 else frozenset({KEY_INNER})

    def verify_(self):
        ps = _shape(self.p, "p", self.name)
        b, h, nk, dv = _shape(self.v, "v", self.name, rank=4)
        if len(ps) == 4:
            expect_shape(self.name, "p", ps, (b, h, ps[2], nk))
        elif len(ps) == 5:
            if ps[4] <= 0 or ps[3] != -(-nk // ps[4]):
                raise VerifyException(
                    f"'{self.name}' split p has {ps[3]}x{ps[4]} keys, v has {nk}")
            expect_shape(self.name, "p", ps[:2], (b, h))
        else:
            raise VerifyException(f"'{self.name}' p must have rank 4 or 5")
        expect_shape(self.name, "result", _shape(self.output, "result", self.name),
                (*ps[:-1], dv))
        _same_element_type(self.name, self.p, self.v, self.output)


class _RunningOp(CascadeOp):
    RECURRENCE: ClassVar[bool] = True

    def iterated_key_ranks(self):
        return frozenset({KEY_OUTER})


@irdl_op_definition
class RunningMaxOp(_RunningOp):
    """RM[m1] = max(RM[m1-1], LM[m1]) with RM[-1] = -inf: the running max
    after each key chunk."""

    name = "cascade.running_max"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def __init__(self, input: SSAValue):
        super().__init__(operands=[input], result_types=[input.type])

    def verify_(self):
        s = _shape(self.input, "input", self.name)
        if len(s) != 4:
            raise VerifyException(f"'{self.name}' input must be [B, H, Nq, M1]")
        expect_shape(self.name, "result", _shape(self.output, "result", self.name), s)
        _same_element_type(self.name, self.input, self.output)


@irdl_op_definition
class RescaleOp(_RunningOp):
    """PRM[m1] = exp(RM[m1-1] - RM[m1]): the factor that rescales running
    state when the running max grows (0 while RM[m1-1] is -inf)."""

    name = "cascade.rescale"
    input = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$input attr-dict `:` type($input) `->` type($output)"

    def __init__(self, input: SSAValue):
        super().__init__(operands=[input], result_types=[input.type])

    def verify_(self):
        s = _shape(self.input, "input", self.name)
        if len(s) != 4:
            raise VerifyException(f"'{self.name}' input must be [B, H, Nq, M1]")
        expect_shape(self.name, "result", _shape(self.output, "result", self.name), s)
        _same_element_type(self.name, self.input, self.output)


@irdl_op_definition
class RunningSumOp(_RunningOp):
    """RD = RD * PRM[m1] + SLD[m1] over m1, from RD = 0; the final RD."""

    name = "cascade.running_sum"
    local = operand_def(TensorType)
    factor = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$local `,` $factor attr-dict `:` functional-type(operands, results)"

    def __init__(self, local: SSAValue, factor: SSAValue):
        t = cast(TensorType, local.type)
        super().__init__(operands=[local, factor], result_types=[
            TensorType(t.element_type, t.get_shape()[:-1])])

    def verify_(self):
        s = _shape(self.local, "local", self.name)
        if len(s) != 4:
            raise VerifyException(f"'{self.name}' local must be [B, H, Nq, M1]")
        expect_shape(self.name, "factor", _shape(self.factor, "factor", self.name), s)
        expect_shape(self.name, "result", _shape(self.output, "result", self.name), s[:-1])
        _same_element_type(self.name, self.local, self.factor, self.output)


@irdl_op_definition
class RunningAVOp(_RunningOp):
    """RNV = RNV * PRM[m1] + SLNV[m1] over m1, from RNV = 0; the final RNV."""

    name = "cascade.running_av"
    local = operand_def(TensorType)
    factor = operand_def(TensorType)
    output = result_def(TensorType)
    traits = traits_def(Pure())
    assembly_format = "$local `,` $factor attr-dict `:` functional-type(operands, results)"

    def __init__(self, local: SSAValue, factor: SSAValue):
        t = cast(TensorType, local.type)
        s = t.get_shape()
        super().__init__(operands=[local, factor], result_types=[
            TensorType(t.element_type, [*s[:3], s[4]])])

    def verify_(self):
        s = _shape(self.local, "local", self.name)
        if len(s) != 5:
            raise VerifyException(f"'{self.name}' local must be [B, H, Nq, M1, Dv]")
        expect_shape(self.name, "factor", _shape(self.factor, "factor", self.name), s[:4])
        expect_shape(self.name, "result", _shape(self.output, "result", self.name),
                (*s[:3], s[4]))
        _same_element_type(self.name, self.local, self.factor, self.output)


Cascade = Dialect(
    "cascade",
    [QKOp, MaxOp, SumOp, SubExpOp, NormalizeOp, DivRowsOp, AVOp,
     RunningMaxOp, RescaleOp, RunningSumOp, RunningAVOp],
    [],
)
