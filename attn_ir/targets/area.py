"""Silicon area of a target: mm² at a stated technology node, from the
component counts of its ``Target`` record and an ``AreaTable`` of
per-component areas.

    from attn_ir import targets as T
    from attn_ir.targets.area import area_mm2, area_breakdown, scale_to_area

    area_mm2(T.get_target("salo"))                      # 14.4 mm² at 45 nm
    small = scale_to_area(T.get_target("fusemax"), 15.0)  # FuseMax shrunk to SALO's area

The model is linear in the components the latency model uses:

* 2-D array PEs (``pe_rows * pe_cols`` plus SALO's global row and column,
  ``global_rows * pe_cols + global_cols * pe_rows``), doubled for a target
  with a second multiplier array for P x V;
* 1-D vector lanes (``vec_lanes``);
* a top-k engine of ``topk_parallelism`` comparators;
* a Q/K decoder of ``vec_lanes`` MACs (a compressed-operand codec);
* on-chip SRAM (``buffer_bytes``).

Logic areas scale linearly with the datapath width (``elem_bits / 16``):
adders, registers and comparators, which dominate a PE's area in the
component figures, grow linearly with the word; the multiplier, which grows
faster, is under a tenth of the PE.

Every default is the FuseMax artifact's Accelergy estimate at 45 nm
(FPSG-UIUC/micro24-fusemax-artifact, ``workspace/inputs/yamls/area_energy/
outputs-2d-fusemax/ART_summary_verbose.yaml`` and ``outputs-1d-fusemax/``,
areas in µm²): a 2-D PE is a 16-bit FP MAC (Aladdin table: adder 1030 +
multiplier 515), an FP adder (1030), a max unit (comparator 35.5 + mux
13.79) and a 32 x 16-bit register file (4255.93), 6880.2 µm² in all; a 1-D
PE is a register file (4255.93), an FP adder (1030), an FP MAC (1545) and a
32-bit divider (23740.94), 30571.9 µm²; SRAM is CACTI's 94,176,000 µm² for
the 32 MiB global buffer (4,194,304 words of 64 bits), 2.807 µm² per byte.
One component library for every target keeps comparisons at equal area
meaningful: the targets' own papers report areas at other nodes and with
other libraries (see ``PUBLISHED_AREAS``), which are checks on this model,
never inputs to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from attn_ir.targets import Target


@dataclass(frozen=True)
class AreaTable:
    """Per-component areas in µm² at ``node_nm`` (defaults: the FuseMax
    artifact's Accelergy estimates at 45 nm, see the module docstring)."""

    node_nm: int = 45
    pe_um2: float = 1545.0 + 1030.0 + 35.5 + 13.78944 + 4255.9342
    """One 2-D PE at 16 bits: FP MAC, FP adder, max unit, register file."""
    vec_lane_um2: float = 4255.9342 + 1030.0 + 1545.0 + 23740.9375
    """One 1-D lane: register file, FP adder, FP MAC, 32-bit divider."""
    comparator_um2: float = 71.0 + 13.78944
    """One comparator and its mux in a top-k engine (the register file's
    comparator, 71 µm², and a 2-input 16-bit mux, 13.79 µm²)."""
    codec_lane_um2: float = 1545.0
    """One MAC of the Q/K decoder (a decoder lane multiplies and accumulates)."""
    sram_um2_per_byte: float = 94176000.0 / (4194304 * 8)
    """CACTI SRAM: 94,176,000 µm² for 32 MiB."""
    av_array: bool = False
    """A second 2-D array of the same size computes P x V."""
    topk_engine: bool = False
    """A top-k engine of ``topk_parallelism`` comparators."""
    codec: bool = False
    """A Q/K decoder of ``vec_lanes`` MACs beside the vector lanes (the CODEC
    unit, as wide as the softmax lanes in its cycle model)."""


def area_breakdown(target: Target) -> dict[str, float]:
    """mm² per component class of ``target`` (keys pe_array, vector, topk,
    codec, sram)."""
    a = target.area
    width = target.elem_bits / 16
    pes = (target.pe_rows * target.pe_cols + target.global_rows * target.pe_cols
           + target.global_cols * target.pe_rows) * (2 if a.av_array else 1)
    return {
        "pe_array": pes * a.pe_um2 * width * 1e-6,
        "vector": target.vec_lanes * a.vec_lane_um2 * width * 1e-6,
        "topk": (target.topk_parallelism * a.comparator_um2 * width * 1e-6
                 if a.topk_engine else 0.0),
        "codec": target.vec_lanes * a.codec_lane_um2 * width * 1e-6 if a.codec else 0.0,
        "sram": target.buffer_bytes * a.sram_um2_per_byte * 1e-6,
    }


def area_mm2(target: Target) -> float:
    """Total mm² of ``target`` at ``target.area.node_nm``."""
    return sum(area_breakdown(target).values())


def scale_to_area(target: Target, mm2: float, scale_buffer: bool = False) -> Target:
    """``target`` with its arrays scaled by one factor to the largest size
    whose area is at most ``mm2``: PE rows and columns by sqrt(f) each (the
    array's aspect ratio kept), vector lanes with the columns they serve, the
    buffer too when ``scale_buffer``.  Raises ValueError when even a 1x1
    array does not fit.  The comparison at equal area in docs/sweeps.md uses
    this (``area_mm2 = X`` in a sweep's target table)."""
    from attn_ir.targets import with_overrides

    if mm2 <= 0:
        raise ValueError(f"area must be positive, got {mm2} mm²")

    def at(f: float) -> Target:
        s = math.sqrt(f)
        changes = {"pe_rows": max(1, round(target.pe_rows * s)),
                   "pe_cols": max(1, round(target.pe_cols * s)),
                   "vec_lanes": max(1, round(target.vec_lanes * s))}
        if scale_buffer:
            changes["buffer_bytes"] = max(1, round(target.buffer_bytes * f))
        return with_overrides(target, **changes)

    if area_mm2(at(1e-12)) > mm2:
        raise ValueError(f"target '{target.name}' does not fit in {mm2} mm²: its smallest "
                         f"array takes {area_mm2(at(1e-12)):.3f} mm² "
                         f"(SRAM {area_breakdown(target)['sram']:.3f} mm²)")
    lo, hi = 0.0, 1.0
    while area_mm2(at(hi)) <= mm2:
        lo, hi = hi, hi * 2
    for _ in range(60):  # bisect on the factor, then keep the fitting rounding
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if area_mm2(at(mid)) <= mm2 else (lo, mid)
    return at(lo)
