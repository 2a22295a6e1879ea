"""NumPy emission of ``tile.attention_part`` and ``tile.merge_parts``
(listed in ``backends/numpy/core.py``'s ``EXTENSION``): the parts of an attention split
by ``attn-split-parts``, each over its own tile table (written into the
module as array literals) with the pattern's predicate, and their merge by
log-sum-exp (``runtime_parts``)."""

from __future__ import annotations

import numpy as np

from attn_ir.backends.numpy.emitter import EmitError, ModuleEmitter, runtime_source, \
    storage_dtype
from attn_ir.backends.numpy.literals import array_literal, float_literal, int_literal
from attn_ir.backends.numpy.names import safe_text
from attn_ir.dialects.tile_parts import AttentionPartOp, MergePartsOp

RUNTIME_TITLE = "runtime: parts of a split attention, merged by log-sum-exp"


def emit_part(emitter: ModuleEmitter, op: AttentionPartOp, use, define) -> list[str]:
    if op.mask is not None or len(op.tables.data) != 1:
        raise EmitError(f"the NumPy backend emits '{op.name}' with one tile table and no "
                        "mask operand only")
    emitter.add_runtime(RUNTIME_TITLE, runtime_source("parts"))
    _, _, nq, nk, _, _ = op.dims
    bq, bk = op.block_q.value.data, op.block_k.value.data
    predicate = emitter._predicate(op.pattern.pattern, nq, nk)
    ptr, keys, full = (np.asarray(a) for a in op.tables.data[0].arrays)
    keep = np.flatnonzero(op.row_selection())
    out, lse = define(op.output, "part"), define(op.lse, "part_lse")
    return [
        f"# {op.name}({use(op.q)}, {use(op.k)}, {use(op.v)}) -> {out}, {lse}",
        f"#   pattern {safe_text(str(op.pattern.pattern), 300)}",
        f"{out}, {lse} = _attention_part(",
        f"    {use(op.q)}, {use(op.k)}, {use(op.v)},",
        f"    {array_literal(ptr.astype(np.int64), 'int64', indent=4)},",
        f"    {array_literal(keys.astype(np.int64), 'int64', indent=4)},",
        f"    {array_literal(full.astype(np.int8), 'int8', indent=4)}.astype(bool),",
        f"    np.isin(np.arange({int_literal(nq)}), "
        f"{array_literal(keep.astype(np.int64), 'int64', indent=4)}),",
        f"    {predicate}, block_q={int_literal(bq)}, block_k={int_literal(bk)}, "
        f"scale={float_literal(op.scale.value.data)},",
        f"    state_dtype={emitter._state_dtype(op.q)})",
    ]


def emit_merge(emitter: ModuleEmitter, op: MergePartsOp, use, define) -> list[str]:
    emitter.add_runtime(RUNTIME_TITLE, runtime_source("parts"))
    out = define(op.result, "out")
    outs = ", ".join(use(v) for v in op.outputs)
    lses = ", ".join(use(v) for v in op.lses)
    return [f"# {op.name}({outs} lse {lses}) -> {out}",
            f"{out} = _merge_parts(({outs},), ({lses},), {storage_dtype(op.result.type)})"]


EMITTERS = {AttentionPartOp: emit_part, MergePartsOp: emit_merge}
"""The core ops of split attention (``attn-split-parts``)."""
