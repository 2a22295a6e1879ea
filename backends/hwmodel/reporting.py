"""Reports of the hardware model for people (a table), for programs (JSON,
``Report.as_dict``), for timeline viewers (Chrome/Perfetto trace JSON) and
as a plot (per-unit busy time and the energy breakdown)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from attn_ir.backends.hwmodel import Report


def _si(value: float, unit: str) -> str:
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3f} {prefix}{unit}"
    return f"{value:.3f} {unit}" if isinstance(value, float) else f"{value} {unit}"


def table(report: Report) -> str:
    d = report.as_dict()
    lines = [
        f"target            {d['target']}",
        f"cycles            {d['cycles']:,}",
        f"time              {d['seconds'] * 1e3:.4f} ms",
        f"utilization       {d['utilization']:.4f}  (useful MACs of attended pairs / 2-D peak)",
        f"mac_utilization   {d['mac_utilization']:.4f}  (the same: useful MACs / 2-D peak)",
        f"util_2d           {d['util_2d']:.4f}  (2-D array busy fraction, PEs weighted)",
        f"DRAM              {_si(d['dram_read_bytes'], 'B')} read, "
        f"{_si(d['dram_write_bytes'], 'B')} written",
        f"on-chip traffic   {_si(d['buffer_read_bytes'], 'B')} read, "
        f"{_si(d['buffer_write_bytes'], 'B')} written",
        f"buffer peak       {_si(d['buffer_peak_bytes'], 'B')}",
        f"energy            {_si(d['energy_pj']['total'] * 1e-12, 'J')}",
        f"area              {d['area_mm2']:.3f} mm²",
    ]
    if d["max_abs_err"] is not None:
        lines.append(f"max abs error     {d['max_abs_err']:.3e}")
    lines.append("")
    lines.append(f"{'unit':8s} {'busy cycles':>14s} {'utilization':>12s} {'busy frac':>10s} "
                 f"{'MAC util':>9s}")
    for unit, u in d["units"].items():
        mac = f"{u['mac_utilization']:9.4f}" if "mac_utilization" in u else f"{'-':>9s}"
        lines.append(f"{unit:8s} {u['busy_cycles']:>14,} {u['utilization']:>12.4f} "
                     f"{u.get('busy_fraction', u['utilization']):>10.4f} {mac}")
    lines.append("")
    lines.append(f"{'operation':10s} {'count':>16s}")
    for kind, n in d["ops"].items():
        lines.append(f"{kind:10s} {n:>16,}")
    lines.append("")
    lines.append(f"{'energy':10s} {'pJ':>16s} {'share':>7s}")
    total = d["energy_pj"]["total"] or 1.0
    for part, pj in d["energy_pj"].items():
        if part != "total":
            lines.append(f"{part:10s} {pj:>16,.0f} {pj / total:>7.1%}")
    return "\n".join(lines) + "\n"


def chrome_trace(report: Report) -> str:
    """Trace Event Format: one track (thread) per unit, one complete event
    per recorded instruction, timestamps in cycles shown as microseconds."""
    events = []
    units: dict[str, int] = {}
    offset = 0
    for n, kernel in enumerate(report.kernels):
        for unit, name, start, end in kernel.trace:
            tid = units.setdefault(unit, len(units) + 1)
            events.append({"name": name, "cat": f"kernel{n}", "ph": "X", "pid": 1,
                           "tid": tid, "ts": offset + start, "dur": max(1, end - start)})
        offset += kernel.cycles
    for unit, tid in units.items():
        events.append({"name": "thread_name", "ph": "M", "pid": 1, "tid": tid,
                       "args": {"name": unit}})
    return json.dumps({"traceEvents": events, "displayTimeUnit": "ns",
                       "otherData": {"clock": "one microsecond per cycle"}})


def plot(report: Report) -> bytes:
    """PNG: per-unit utilisation and the energy breakdown."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = report.as_dict()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    units = list(d["units"])
    import numpy as np

    y = np.arange(len(units))
    left.barh(y - 0.2, [d["units"][u].get("busy_fraction", d["units"][u]["utilization"])
                        for u in units], height=0.4, color="tab:blue", label="busy fraction")
    left.barh(y + 0.2, [d["units"][u].get("mac_utilization", 0.0) for u in units], height=0.4,
              color="tab:green", label="MAC utilisation")
    left.set_yticks(y, units)
    left.set_xlim(0, 1)
    left.legend(loc="lower right", fontsize="small")
    left.set_xlabel(f"share of the run (util_2d {d['util_2d']:.3f}, "
                    f"mac_utilization {d['mac_utilization']:.3f})")
    left.set_title(f"{d['target']}: {d['cycles']:,} cycles ({d['seconds'] * 1e3:.3f} ms)")
    total = d["energy_pj"]["total"] or 1.0
    parts = [p for p in d["energy_pj"] if p != "total"]
    shares = [d["energy_pj"][p] / total for p in parts]
    right.barh(parts, shares, color="tab:orange")
    for y, share in enumerate(shares):
        right.text(min(share, 0.85) + 0.01, y, f"{share:.1%}", va="center")
    right.set_xlim(0, 1)
    right.set_xlabel("share of the energy")
    right.set_title(f"energy {total * 1e-6:.2f} uJ")
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100)
    plt.close(fig)
    return out.getvalue()
