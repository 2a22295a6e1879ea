"""Fidelity of the hardware model to the papers: the published figures are
checks, never inputs.  Each row compiles attention IR with the target's
default pipeline and times the scheduled accel program (timing-only mode).

SALO (Shen et al., DAC 2022, published performance model): Longformer-base
layer (L = 4096, w = 512, 12 heads, d = 64) and ViL stages 1 and 2 (L = 3136
and 784, w = 225, 6 heads), one global token, 1 GHz.  SALO's w counts the
keys a query attends, so the window is left = w/2, right = w - w/2 - 1.

FuseMax vs FLAT (Nelson et al., MICRO 2024): BERT-base attention, batch 64,
12 heads, E = 64, 2-byte values, L = 1K ... 1M.

    python bench/hwmodel_fidelity.py [--json] [--max-len 262144] [--with-1m]
"""

from __future__ import annotations

import json
import sys
import time

import click

from attn_ir import patterns as P
from attn_ir.backends.hwmodel import time_module
from attn_ir.builder import attention
from attn_ir.context import make_context
from attn_ir.pipeline import parse_pipeline
from attn_ir.targets import get_target

SALO_PAPER = {  # workload: (L, w, heads, latency ms, utilisation)
    "Longformer": (4096, 512, 12, 4.0305, 0.7384),
    "ViL stage 1": (3136, 225, 6, 0.7715, 0.6530),
    "ViL stage 2": (784, 225, 6, 0.1968, 0.6399),
}

FUSEMAX_PAPER = {
    # L: (FuseMax 2-D util, FLAT 2-D util, FLAT/FuseMax DRAM traffic, FuseMax
    # traffic over the minimum, FuseMax ms, FLAT ms).  Utilisations, ratios and
    # the 1K/16K/256K latencies are the paper's (DESIGN.md); the other
    # latencies are the artifact's pregenerated results (micro24-fusemax-artifact,
    # workspace/outputs/pregenerated/results/attn-binding.csv, attn-flat.csv).
    1024: (0.8896, 0.125, 3.25, 1.0, 2.01, 13.4),
    4096: (0.9648, 0.125, 13.12, 1.0, 29.70, 214.18),
    16384: (0.9856, 0.125, 51.72, 1.0, 465.0, 3427.0),
    65536: (0.9910, 0.125, 137.4, 1.5, 7402.5, 54829.4),
    262144: (0.9923, 0.108, 938.8, 4.5, 118279.0, 1013880.0),
    1048576: (0.9926, 0.108, 1024.0, 16.5, 1891827.4, 16220640.0),
}

TOLERANCE = {"fusemax_util_2d": 0.02, "flat_util_2d": 0.05, "traffic_ratio": 0.10,
             "fusemax_ms": 0.05, "flat_ms": 0.05}
"""Relative tolerances of the figures (issue 17's "done means")."""

def compiled(module, target: str):
    parse_pipeline(get_target(target).default_pipeline()).apply(make_context(), module)
    return module


def salo_rows() -> list[dict]:
    rows = []
    for name, (length, w, heads, ms, util) in SALO_PAPER.items():
        pattern = P.Union((P.Window(w // 2, w - w // 2 - 1), P.Global((0,))))
        module = attention((1, heads, length, 64), (1, heads, length, 64), pattern=pattern,
                           dtype="f16")
        report = time_module(compiled(module, "salo")).as_dict()
        rows.append({"workload": name, "latency_ms": report["seconds"] * 1e3,
                     "paper_latency_ms": ms, "utilization": report["utilization"],
                     "paper_utilization": util, "cycles": report["cycles"]})
    return rows


def fusemax_rows(max_len: int) -> list[dict]:
    """Per L: our figures, the paper's, and whether each is within its
    tolerance.  The model reads none of the paper's numbers."""
    rows = []
    for length, paper in FUSEMAX_PAPER.items():
        if length > max_len:
            continue
        reports = {}
        start = time.perf_counter()
        for target in ("fusemax", "flat"):
            module = attention((64, 12, length, 64), (64, 12, length, 64), dtype="f16")
            reports[target] = time_module(compiled(module, target)).as_dict()
        fm, flat = reports["fusemax"], reports["flat"]
        minimum = 4 * 64 * 12 * length * 64 * 2
        row = {
            "L": length,
            "fusemax_util_2d": fm["util_2d"], "paper_fusemax_util_2d": paper[0],
            "flat_util_2d": flat["util_2d"], "paper_flat_util_2d": paper[1],
            "traffic_ratio": flat["dram_bytes"] / fm["dram_bytes"],
            "paper_traffic_ratio": paper[2],
            "fusemax_traffic_over_minimum": fm["dram_bytes"] / minimum,
            "paper_fusemax_traffic_over_minimum": paper[3],
            "fusemax_ms": fm["seconds"] * 1e3, "paper_fusemax_ms": paper[4],
            "flat_ms": flat["seconds"] * 1e3, "paper_flat_ms": paper[5],
            "fusemax_mac_utilization": fm["mac_utilization"],
            "flat_mac_utilization": flat["mac_utilization"],
            "fusemax_query_block_bytes": fm["buffers"].get("query_block", 0),
            "fusemax_buffer_peak_bytes": fm["buffer_peak_bytes"],
            "flat_buffer_peak_bytes": flat["buffer_peak_bytes"],
            "flat_dram_over_minimum": flat["dram_bytes"] / minimum,
            "model_s": time.perf_counter() - start,
        }
        row["within_tolerance"] = {
            key: abs(row[key] / row["paper_" + key] - 1) <= tol for key, tol in TOLERANCE.items()}
        rows.append(row)
    return rows


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--max-len", type=int, default=262144, show_default=True,
              help="Longest FuseMax/FLAT sequence.")
@click.option("--with-1m", is_flag=True, help="Also run L = 1M (sets --max-len 1048576).")
def main(as_json: bool, max_len: int, with_1m: bool) -> None:
    salo = salo_rows()
    fusemax = fusemax_rows(1048576 if with_1m else max_len)
    if as_json:
        json.dump({"salo": salo, "fusemax_flat": fusemax}, sys.stdout, indent=1)
        print()
        return
    print("SALO (1 GHz; latency and utilisation of the 2-D array)")
    print(f"{'workload':14s} {'ours ms':>9s} {'paper ms':>9s} {'diff':>7s} "
          f"{'ours util':>10s} {'paper util':>11s}")
    for r in salo:
        diff = r["latency_ms"] / r["paper_latency_ms"] - 1
        print(f"{r['workload']:14s} {r['latency_ms']:9.4f} {r['paper_latency_ms']:9.4f} "
              f"{diff:+7.2%} {r['utilization']:10.4f} {r['paper_utilization']:11.4f}")
    print("  utilisation counts the multiply-adds of attended pairs only; the paper counts")
    print("  L x w pairs per head, including window positions past the sequence ends.")
    print()
    print("FuseMax vs FLAT (BERT attention, batch 64, 12 heads, E = 64, 2-byte values);")
    print("util_2d = 2-D array busy fraction (the paper's metric); * = outside tolerance")
    print(f"{'L':>8s} {'FM util2d':>10s} {'paper':>7s} {'FLAT util2d':>12s} {'paper':>6s} "
          f"{'FLAT/FM DRAM':>13s} {'paper':>7s} {'FM/min':>7s} {'paper':>6s} "
          f"{'FM ms':>11s} {'paper':>11s} {'FLAT ms':>12s} {'paper':>12s}")

    def mark(r, key):
        return " " if r["within_tolerance"][key] else "*"

    for r in fusemax:
        print(f"{r['L']:8d} {r['fusemax_util_2d']:9.4f}{mark(r, 'fusemax_util_2d')} "
              f"{r['paper_fusemax_util_2d']:7.4f} {r['flat_util_2d']:11.4f}{mark(r, 'flat_util_2d')} "
              f"{r['paper_flat_util_2d']:6.3f} {r['traffic_ratio']:12.2f}{mark(r, 'traffic_ratio')} "
              f"{r['paper_traffic_ratio']:7.2f} {r['fusemax_traffic_over_minimum']:7.2f} "
              f"{r['paper_fusemax_traffic_over_minimum']:6.1f} "
              f"{r['fusemax_ms']:10.2f}{mark(r, 'fusemax_ms')} {r['paper_fusemax_ms']:11.2f} "
              f"{r['flat_ms']:11.2f}{mark(r, 'flat_ms')} {r['paper_flat_ms']:12.2f}")
    print("  FuseMax keeps a block of P1 query tiles (Q and f16 running state) on chip and")
    print("  streams K and V once per block; FLAT re-reads Q per key tile and K, V per 256-row")
    print("  block, and spills score rows past its buffer (four transfers per spilled byte).")
    print("  At 256K our FLAT spills 75% of each row block's scores where the artifact's")
    print("  searched mapping spills all of them with 1024-row blocks: see docs/hwmodel-fidelity.md.")

if __name__ == "__main__":
    main()
