"""ViTCoD's target (You et al., HPCA 2023): the record, the units of its
instructions and the latency models of its engines, which follow ViTCoD's
simulator (github.com/GATECH-EIC/ViTCoD, ``Hardware/Simulator/ViTCoD.py``;
the instructions' shapes are documented in ``attn_ir.dialects.vitcod.accel``)."""

from __future__ import annotations

import math

from attn_ir.targets import Target, TargetExtension
from attn_ir.targets.area import AreaTable




def _per_token(t: Target, shape: tuple[int, ...]) -> int:
    tokens, token_bytes = shape
    return tokens * max(1, math.ceil(token_bytes / t.dram_bytes_per_cycle))


def _one_burst(t: Target, shape: tuple[int, ...]) -> int:
    return max(1, math.ceil(shape[0] / t.dram_bytes_per_cycle))


def _decode(t: Target, shape: tuple[int, ...]) -> int:
    tokens, values = shape
    return tokens * max(1, math.ceil(values / t.vec_lanes))


def _depth_passes(t: Target, depth: int, heads: int) -> int:
    """Passes over the head dimension when the heads share the array's columns."""
    return math.ceil(depth * heads / t.pe_cols)


def _dense_sddmm(t: Target, shape: tuple[int, ...]) -> int:
    dense, n, d, heads, rows = shape
    return dense * math.ceil(n / rows) * _depth_passes(t, d, heads)


def _coo_sddmm(t: Target, shape: tuple[int, ...]) -> int:
    nnz, d, heads, rows = shape
    return math.ceil(nnz / rows) * _depth_passes(t, d, heads)


def _spmm(t: Target, shape: tuple[int, ...]) -> int:
    macs, heads, rows = shape
    return math.ceil(macs / max(1, rows * t.pe_cols // heads))


def _elementwise(t: Target, shape: tuple[int, ...]) -> int:
    return max(1, math.ceil(shape[0] / t.vec_lanes))


def _softmax(t: Target, shape: tuple[int, ...]) -> int:
    return max(1, math.ceil(shape[0] / t.vec_lanes)) * t.exp_cycles


VITCOD = Target(
    name="vitcod", pe_rows=64, pe_cols=8, vec_lanes=128,
    buffer_bytes=(3 * 53 + 20 + 108) * 1024, clock_hz=500e6,
    dram_bytes_per_s=76.8 * 2**30, elem_bits=8, exp="exact", exp_cycles=1,
    preparation=("attn-polarize{threshold=50}",),
    lowering=("convert-polarized-to-accel{target=vitcod}",),
    area=AreaTable(codec=True),
    citation=(
        "You et al., ViTCoD, HPCA 2023, and its simulator "
        "(github.com/GATECH-EIC/ViTCoD, Hardware/Simulator): 500 MHz; HBM at "
        "76.8 GB/s (the simulator's 76.8 * 1024^3 bytes/s); 8-bit data; SRAMs of "
        "53 KB each for Q, K and V, 20 KB for indices and 108 KB for outputs "
        "(buffer_bytes is their sum; the per-buffer sizes are not checked one by "
        "one); a PE array of 64 x 8 (PE_width x PE_height) split between the denser "
        "and sparser engines along its 64 rows, in proportion to their work, and "
        "among the heads along its 8 columns; global (dense) columns are those kept "
        "by more than 50 of 197 queries; auto-encoder ratio 2/3.  vec_lanes = 128 "
        "(softmax and the Q/K decoder) is this project's assumption: one token's "
        "compressed Q or K per cycle, as the simulator decodes."),
)

EXTENSION = TargetExtension(
    targets=(VITCOD,),
    units={"load_tokens": "DMA", "store_tokens": "DMA_OUT", "load_codec": "DMA",
           "load_coo": "DMA", "qk_decode": "CODEC", "dense_sddmm": "PE2D",
           "coo_sddmm": "PE2D_SPARSE", "row_softmax": "VEC1D", "dense_spmm": "PE2D",
           "coo_spmm": "PE2D_SPARSE", "softmax_merge": "VEC1D"},
    cycle_models={"load_tokens": _per_token, "store_tokens": _per_token, "load_codec": _one_burst,
    "load_coo": _one_burst, "qk_decode": _decode, "dense_sddmm": _dense_sddmm,
    "coo_sddmm": _coo_sddmm, "dense_spmm": _spmm, "coo_spmm": _spmm,
    "row_softmax": _softmax, "softmax_merge": _elementwise,},
)
