"""PNG plots of a sweep table: the Pareto scatter of the first two
objectives coloured by target (front points ringed), and the best latency
per sequence length of each target."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence


def _figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    _figure().close(fig)
    return buffer.getvalue()


def pareto_png(rows: Sequence[dict], x: str, y: str, group_by: Sequence[str]) -> bytes:
    """Scatter of ``x`` against ``y`` (log axes), one panel per group (at
    most six), colours by target, the front ringed in black."""
    plt = _figure()
    ok = [r for r in rows if r.get("status") == "ok"]
    groups: dict[tuple, list[dict]] = {}
    for r in ok:
        groups.setdefault(tuple(r.get(c) for c in group_by), []).append(r)
    keys = sorted(groups, key=str)[:6]
    cols = min(3, max(1, len(keys)))
    nrows = max(1, -(-len(keys) // cols))
    fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 4.0 * nrows), squeeze=False)
    targets = sorted({r["target"] for r in ok})
    colours = {t: f"C{i}" for i, t in enumerate(targets)}
    for ax, key in zip(axes.flat, keys):
        members = groups[key]
        for t in targets:
            pts = [r for r in members if r["target"] == t]
            if pts:
                ax.scatter([r[x] for r in pts], [r[y] for r in pts], s=18, color=colours[t],
                           label=t, alpha=0.75)
        front = [r for r in members if r.get("pareto")]
        ax.scatter([r[x] for r in front], [r[y] for r in front], s=60, facecolors="none",
                   edgecolors="black", linewidths=1.0, label="Pareto front")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        title = ", ".join(f"{c}={v}" for c, v in zip(group_by, key))
        ax.set_title(textwrap.fill(title, 48), fontsize=7)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(keys):]:
        ax.axis("off")
    fig.tight_layout()
    fig.suptitle(f"attn-sweep: {y} vs {x} (ringed: the Pareto front of the table)", fontsize=10, y=1.02)
    return _png(fig)


def latency_png(rows: Sequence[dict]) -> bytes | None:
    """Best (lowest) latency of each target at each sequence length, one
    line per (workload, target); None when the sweep has no seq_len."""
    ok = [r for r in rows if r.get("status") == "ok" and r.get("seq_len") is not None]
    if not ok:
        return None
    plt = _figure()
    best: dict[tuple, dict[int, float]] = {}
    for r in ok:
        line = best.setdefault((r["workload"], r["target"]), {})
        n = int(r["seq_len"])
        line[n] = min(line.get(n, float("inf")), float(r["seconds"]))
    fig, ax = plt.subplots(figsize=(6, 4))
    for (work, target), line in sorted(best.items(), key=str):
        ns = sorted(line)
        ax.plot(ns, [line[n] * 1e3 for n in ns], marker="o", label=f"{target} / {work}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("sequence length")
    ax.set_ylabel("best latency (ms)")
    ax.legend(fontsize=7)
    ax.set_title("attn-sweep: latency vs sequence length (best design per target)", fontsize=9)
    return _png(fig)
