"""The three forms of the attention cascade (FuseMax, MICRO'24), built from
and recognised in IR.  Shared by ``attn-decompose``, ``attn-fuse`` and
``attn-tile`` so each form is written down once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from xdsl.dialects.builtin import FloatAttr, TensorType
from xdsl.ir import Operation, SSAValue

from attn_ir.dialects import cascade as C
from attn_ir.dialects.attn import PatternAttr


@dataclass(frozen=True)
class CascadeInputs:
    """What a cascade computes attention of."""

    q: SSAValue
    k: SSAValue
    v: SSAValue
    mask: SSAValue | None
    pattern: PatternAttr
    scale: FloatAttr

    @property
    def num_keys(self) -> int:
        return cast(TensorType, self.k.type).get_shape()[2]


def build(form: int, inputs: CascadeInputs, m0: int = 64) -> tuple[list[Operation], SSAValue]:
    """Ops of the ``form``-pass cascade (3, 2 or 1) and the value of its output.
    The 1-pass form splits the keys into chunks of ``m0``."""
    q_type = cast(TensorType, inputs.q.type)
    b, h, nq, _ = q_type.get_shape()
    nk = inputs.num_keys
    if form == 1:
        m0 = max(1, min(m0, nk))
        shape = [b, h, nq, -(-nk // m0), m0]
    else:
        shape = [b, h, nq, nk]
    qk = C.QKOp(inputs.q, inputs.k, inputs.pattern, inputs.scale,
                TensorType(q_type.element_type, shape), inputs.mask)
    if form == 1:
        lm = C.MaxOp(qk.scores)
        rm = C.RunningMaxOp(lm.output)
        sln = C.SubExpOp(qk.scores, rm.output)
        sld = C.SumOp(sln.output)
        slnv = C.AVOp(sln.output, inputs.v)
        prm = C.RescaleOp(rm.output)
        rd = C.RunningSumOp(sld.output, prm.output)
        rnv = C.RunningAVOp(slnv.output, prm.output)
        out = C.DivRowsOp(rnv.output, rd.output)
        return [qk, lm, rm, sln, sld, slnv, prm, rd, rnv, out], out.output
    gm = C.MaxOp(qk.scores)
    sn = C.SubExpOp(qk.scores, gm.output)
    sd = C.SumOp(sn.output)
    if form == 2:
        snv = C.AVOp(sn.output, inputs.v)
        out = C.DivRowsOp(snv.output, sd.output)
        return [qk, gm, sn, sd, snv, out], out.output
    a = C.NormalizeOp(sn.output, sd.output)
    av = C.AVOp(a.output, inputs.v)
    return [qk, gm, sn, sd, a, av], av.output


@dataclass(frozen=True)
class RecognisedCascade:
    form: int
    inputs: CascadeInputs
    qk: C.QKOp
    output: Operation


def _producer(value: SSAValue, kind: type[Operation]) -> Operation | None:
    owner = value.owner
    return owner if isinstance(owner, kind) else None


def recognise(op: Operation) -> RecognisedCascade | None:
    """If ``op`` is the last op of a cascade in one of the three forms,
    return its form and inputs; otherwise None.  Every Einsum of the form
    is checked (the row max is of the scores, the row sum of the numerator,
    the running ops share one rescale factor), so a chain that only ends
    like a cascade is not rewritten into attention."""
    if isinstance(op, C.AVOp) and (norm := _producer(op.p, C.NormalizeOp)):
        form, av, numerator, total = 3, op, norm.lhs, norm.rhs
    elif isinstance(op, C.DivRowsOp) and (av := _producer(op.lhs, C.AVOp)):
        form, numerator, total = 2, av.p, op.rhs
    elif isinstance(op, C.DivRowsOp) and (rav := _producer(op.lhs, C.RunningAVOp)):
        av = _producer(rav.local, C.AVOp)
        rd = _producer(op.rhs, C.RunningSumOp)
        prm = _producer(rav.factor, C.RescaleOp)
        if av is None or rd is None or prm is None or rd.factor is not rav.factor:
            return None
        form, numerator, total = 1, av.p, rd.local
    else:
        return None
    sub_exp = _producer(numerator, C.SubExpOp)
    qk = sub_exp and _producer(sub_exp.lhs, C.QKOp)
    if qk is None or (qk.split is not None) != (form == 1):
        return None
    row_sum = _producer(total, C.SumOp)
    if row_sum is None or row_sum.input is not numerator:
        return None
    row_max = sub_exp.rhs
    if form == 1:
        rm = _producer(row_max, C.RunningMaxOp)
        if rm is None or prm.input is not row_max:
            return None
        row_max = rm.input
    gm = _producer(row_max, C.MaxOp)
    if gm is None or gm.input is not qk.scores:
        return None
    inputs = CascadeInputs(qk.q, qk.k, av.v, qk.mask, qk.pattern, qk.scale)
    return RecognisedCascade(form, inputs, qk, op)


def erase_dead_cascade(root: Operation, rewriter) -> None:
    """Erase ``root`` and, transitively, the cascade ops that fed only it."""
    worklist = [root]
    while worklist:
        op = worklist.pop()
        if op.parent is None or any(r.uses for r in op.results):
            continue
        producers = [o.owner for o in op.operands if isinstance(o.owner, C.CascadeOp)]
        rewriter.erase(op)
        worklist.extend(producers)
