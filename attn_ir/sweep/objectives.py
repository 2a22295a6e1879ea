"""Objectives of a sweep and its Pareto front.

A row is on the front (``pareto`` true) when no other row of its group (by
default: the same workload and shape) is at least as good in every
objective and better in one.  Rows whose status is not ``ok`` are never on
it.  The front is found by sorting on the first objective and keeping a row
only when no row kept so far dominates it (a skyline scan: O(n log n + n·f)
for a front of f rows), not by comparing every pair.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

OBJECTIVES = ("cycles", "seconds", "energy_pj", "area_mm2", "latency_area", "dram_bytes",
              "buffer_peak_bytes", "utilization", "mac_utilization", "util_2d")
"""Result columns an objective may name (``utilization`` and
``mac_utilization`` are the same figure: useful MACs over the 2-D peak;
``util_2d`` is the 2-D array's busy fraction)."""


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Rows of ``values`` (n x k, every column to be minimised) that no other
    row dominates.  Equal rows do not dominate each other: all are kept."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    keep = np.zeros(n, dtype=bool)
    if n == 0:
        return keep
    order = np.lexsort(values.T[::-1])  # by the first column, ties by the next
    front: list[int] = []
    for i in order:
        row = values[i]
        if front:
            kept = values[front]
            dominated = np.all(kept <= row, axis=1) & np.any(kept < row, axis=1)
            if dominated.any():
                continue
        front.append(i)
        keep[i] = True
    return keep


def pareto_flags(rows: Sequence[dict], minimize: Sequence[str], maximize: Sequence[str],
                 group_by: Sequence[str]) -> list[bool]:
    """The Pareto flag of every row (see the module docstring)."""
    flags = [False] * len(rows)
    groups: dict[tuple, list[int]] = {}
    for i, row in enumerate(rows):
        if row.get("status") != "ok":
            continue
        groups.setdefault(tuple(str(row.get(c)) for c in group_by), []).append(i)
    for members in groups.values():
        values = np.array([[float(rows[i][c]) for c in minimize]
                           + [-float(rows[i][c]) for c in maximize] for i in members])
        for i, keep in zip(members, pareto_mask(values)):
            flags[i] = bool(keep)
    return flags
