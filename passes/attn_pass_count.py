"""``attn-pass-count``: how many passes over the key rank a cascade makes.

The rule of FuseMax (Nelson et al., MICRO'24, Sec. 3): an Einsum's pass
number is the largest over its inputs; an input produced by an Einsum that
reduced the key rank entirely, consumed by an Einsum that iterates the key
rank again, adds one pass (the reduction must finish before the consumer can
start its sweep).  Einsums that iterate a key rank are at least in pass 1.
Local reductions over m0 and recurrences over m1 (the running state of the
1-pass form) do not reduce the key rank entirely, so they add nothing.

The pass annotates every cascade op with ``pass = N`` and the last op of
each cascade with ``passes = N``; with ``remarks=true`` it also emits a
remark there (checked by ``--verify-diagnostics``).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp
from xdsl.ir import Operation, SSAValue

from attn_ir.diagnostics import emit_remark
from attn_ir.dialects import cascade as C
from xdsl.passes import ModulePass

FULL_KEY_REDUCTIONS = (frozenset({C.KEY}), frozenset({C.KEY_OUTER, C.KEY_INNER}))


def _reduces_whole_key_rank(op: C.CascadeOp) -> bool:
    return not op.RECURRENCE and op.reduced_key_ranks() in FULL_KEY_REDUCTIONS


def _internal_operands(op: C.CascadeOp) -> tuple[SSAValue, ...]:
    """Operands computed inside op's own cascade.  The q, k and mask of
    ``cascade.qk`` and the v of ``cascade.av`` are the cascade's inputs: when
    another cascade computes them (stacked attention layers), that one is a
    separate cascade over other keys and adds no pass to this one."""
    if isinstance(op, C.QKOp):
        return ()
    if isinstance(op, C.AVOp):
        return (op.p,)
    return tuple(op.operands)


def pass_numbers(root: Operation) -> dict[Operation, int]:
    """The pass number of every cascade op under ``root``."""
    numbers: dict[Operation, int] = {}
    for op in root.walk():
        if not isinstance(op, C.CascadeOp):
            continue
        iterates = bool(op.iterated_key_ranks())
        n = 1 if iterates else 0
        for operand in _internal_operands(op):
            producer = operand.owner
            if producer in numbers:
                bump = iterates and _reduces_whole_key_rank(producer)
                n = max(n, numbers[producer] + int(bump))
        numbers[op] = n
    return numbers


def _feeds_cascade(value: SSAValue) -> bool:
    """Whether a cascade op uses ``value`` inside its own cascade."""
    return any(isinstance(u.operation, C.CascadeOp)
               and any(value is o for o in _internal_operands(u.operation))
               for u in value.uses)


def cascade_outputs(root: Operation) -> list[Operation]:
    """Cascade ops whose results feed no other op of their cascade: one per
    cascade (a cascade's output may be an input of another one)."""
    return [op for op in root.walk() if isinstance(op, C.CascadeOp)
            and not any(_feeds_cascade(r) for r in op.results)]


def cascade_pass_count(root: Operation) -> list[int]:
    """Passes over the key rank of each cascade under ``root``, in order."""
    numbers = pass_numbers(root)
    return [numbers[op] for op in cascade_outputs(root)]


@dataclass(frozen=True)
class AttnPassCountPass(ModulePass):
    name = "attn-pass-count"

    remarks: bool = False

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        numbers = pass_numbers(op)
        for cop, n in numbers.items():
            cop.attributes["pass"] = IntegerAttr(n, 64)
        for out in cascade_outputs(op):
            out.attributes["passes"] = IntegerAttr(numbers[out], 64)
            if self.remarks:
                emit_remark(out, f"attention cascade makes {numbers[out]} "
                                 f"pass{'es' if numbers[out] != 1 else ''} over the keys")
