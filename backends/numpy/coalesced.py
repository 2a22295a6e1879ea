"""NumPy emission of a ``tile.attention`` by its ``#tile.coalesced`` plan
(query blocks against contiguous key ranges, ``runtime_coalesced``).

The plan is the op's ``coalesced`` attribute, put there by ``attn-coalesce``
(the backend's default pipeline ends with it); an op without one runs by
its tile table (``runtime_tiled``), as do ops whose pattern reads the mask
operand (their pairs are known only at run time).
"""

from __future__ import annotations

import numpy as np

from attn_ir.backends.numpy.literals import array_literal, float_literal, int_literal
from attn_ir.backends.numpy.names import safe_text
from attn_ir.dialects import tile
from attn_ir.dialects.tile_coalesced import ATTRIBUTE

RUNTIME_TITLE = "runtime: tile.attention by its coalesced plan (query blocks x key ranges)"


def coalesced_plans(op: tile.TiledAttentionOp) -> list | None:
    """The op's ``#tile.coalesced`` plans, or None."""
    plans = op.attributes.get(ATTRIBUTE)
    return None if plans is None else list(plans.data)


def emit_coalesced(emitter, op: tile.TiledAttentionOp, plans: list, use, define) -> list[str]:
    from attn_ir.backends.numpy.emitter import runtime_source, storage_dtype

    emitter.runtime.add("tiled")  # _SAFE_SUM and _add_nonfinite_values
    emitter.add_runtime(RUNTIME_TITLE, runtime_source("coalesced"))
    b, h, nq, nk, _, _ = op.dims
    pattern = op.pattern.pattern
    predicate = emitter._predicate(pattern, nq, nk)
    names = []
    full_keys = partial_keys = blocks = 0
    for n, plan in enumerate(plans):
        rows, ptr, start, end, full = plan.arrays
        name = f"_SCHEDULE_{len(emitter.schedules)}"
        block_rows = np.repeat(np.diff(rows), np.diff(ptr))
        full_keys += int(((end - start) * block_rows)[full].sum())
        partial_keys += int(((end - start) * block_rows)[~full].sum())
        blocks += int((np.diff(ptr) > 0).sum())
        heads = "all heads" if len(plans) == 1 else f"head {n}"
        emitter.schedules.append(
            f"# coalesced plan of {heads}: {len(rows) - 1} query blocks "
            f"({int((np.diff(ptr) > 0).sum())} with keys), {len(start)} key pieces "
            f"({int(full.sum())} full)\n"
            f"{name} = _coalesced_schedule(\n"
            f"    {array_literal(rows, 'int32', indent=4)},\n"
            f"    {array_literal(ptr, 'int32', indent=4)},\n"
            f"    {array_literal(start, 'int32', indent=4)},\n"
            f"    {array_literal(end, 'int32', indent=4)},\n"
            f"    {array_literal(full.astype(np.int8), 'int8', indent=4)},\n"
            f"    nq={int_literal(nq)}, nk={int_literal(nk)}, attends={predicate}, "
            f"head={int_literal(n)})\n")
        names.append(name)
    out = define(op.output, "out")
    return [
        f"# tile.attention({use(op.q)}, {use(op.k)}, {use(op.v)}) -> {out}",
        f"#   pattern {safe_text(str(pattern), 300)}",
        f"#   coalesced: {blocks} query blocks; scores {full_keys} in full pieces (no mask), "
        f"{partial_keys} in partial pieces",
        f"{out} = _coalesced_attention(",
        f"    {use(op.q)}, {use(op.k)}, {use(op.v)}, "
        f"({', '.join(names)}{',' if len(names) == 1 else ''}),",
        f"    scale={float_literal(op.scale.value.data)}, "
        f"state_dtype={emitter._state_dtype(op.output)}, "
        f"out_dtype={storage_dtype(op.output.type)}, parallel_map=parallel_map)",
    ]
