"""SpAtten's target (Wang, Zhang, Han, HPCA 2021): the record, the units of
its instructions and the top-k engine's latency model."""

from __future__ import annotations

import math

from attn_ir.targets import Target, TargetExtension
from attn_ir.targets.area import AreaTable


def quickselect_cycles(n: int, parallelism: int) -> int:
    """Cycles of SpAtten's top-k engine on n candidates (Wang et al., HPCA
    2021, Sec. IV-B; the artifact's TopKLatencyModel): each quick-select
    round compares the remaining candidates with a pivot, ``parallelism``
    per cycle, plus 3 cycles, i.e. ceil(n / parallelism) + 3.  The artifact
    draws random pivots; this model takes the expected halving of the
    candidates per round (a median pivot), until one remains."""
    total, size = 0, max(1, n)
    while True:
        total += math.ceil(size / parallelism) + 3
        if size <= 1:
            return total
        size = math.ceil(size / 2)


def _topk_cycles(t: Target, shape: tuple[int, ...]) -> int:
    rows, candidates = shape
    return rows * quickselect_cycles(candidates, t.topk_parallelism)


def _dma_cycles(t: Target, shape: tuple[int, ...]) -> int:
    return max(1, math.ceil(shape[0] / t.dram_bytes_per_cycle))


SPATTEN = Target(
    name="spatten", pe_rows=8, pe_cols=64, vec_lanes=8,
    buffer_bytes=2 * 2048 * 512 * 12 // 8, clock_hz=1e9, dram_bytes_per_s=512e9,
    elem_bits=12, exp="exact", exp_cycles=1, topk_parallelism=16,
    units=(("spmm", "PE2D_AV"),), kind_lanes=(("dequantize", 512),),
    pipeline_latency=(("dequantize", 7), ("exp", 21), ("reduce_sum", 23),
                      ("normalize", 29), ("dma_store_rows", 7)),
    lowering=("convert-spatten-to-accel{target=spatten}",),
    area=AreaTable(av_array=True, topk_engine=True),
    citation=(
        "Wang, Zhang, Han, SpAtten, HPCA 2021, and its artifact "
        "(github.com/mit-han-lab/spatten, spatten_hardware): 1 GHz (the RTL "
        "testbench's 1000 ps clock); two arrays of 512 multipliers, one for Q x K "
        "and one for P x V (numMultipliers = 512: 8 keys of d = 64 per cycle, "
        "modelled as 8 x 64 arrays computing weight-stationary); 8 softmax lanes "
        "(numMultipliers / minD), whose dequantiser converts a 512-value fetch line per "
        "cycle; a top-k engine comparing 16 candidates per "
        "cycle, ceil(n/16) + 3 cycles per quick-select round (TopKLatencyModel, "
        "topk_parallelism = 16); 12-bit datapath (widthQuantValue = 12); HBM2 of "
        "16 channels at 2 Gbps per pin, 128 bits each, i.e. 512 GB/s (ramulator "
        "preset HBM2_2Gbps); key and value buffers of 2048 lines of 512 12-bit "
        "values (num_bufline = 2048); pipeline latencies dequantise 7, exp 21, "
        "accumulate 23, divide 29, quantise 7 cycles (the last on the output's "
        "way out)."),
)

EXTENSION = TargetExtension(
    targets=(SPATTEN,),
    units={"dma_gather": "DMA", "dma_store_rows": "DMA_OUT", "dequantize": "VEC1D",
           "position_mask": "VEC1D", "requant_check": "VEC1D", "select_rows": "VEC1D",
           "topk": "TOPK", "select": "VEC1D", "column_sum": "VEC1D", "importance_add": "VEC1D",
           "head_importance_add": "VEC1D"},
    cycle_models={"topk": _topk_cycles, "dma_gather": _dma_cycles, "dma_store_rows": _dma_cycles},
)
