"""Evaluating sweep points in a worker: rebuild the workload's IR and the
target from the point spec (plain data: IR is never pickled), lower it with
the target's pipeline, time it on the hardware model, return one row.

Points that share a workload, the lowering's view of the target and the
tile sizes share one compiled program (``compile_key``): clock, DRAM
bandwidth (``NON_LOWERING``) and the energy table are applied afterwards,
by naming the full target on the lowered kernels and recomputing energy
from the counted events.  A worker keeps the last ``CACHE_SIZE`` programs.

A point that cannot be built or lowered (a buffer too small, a pattern that
does not fit the shape) is a row with ``status = "error"`` and the
diagnostic; only a bug in attn_ir gives ``status = "internal-error"``.
"""

from __future__ import annotations

import json
import re
from collections import Counter, OrderedDict
from dataclasses import replace
from typing import Any

from attn_ir.sweep.spec import NON_LOWERING

CACHE_SIZE = 16

RESULT_COLUMNS = ("cycles", "seconds", "utilization", "mac_utilization", "util_2d",
                  "dram_bytes", "buffer_peak_bytes", "energy_pj", "area_mm2", "latency_area")
TARGET_COLUMNS = ("pe_rows", "pe_cols", "vec_lanes", "buffer_bytes", "clock_hz",
                  "dram_bytes_per_s")
"""Effective target parameters, always in the table (after scale_to_mm2)."""

_compiled: OrderedDict[str, Any] = OrderedDict()


class PointError(Exception):
    """The point cannot be evaluated: its diagnostic goes into the row."""


def build_target(spec: dict):
    """The point's ``Target``: the preset, its overrides, scaled to an area
    when asked, with its energy table."""
    from attn_ir import targets as T
    from attn_ir.targets.area import scale_to_area

    target = T.get_target(spec["name"])
    try:
        target = T.with_overrides(target, **spec["params"])
    except (KeyError, TypeError) as e:
        raise PointError(str(e)) from None
    if spec.get("scale_to_mm2") is not None:
        try:
            target = scale_to_area(target, float(spec["scale_to_mm2"]),
                                   bool(spec.get("scale_buffer")))
        except ValueError as e:
            raise PointError(str(e)) from None
    if spec.get("energy"):
        target = replace(target, energy=replace(target.energy, **spec["energy"]))
    return target


def workload_text(work: dict) -> str:
    """The workload's IR text."""
    from attn_ir.pipeline import print_module

    if work["kind"] == "ir":
        return work["text"]
    if work["kind"] == "preset":
        from attn_ir.presets import PresetError, build_module, get_preset

        try:
            module = build_module(get_preset(work["workload"]), seq_len=work.get("seq_len"),
                                  layers=work.get("layers"), batch=work.get("batch"))
        except PresetError as e:
            raise PointError(str(e)) from None
        return print_module(module)
    from attn_ir.builder import attention

    n = work["seq_len"]
    shape = (work.get("batch") or 1, work.get("heads") or 1, n, work.get("head_dim") or 64)
    try:
        module = attention(shape, shape, pattern=work["workload"], dtype=work.get("dtype") or "f32")
    except ValueError as e:
        raise PointError(str(e)) from None
    return print_module(module)


def pipeline_of(target, pipe: dict) -> str:
    """The target's default pipeline, with the point's tile sizes."""
    spec = target.default_pipeline()
    q, k = pipe.get("tile_q"), pipe.get("tile_k")
    if q is None and k is None:
        return spec
    q = q or target.pe_rows
    k = k or target.pe_cols
    return re.sub(r"attn-tile\{q=\d+ k=\d+\}", f"attn-tile{{q={q} k={k}}}", spec, count=1)


def compile_key(point: dict, target) -> str:
    """Points with equal keys lower to the same program."""
    lowering = {k: v for k, v in target.overrides().items() if k not in NON_LOWERING}
    return json.dumps({"workload": point["workload"], "target": target.name,
                       "lowering": lowering, "tile_q": point["pipeline"].get("tile_q"),
                       "tile_k": point["pipeline"].get("tile_k")}, sort_keys=True)


def _first_error(diagnostics) -> str:
    for d in diagnostics:
        if d.severity == "error":
            return d.message
    return "invalid IR"


def _lower(point: dict, target):
    """(module, None) or (None, diagnostic), cached by compile key."""
    from attn_ir.pipeline import PipelineError, parse_pipeline, process

    key = compile_key(point, target)
    if key in _compiled:
        _compiled.move_to_end(key)
        return _compiled[key]
    # Lower for the target as the lowering sees it: the non-lowering
    # parameters of the first point would otherwise be baked into the text.
    from attn_ir import targets as T

    lowering_target = T.with_overrides(T.get_target(target.name), **{
        k: v for k, v in target.overrides().items() if k not in NON_LOWERING})
    try:
        text = workload_text(point["workload"])
        result = process(text, "<sweep>", parse_pipeline(pipeline_of(lowering_target,
                                                                      point["pipeline"])))
        entry = (result.module, None) if result.ok else (None, _first_error(result.diagnostics))
    except PointError as e:
        entry = (None, str(e))
    except PipelineError as e:
        entry = (None, str(e))
    _compiled[key] = entry
    while len(_compiled) > CACHE_SIZE:
        _compiled.popitem(last=False)
    return entry


def _retarget(module, target) -> None:
    """Name the full target (non-lowering parameters included) on every
    kernel, which is what the hardware model times with."""
    from attn_ir.dialects import accel as A

    attr = A.TargetAttr(target.name, target.overrides())
    for op in module.walk():
        if isinstance(op.properties.get("target"), A.TargetAttr):
            op.properties["target"] = attr


def _row(report, target) -> dict[str, Any]:
    from attn_ir.backends.hwmodel import energy_breakdown

    if target.energy != type(target.energy)():
        for k in report.kernels:
            k.energy_pj = energy_breakdown(target, Counter(k.ops),
                                  k.buffer_read_bytes + k.buffer_write_bytes,
                                  k.dram_read_bytes + k.dram_write_bytes)
    d = report.as_dict()
    cycles = d["cycles"]
    pe2d = d["units"].get("PE2D", {}).get("busy_cycles", 0)
    return {
        "cycles": cycles, "seconds": d["seconds"], "utilization": d["utilization"],
        "mac_utilization": d["utilization"], "util_2d": pe2d / cycles if cycles else 0.0,
        "dram_bytes": d["dram_bytes"], "buffer_peak_bytes": d["buffer_peak_bytes"],
        "energy_pj": d["energy_pj"]["total"], "area_mm2": d["area_mm2"],
        "latency_area": d["seconds"] * d["area_mm2"],
    }


def evaluate(point: dict) -> dict[str, Any]:
    """One point → its row (spec columns, effective target, results,
    status, diagnostic)."""
    from attn_ir.backends.hwmodel import time_module

    row: dict[str, Any] = dict(point["columns"])
    blank = {c: None for c in (*TARGET_COLUMNS, *RESULT_COLUMNS)}
    try:
        target = build_target(point["target"])
    except PointError as e:
        return {**row, **blank, "status": "error", "diagnostic": str(e)}
    effective = {c: getattr(target, c) for c in TARGET_COLUMNS}
    try:
        module, diagnostic = _lower(point, target)
        if module is None:
            return {**row, **blank, **effective, "status": "error", "diagnostic": diagnostic}
        _retarget(module, target)
        report = time_module(module, refetch_fraction=point["pipeline"]["refetch_fraction"])
        if not report.kernels:
            left = sorted({op.name for op in module.walk()
                           if op.name.split(".")[0] in ("attn", "tile", "cascade")})
            return {**row, **blank, **effective, "status": "error",
                    "diagnostic": f"target '{target.name}' lowers none of this workload's "
                                  f"attention to accel kernels (left: {', '.join(left)})"}
        return {**row, **effective, **_row(report, target), "status": "ok", "diagnostic": ""}
    except Exception as e:  # noqa: BLE001 - a bug must not end the sweep; the row says it
        return {**row, **blank, **effective, "status": "internal-error",
                "diagnostic": f"{type(e).__name__}: {e}"}


def evaluate_batch(items: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """(key, point) pairs → (key, row) pairs; what a worker runs.  The
    runner batches points of one compile key together."""
    return [(key, evaluate(point)) for key, point in items]
