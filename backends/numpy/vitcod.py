"""NumPy emission of polarised attention and the Q/K auto-encoder (ViTCoD;
listed in its ``EXTENSION``).

The statements call the runtime in ``runtime_vitcod`` (copied into the
emitted module).  The polarisation is compile-time data, computed here with
``attn_ir.patterns.vitcod.polarization`` and written into the module once per
polarisation: each head's key order, the dense part's mask over the dense
columns (a hex bitmap) and the sparse part's COO pairs (queries and
reordered key positions, per-head offsets).  Auto-encoder weights are exact
float64 literals.  ``attn.partial_attention`` is emitted for the parts of a
polarisation (``#attn.polar_part``); ``attn.attention`` is polarised
(``attn-polarize``) or tiled first.
"""

from __future__ import annotations

from typing import cast

import numpy as np
from xdsl.dialects.builtin import TensorType

from attn_ir.backends.numpy.emitter import NumpyExtension, EmitError, ModuleEmitter, runtime_source, storage_dtype
from attn_ir.backends.numpy.literals import LINE_WIDTH, array_literal, float_literal, int_literal
from attn_ir.backends.numpy.names import safe_text
from attn_ir.dialects.vitcod.attn import PartialAttentionOp, PermuteKeysOp, SoftmaxMergeOp
from attn_ir.dialects.vitcod.qk_autoencoder import QKDecodeOp, QKEncodeOp
from attn_ir.patterns import PatternError
from attn_ir.patterns.vitcod.polarization import PolarPart, polarize_heads
from attn_ir.reference.vitcod_autoencoder import AutoEncoderError

RUNTIME_TITLE = "runtime: polarised attention and the Q/K auto-encoder (ViTCoD)"
DATA_TITLE = "polarisations and auto-encoder weights, computed at compile time"


def _runtime(emitter: ModuleEmitter) -> None:
    emitter.add_runtime(RUNTIME_TITLE, runtime_source("vitcod"))


def _constant(emitter: ModuleEmitter, stem: str, expr: str) -> str:
    return emitter.add_constant(DATA_TITLE, "_PZ", stem, expr)


def bits_literal(mask: np.ndarray) -> str:
    """A boolean array as a packed hex string, unpacked at import."""
    mask = np.asarray(mask, bool)
    text = np.packbits(mask.ravel()).tobytes().hex()
    chunks = [text[i:i + LINE_WIDTH - 8] for i in range(0, len(text), LINE_WIDTH - 8)]
    hex_text = "(\n" + "".join(f'    "{c}"\n' for c in chunks) + ")" if chunks else '""'
    shape = ", ".join(int_literal(n) for n in mask.shape)
    return (f"np.unpackbits(np.frombuffer(bytes.fromhex({hex_text}), dtype=np.uint8), "
            f"count={int_literal(mask.size)}).astype(np.bool_).reshape({shape})")


def float64_literal(values: np.ndarray) -> str:
    values = np.asarray(values, np.float64)
    items = ", ".join(float_literal(x) for x in values.ravel())
    shape = ", ".join(int_literal(n) for n in values.shape)
    return f"np.array([{items}], dtype=np.float64).reshape({shape})"


def _shape(value) -> tuple[int, ...]:
    return tuple(cast(TensorType, value.type).get_shape())


def _split(op, part: PolarPart, nq: int, nk: int, heads: int):
    try:
        return polarize_heads(part.source, nq, nk, heads, part.threshold)
    except PatternError as e:
        raise EmitError(f"{op.name}: {e}") from None


def _state(emitter: ModuleEmitter, value) -> str:
    return emitter._state_dtype(value)


def emit_permute_keys(emitter: ModuleEmitter, op: PermuteKeysOp, use, define) -> list[str]:
    _runtime(emitter)
    _, h, nk, _ = _shape(op.input)
    split = _split(op, op.pattern.pattern, op.queries.value.data, nk, h)
    order = _constant(emitter, "ORDER", array_literal(np.stack([s.order for s in split]),
                                                      "int32"))
    out = define(op.output, "keys")
    return [f"# attn.permute_keys({use(op.input)}) -> {out}: dense columns first",
            f"{out} = _pz_permute_keys({use(op.input)}, {order})"]


def emit_partial_attention(emitter: ModuleEmitter, op: PartialAttentionOp, use,
                           define) -> list[str]:
    _runtime(emitter)
    part = op.pattern.pattern
    if not isinstance(part, PolarPart) or part.part == "all":
        raise EmitError("attn.partial_attention: the NumPy backend emits the dense and sparse "
                        "parts of a polarisation (#attn.polar_part) only")
    b, h, nq, _ = _shape(op.q)
    nk = _shape(op.k)[2]
    split = _split(op, part, nq, nk, h)
    common = (f"scale={float_literal(op.scale_value)}, state_dtype={_state(emitter, op.output)}, "
              f"out_dtype={storage_dtype(op.output.type)}")
    out, lse = define(op.output, "out"), define(op.lse, "lse")
    head = f"# attn.partial_attention {part.part} part ({op.format.data}) -> {out}, {lse}"
    if part.part == "dense":
        g = max(s.dense for s in split)
        mask = np.zeros((h, nq, g), bool)
        for hh, s in enumerate(split):
            mask[hh, :, : s.dense] = s.dense_mask
        name = _constant(emitter, "DENSE_MASK", bits_literal(mask))
        return [head + f": {g} dense columns at most",
                f"{out}, {lse} = _pz_dense_partial({use(op.q)}, {use(op.k)}, {use(op.v)}, "
                f"{name}, {common})"]
    ptr = np.concatenate(([0], np.cumsum([s.sparse_nnz for s in split])))
    rows = np.concatenate([s.coo_rows for s in split]) if split else np.zeros(0)
    cols = np.concatenate([s.coo_cols for s in split]) if split else np.zeros(0)
    names = [_constant(emitter, stem, array_literal(a, "int32"))
             for stem, a in (("COO_PTR", ptr), ("COO_ROWS", rows), ("COO_COLS", cols))]
    return [head + f": {int(ptr[-1])} pairs",
            f"{out}, {lse} = _pz_coo_partial({use(op.q)}, {use(op.k)}, {use(op.v)}, "
            f"{', '.join(names)}, {common})"]


def emit_softmax_merge(emitter: ModuleEmitter, op: SoftmaxMergeOp, use, define) -> list[str]:
    _runtime(emitter)
    out, lse = define(op.output, "out"), define(op.lse, "lse")
    args = ", ".join(use(v) for v in (op.out_a, op.lse_a, op.out_b, op.lse_b))
    return [f"# attn.softmax_merge({args}) -> {out}, {lse}",
            f"{out}, {lse} = _pz_softmax_merge({args}, "
            f"out_dtype={storage_dtype(op.output.type)})"]


def emit_codec(emitter: ModuleEmitter, op: QKEncodeOp | QKDecodeOp, use, define) -> list[str]:
    _runtime(emitter)
    codec = op.autoencoder.codec
    try:
        w = codec.weights()
    except AutoEncoderError as e:
        raise EmitError(f"{op.name}: {e}") from None
    encode = isinstance(op, QKEncodeOp)
    weight, bias = ((w.encoder_weight, w.encoder_bias) if encode
                    else (w.decoder_weight, w.decoder_bias))
    wname = _constant(emitter, "ENCODER" if encode else "DECODER", float64_literal(weight))
    bname = _constant(emitter, "ENCODER_BIAS" if encode else "DECODER_BIAS",
                      float64_literal(bias))
    out = define(op.output, "coded")
    return [f"# {op.name}({use(op.input)}) -> {out}: "
            f"{safe_text(str(op.autoencoder), 200)}",
            f"{out} = _pz_head_mix({use(op.input)}, {wname}, {bname}, "
            f"out_dtype={storage_dtype(op.output.type)})"]


EMITTERS = {
    PermuteKeysOp: emit_permute_keys,
    PartialAttentionOp: emit_partial_attention,
    SoftmaxMergeOp: emit_softmax_merge,
    QKEncodeOp: emit_codec,
    QKDecodeOp: emit_codec,
}


EXTENSION = NumpyExtension(emitters=EMITTERS)
