"""NumPy emission of the Sparse Flash Attention ops (listed in its
``EXTENSION``).

The statements call the runtime in ``runtime_sparse_flash`` (copied into
the emitted module).  What depends only on attributes is computed here,
with the definitions of ``attn_ir.reference.sparse_flash``, and written into the
module as data: the LSH rotations of ``attn.hash_buckets`` (exact float64
literals) and the indices chosen by ``attn.keep_random`` (a hex bitmap).
The full-length attentions and ``attn.indexed_attention`` must be tiled
first (``attn-tile``), as ``attn.attention`` must.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from xdsl.dialects.builtin import TensorType

from attn_ir.reference import sparse_flash as SF
from attn_ir.backends.numpy.emitter import (
    NumpyExtension,
    EmitError,
    ModuleEmitter,
    runtime_source,
    storage_dtype,
)
from attn_ir.backends.numpy.literals import LINE_WIDTH, float_literal, int_literal
from attn_ir.dialects.sparse_flash import attn as D
from attn_ir.dialects.sparse_flash.tile import TiledIndexedAttentionOp

RUNTIME_TITLE = "runtime: Sparse Flash Attention (QK-dropping, hash buckets)"
DATA_TITLE = "Sparse Flash Attention data, computed at compile time"


def _runtime(emitter: ModuleEmitter) -> None:
    emitter.add_runtime(RUNTIME_TITLE, runtime_source("sparse_flash"))


def _constant(emitter: ModuleEmitter, stem: str, expr: str) -> str:
    return emitter.add_constant(DATA_TITLE, "_SF", stem, expr)


def float64_array_literal(values: np.ndarray) -> str:
    """``np.array([...], dtype=np.float64)`` whose items read back exactly."""
    values = np.asarray(values, np.float64)
    lines, line = [], ""
    for x in values.ravel():
        piece = float_literal(x) + ", "
        if line and len(line) + len(piece) > LINE_WIDTH - 4:
            lines.append(line.rstrip())
            line = ""
        line += piece
    if line:
        lines.append(line.rstrip())
    body = "[\n" + "".join(f"    {ln}\n" for ln in lines) + "]"
    return (f"np.array({body}, dtype=np.float64).reshape("
            + ", ".join(int_literal(n) for n in values.shape) + ")")


def _shape(value) -> tuple[int, ...]:
    return tuple(cast(TensorType, value.type).get_shape())


def emit_keep_random(emitter: ModuleEmitter, op: D.KeepRandomOp, use, define) -> list[str]:
    _runtime(emitter)
    b, h, m = _shape(op.keep)
    length, seed = op.length.value.data, op.seed.value.data
    keep = SF.keep_random(b, h, length, m, seed)
    bits = np.zeros((b * h, length), np.uint8)
    np.put_along_axis(bits, keep.reshape(b * h, m).astype(np.intp), 1, axis=1)
    hex_bits = np.packbits(bits.ravel()).tobytes().hex()
    const = _constant(emitter, "KEEP", f'_sf_keep_from_hex(\n    "{hex_bits}",\n'
                      f"    {b}, {h}, {length}, {m})")
    out = define(op.keep, "keep")
    return [f"# attn.keep_random {{length = {length}, seed = {seed}}} -> {out}",
            f"{out} = {const}.copy()"]


def emit_hash_buckets(emitter: ModuleEmitter, op: D.HashBucketsOp, use, define) -> list[str]:
    _runtime(emitter)
    _, h, _, d = _shape(op.input)
    buckets, seed = op.buckets.value.data, op.seed.value.data
    rotations = _constant(emitter, "ROTATIONS",
                          float64_array_literal(SF.lsh_rotations(seed, h, d, buckets)))
    out = define(op.output, "bucket")
    return [f"# attn.hash_buckets({use(op.input)}) {{buckets = {buckets}, seed = {seed}}} "
            f"-> {out}",
            f"{out} = _sf_hash_buckets({use(op.input)}, {rotations})"]


def emit_sort_by_bucket(emitter: ModuleEmitter, op: D.SortByBucketOp, use,
                        define) -> list[str]:
    _runtime(emitter)
    order, ordered = define(op.order, "order"), define(op.sorted, "sorted_bucket")
    return [f"# attn.sort_by_bucket({use(op.buckets)}) -> {order}, {ordered}",
            f"{order}, {ordered} = _sf_sort_by_bucket({use(op.buckets)})"]


def emit_gather_tokens(emitter: ModuleEmitter, op: D.GatherTokensOp, use,
                       define) -> list[str]:
    _runtime(emitter)
    out = define(op.output, "gathered")
    return [f"# attn.gather_tokens({use(op.input)}, {use(op.index)}) -> {out}",
            f"{out} = _sf_gather({use(op.input)}, {use(op.index)})"]


def emit_scatter_tokens(emitter: ModuleEmitter, op: D.ScatterTokensOp, use,
                        define) -> list[str]:
    _runtime(emitter)
    n = _shape(op.output)[2]
    out = define(op.output, "scattered")
    return [f"# attn.scatter_tokens({use(op.input)}, {use(op.index)}) -> {out}",
            f"{out} = _sf_scatter({use(op.input)}, {use(op.index)}, {int_literal(n)})"]


def emit_tiled_indexed(emitter: ModuleEmitter, op: TiledIndexedAttentionOp, use,
                       define) -> list[str]:
    _runtime(emitter)
    bq, bk = op.blocks
    args = [use(v) for v in (op.q, op.k, op.v, op.q_positions, op.k_positions)]
    buckets = [use(v) for v in op.buckets] if op.buckets else ["None", "None"]
    out = define(op.output, "out")
    kind = "hash buckets" if op.buckets else "compacted"
    return [
        f"# tile.indexed_attention({', '.join(args + ([*buckets] if op.buckets else []))})"
        f" -> {out}",
        f"#   {kind}, causal on original positions; tiles {bq}x{bk} classified at run time",
        f"{out} = _sf_indexed_attention(",
        f"    {', '.join(args)}, {', '.join(buckets)},",
        f"    block_q={int_literal(bq)}, block_k={int_literal(bk)}, "
        f"scale={float_literal(op.scale.value.data)},",
        f"    state_dtype={emitter._state_dtype(op.output)}, "
        f"out_dtype={storage_dtype(op.output.type)}, parallel_map=parallel_map)",
    ]


def emit_untiled(emitter: ModuleEmitter, op, use, define) -> list[str]:
    raise EmitError(f"{op.name} must be tiled before the NumPy backend emits it; run the "
                    "pipeline 'attn-tile' (it compacts and tiles Sparse Flash Attention)")


EMITTERS = {
    D.KeepRandomOp: emit_keep_random,
    D.HashBucketsOp: emit_hash_buckets,
    D.SortByBucketOp: emit_sort_by_bucket,
    D.GatherTokensOp: emit_gather_tokens,
    D.ScatterTokensOp: emit_scatter_tokens,
    TiledIndexedAttentionOp: emit_tiled_indexed,
    D.IndexedAttentionOp: emit_untiled,
    D.QKDropAttentionOp: emit_untiled,
    D.HashAttentionOp: emit_untiled,
}

NEEDS_TILING = (D.IndexedAttentionOp, D.QKDropAttentionOp, D.HashAttentionOp)
"""Lowered by the backend's default pipeline (``attn-tile`` compacts and tiles them)."""


EXTENSION = NumpyExtension(emitters=EMITTERS, needs_tiling=NEEDS_TILING)
