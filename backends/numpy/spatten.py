"""NumPy emission of SpAtten's ops (listed in its ``EXTENSION``):
quantisation, index lists, top-k, gather/scatter, importance and the
progressive attention, at the ``attn`` level and tiled
(``tile.progressive_attention``, whose index lists select the rows to read).
The statements call the runtime in ``runtime_spatten``; patterns become the
emitter's predicates, evaluated on original positions.
"""

from __future__ import annotations

from typing import cast

from xdsl.dialects.builtin import TensorType

from attn_ir.backends.numpy.emitter import NumpyExtension, ModuleEmitter, runtime_source, storage_dtype
from attn_ir.backends.numpy.literals import float_literal, int_literal
from attn_ir.backends.numpy.names import safe_text
from attn_ir.dialects.spatten import attn as D
from attn_ir.dialects.spatten.tile import TiledProgressiveAttentionOp

RUNTIME_TITLE = "runtime: SpAtten (cascade pruning, top-k, progressive quantisation)"


def _runtime(emitter: ModuleEmitter) -> None:
    emitter.add_runtime(RUNTIME_TITLE, runtime_source("spatten"))


def _shape(value) -> tuple[int, ...]:
    return tuple(cast(TensorType, value.type).get_shape())


def _opt(use, value) -> str:
    return "None" if value is None else use(value)


def emit_quantize(emitter: ModuleEmitter, op: D.QuantizeOp, use, define) -> list[str]:
    _runtime(emitter)
    names = [define(op.msb, "msb"), define(op.lsb, "lsb"), define(op.scale, "scale")]
    msb, lsb = op.msb_bits.value.data, op.lsb_bits.value.data
    return [f"# attn.quantize({use(op.input)}) {{msb_bits = {msb}, lsb_bits = {lsb}}}",
            f"{', '.join(names)} = _sp_quantize({use(op.input)}, {int_literal(msb)}, "
            f"{int_literal(lsb)})"]


def emit_token_range(emitter: ModuleEmitter, op: D.TokenRangeOp, use, define) -> list[str]:
    _runtime(emitter)
    b, k = _shape(op.output)
    out = define(op.output, "tokens")
    start = op.start.value.data
    return [f"# attn.token_range {{start = {start}}} -> {out}",
            f"{out} = _sp_token_range({int_literal(b)}, {int_literal(start)}, {int_literal(k)})"]


def emit_topk(emitter: ModuleEmitter, op: D.TopKOp, use, define) -> list[str]:
    _runtime(emitter)
    out = define(op.output, "best")
    return [f"# attn.topk({use(op.scores)}) -> {out}",
            f"{out} = _sp_topk({use(op.scores)}, {int_literal(op.count)})"]


def emit_gather(emitter: ModuleEmitter, op: D.GatherOp, use, define) -> list[str]:
    _runtime(emitter)
    out = define(op.output, "gathered")
    dim = op.dim.value.data
    return [f"# attn.gather({use(op.source)}, {use(op.index)}) {{dim = {dim}}} -> {out}",
            f"{out} = _sp_gather({use(op.source)}, {use(op.index)}, {int_literal(dim)})"]


def emit_scatter(emitter: ModuleEmitter, op: D.ScatterOp, use, define) -> list[str]:
    _runtime(emitter)
    dim = op.dim.value.data
    size = _shape(op.output)[dim]
    into = _opt(use, op.into)
    out = define(op.output, "scattered")
    return [f"# attn.scatter({use(op.source)}, {use(op.index)}) {{dim = {dim}}} -> {out}",
            f"{out} = _sp_scatter({use(op.source)}, {use(op.index)}, {int_literal(dim)}, "
            f"{into}, {int_literal(size)})"]


def emit_token_importance(emitter: ModuleEmitter, op: D.TokenImportanceOp, use,
                          define) -> list[str]:
    _runtime(emitter)
    tokens = _shape(op.output)[1]
    into = _opt(use, op.into)
    out = define(op.output, "importance")
    return [f"# attn.token_importance({use(op.colsum)}, {use(op.k_pos)}) -> {out}",
            f"{out} = _sp_token_importance({use(op.colsum)}, {use(op.k_pos)}, "
            f"{int_literal(tokens)}, {into})"]


def emit_head_importance(emitter: ModuleEmitter, op: D.HeadImportanceOp, use,
                         define) -> list[str]:
    _runtime(emitter)
    heads = _shape(op.output)[1]
    into = _opt(use, op.into)
    out = define(op.output, "head_importance")
    return [f"# attn.head_importance({use(op.input)}, {use(op.heads)}) -> {out}",
            f"{out} = _sp_head_importance({use(op.input)}, {use(op.heads)}, "
            f"{int_literal(heads)}, {into})"]


def _progressive(emitter: ModuleEmitter, op, use, define, rows: tuple | None,
                 gather_heads: bool) -> list[str]:
    _runtime(emitter)
    context = op.context.value.data
    pattern = op.pattern.pattern
    predicate = emitter._predicate(pattern, context, context)
    scale = op.scale_value if hasattr(op, "scale_value") else op.scale.value.data
    value_keep = "None" if op.value_keep is None else float_literal(op.value_keep.value.data)
    operands = [use(v) for v in (op.q, op.k_msb, op.k_lsb, op.k_scale, op.v_msb, op.v_scale)]
    q_rows, k_rows = ("None", "None") if rows is None else (use(rows[0]), use(rows[1]))
    outs = [define(op.output, "out"), define(op.colsum, "colsum"),
            define(op.requant, "requant")]
    return [
        f"# {op.name}({', '.join(operands)}) -> {', '.join(outs)}",
        f"#   pattern {safe_text(str(pattern), 200)} on original positions; "
        f"{op.msb_bits.value.data} MSB + {op.lsb_bits.value.data} LSB bits",
        f"{', '.join(outs)} = _sp_progressive(",
        f"    {', '.join(operands)},",
        f"    {q_rows}, {k_rows}, {use(op.q_pos)}, {use(op.k_pos)}, {_opt(use, op.heads)}, "
        f"{predicate},",
        f"    gather_heads={gather_heads}, head_dependent={pattern.head_dependent}, "
        f"scale={float_literal(scale)}, lsb_bits={int_literal(op.lsb_bits.value.data)},",
        f"    threshold={float_literal(op.threshold.value.data)}, value_keep={value_keep}, "
        f"out_dtype={storage_dtype(op.output.type)}, parallel_map=parallel_map)",
    ]


def emit_progressive(emitter: ModuleEmitter, op: D.ProgressiveAttentionOp, use,
                     define) -> list[str]:
    return _progressive(emitter, op, use, define, None, gather_heads=False)


def emit_tiled_progressive(emitter: ModuleEmitter, op: TiledProgressiveAttentionOp, use,
                           define) -> list[str]:
    return _progressive(emitter, op, use, define, (op.q_rows, op.k_rows),
                        gather_heads=op.heads is not None)


EMITTERS = {
    D.QuantizeOp: emit_quantize,
    D.TokenRangeOp: emit_token_range,
    D.TopKOp: emit_topk,
    D.GatherOp: emit_gather,
    D.ScatterOp: emit_scatter,
    D.TokenImportanceOp: emit_token_importance,
    D.HeadImportanceOp: emit_head_importance,
    D.ProgressiveAttentionOp: emit_progressive,
    TiledProgressiveAttentionOp: emit_tiled_progressive,
}


EXTENSION = NumpyExtension(emitters=EMITTERS)
