"""SpAtten on GPT-2 small decoding: DRAM traffic, fetched keys and values,
refetched rows, cycles and energy of the pruned, progressively quantised
model against the unpruned one, both compiled for the ``spatten`` target
and run on the hardware model (Wang, Zhang, Han, HPCA 2021).

The published figures are checks, not inputs: ours come from running the
compiled ``gpt2-spatten`` IR (``attn_ir.presets.spatten``) on random normal
inputs.  The artifact's GPT-2 small WikiText-2 trace
(spatten_hardware/hardware/workloads/summary-gpt2-small-wikitext2-per8.csv:
32 decoding steps x 12 layers x 12 heads = 4608 query rows over 993..1024
tokens) fetches 27.61 % of the keys and 5.49 % of the values and refetches
the LSBs of 323 rows; against a dense 12-bit baseline that is 10.8x-12.1x
less DRAM traffic (the paper says about 10x).

The pruned model also runs on the NumPy backend; both backends are compared
with the reference oracle (``attn_ir.reference.spatten``): the pruning and
requantisation decisions exactly, the values to the largest absolute error.

    python bench/spatten.py [--json] [--layers 12] [--iterations 32] [--seed 0]
    python bench/spatten.py --sweep 1,1.5,2,3,4 [--layers 12]   # sharpness sweep
"""

from __future__ import annotations

import json
import sys
import time

import click
import numpy as np

from attn_ir import patterns as P
from attn_ir import reference
from attn_ir.backends import hwmodel
from attn_ir.backends.numpy import emit_module, load_module
from attn_ir.backends.registry import argument_names, random_inputs, result_names, \
    select_function
from attn_ir.reference.oracle import reference_outputs
from attn_ir.pipeline import parse_pipeline, print_module, process
from attn_ir.presets.spatten import DENSE_12BIT, GPT2_SCHEDULE, build_spatten_module
from attn_ir.targets import get_target

PAPER = {"keys_fetched": 0.2761, "values_fetched": 0.0549, "requant_rows": 323, "rows": 4608,
         "dram_reduction": (10.8, 12.1)}
"""From the artifact's trace (see the module docstring)."""


def lowered(module, name: str):
    result = process(print_module(module), name,
                     parse_pipeline(get_target("spatten").default_pipeline()))
    assert result.ok, [str(d) for d in result.diagnostics]
    return result.module


def unpruned_attention(inputs: dict[str, np.ndarray], layers: int, context: int,
                       steps: int) -> list[np.ndarray]:
    """Each layer's outputs of the unpruned, unquantised (f32) model: step t's
    query at position context - steps + t attends every key before it."""
    return [reference.attention(inputs[f"q{n}"], inputs[f"k{n}"], inputs[f"v{n}"],
                                P.Causal(context - steps), dtype=np.float64)
            for n in range(layers)]


def run(layers: int, iterations: int, context: int, seed: int, q_scale: float) -> dict:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    module = build_spatten_module("gpt2-spatten", GPT2_SCHEDULE, layers=layers, heads=12,
                                  head_dim=64, context=context, iterations=iterations)
    dense = build_spatten_module("gpt2-dense-12bit", DENSE_12BIT, layers=layers, heads=12,
                                 head_dim=64, context=context, iterations=iterations)
    fn = select_function(module)
    inputs = random_inputs(fn, seed)
    for name in inputs:
        if name.startswith("q"):
            inputs[name] = (inputs[name] * np.float32(q_scale)).astype(np.float32)
    arrays = [inputs[n] for n in argument_names(fn)]
    names = result_names(fn)
    expected = reference_outputs(module, fn.sym_name.data, arrays)
    timings["reference_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    pruned_accel = lowered(module, "gpt2-spatten")
    dense_accel = lowered(dense, "gpt2-dense-12bit")
    timings["compile_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    hw_out, report = hwmodel.run(pruned_accel, arrays, fn.sym_name.data)
    dense_report = hwmodel.time_module(dense_accel)
    timings["hwmodel_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    numpy_out = load_module(emit_module(module)).FUNCTIONS[fn.sym_name.data](*arrays)
    timings["numpy_s"] = time.perf_counter() - t0

    def compare(outputs) -> tuple[float, int]:
        """(largest error of the attention outputs, decisions that differ)."""
        err, differ = 0.0, 0
        for name, got, want in zip(names, outputs, expected):
            got = np.asarray(got)
            if got.dtype == bool:
                differ += int((got != want).sum())
            elif name.startswith("importance"):
                differ += int(np.argsort(-got, kind="stable").tolist()
                              != np.argsort(-want, kind="stable").tolist())
            else:
                err = max(err, float(np.abs(got.astype(np.float64) - want).max()))
        return err, differ

    hw_err, hw_differ = compare(hw_out)
    np_err, np_differ = compare(numpy_out)
    unpruned = unpruned_attention(inputs, layers, context, iterations)
    deviation = max(float(np.abs(expected[n] - unpruned[n]).max()) for n in range(layers))

    d, dd = report.as_dict(), dense_report.as_dict()
    c, dc = d["counters"], dd["counters"]
    return {
        "workload": {"layers": layers, "heads": 12, "iterations": iterations,
                     "context": context, "seed": seed, "q_scale": q_scale},
        "dram_bytes": d["dram_bytes"],
        "dram_bytes_dense": dd["dram_bytes"],
        "dram_reduction": dd["dram_bytes"] / d["dram_bytes"],
        "dram_bytes_by_transfer": {k[:-len("_dram_bytes")]: v for k, v in c.items()
                                   if k.endswith("_dram_bytes")},
        "keys_fetched": c["keys_fetched"] / dc["keys_fetched"],
        "values_fetched": c["values_fetched"] / dc["values_fetched"],
        "rows": c["lanes"],
        "requant_rows": c["requant_rows"],
        "cycles": d["cycles"],
        "cycles_dense": dd["cycles"],
        "seconds": d["seconds"],
        "seconds_dense": dd["seconds"],
        "energy_pj": d["energy_pj"]["total"],
        "energy_pj_dense": dd["energy_pj"]["total"],
        "max_abs_err": max(hw_err, np_err),
        "max_abs_err_hwmodel": hw_err,
        "max_abs_err_numpy": np_err,
        "decisions_differing": hw_differ + np_differ,
        "max_abs_dev_unpruned_f32": deviation,
        "paper": PAPER,
        "timings": timings,
    }


def sweep(layers: int, iterations: int, context: int, seed: int,
          scales: list[float]) -> dict:
    """Refetched rows and DRAM reduction against how peaked attention is.
    The LSB refetch depends on the data (a row refetches when its largest
    probability is below the threshold), so the queries are multiplied by a
    sharpness factor (a softmax temperature of 1 / scale); nothing else
    changes.  Compiled once; each point is one functional hardware-model run."""
    module = build_spatten_module("gpt2-spatten", GPT2_SCHEDULE, layers=layers, heads=12,
                                  head_dim=64, context=context, iterations=iterations)
    dense = build_spatten_module("gpt2-dense-12bit", DENSE_12BIT, layers=layers, heads=12,
                                 head_dim=64, context=context, iterations=iterations)
    fn = select_function(module)
    pruned_accel = lowered(module, "gpt2-spatten")
    dense_bytes = hwmodel.time_module(lowered(dense, "gpt2-dense-12bit")).as_dict()["dram_bytes"]
    paper_rate = PAPER["requant_rows"] / PAPER["rows"]
    points = []
    for scale in scales:
        inputs = random_inputs(fn, seed)
        for name in inputs:
            if name.startswith("q"):
                inputs[name] = (inputs[name] * np.float32(scale)).astype(np.float32)
        _, report = hwmodel.run(pruned_accel, [inputs[n] for n in argument_names(fn)],
                                fn.sym_name.data)
        d = report.as_dict()
        c = d["counters"]
        points.append({"q_scale": scale, "rows": c["lanes"], "requant_rows": c["requant_rows"],
                       "refetch_rate": c["requant_rows"] / c["lanes"],
                       "dram_reduction": dense_bytes / d["dram_bytes"]})
    # Where the paper's rate (323 of 4608 rows) falls between two points.
    crossing = None
    for a, b in zip(points, points[1:]):
        if (a["refetch_rate"] - paper_rate) * (b["refetch_rate"] - paper_rate) <= 0:
            crossing = [a["q_scale"], b["q_scale"]]
            break
    return {"workload": {"layers": layers, "heads": 12, "iterations": iterations,
                         "context": context, "seed": seed},
            "paper_refetch_rate": paper_rate, "paper_dram_reduction": PAPER["dram_reduction"],
            "points": points, "paper_rate_between_q_scales": crossing}


def print_sweep(r: dict) -> None:
    w = r["workload"]
    print(f"SpAtten sharpness sweep: {w['iterations']} steps x {w['layers']} layers x 12 heads, "
          f"{w['context']} tokens, seed {w['seed']}; queries multiplied by q_scale")
    print(f"{'q_scale':>8s} {'refetched rows':>16s} {'rate':>7s} {'DRAM reduction':>15s}")
    rate = r["paper_refetch_rate"]
    marked = False
    for p in r["points"]:
        if not marked and p["refetch_rate"] <= rate:
            lo, hi = r["paper_dram_reduction"]
            print(f"{'paper':>8s} {'323 of 4608':>16s} {rate:7.2%} {f'{lo}x-{hi}x':>15s}"
                  "   <- the paper's rate falls here")
            marked = True
        print(f"{p['q_scale']:8g} {p['requant_rows']:>7d} of {p['rows']:<6d} "
              f"{p['refetch_rate']:7.2%} {p['dram_reduction']:14.2f}x")
    if not marked:
        print(f"  the paper's rate ({rate:.2%}) lies beyond the sharpest point")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--sweep", "sweep_scales", default=None,
              help="Comma-separated q scales: print refetched rows and DRAM reduction per "
                   "sharpness point instead of the full comparison (e.g. 1,2,3,4).")
@click.option("--layers", type=int, default=12, show_default=True)
@click.option("--iterations", type=int, default=GPT2_SCHEDULE.iterations, show_default=True,
              help="Decoding steps.")
@click.option("--context", type=int, default=1024, show_default=True,
              help="Tokens after the last step (prompt + steps).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--q-scale", type=float, default=1.0, show_default=True,
              help="Multiply the random queries (sharper softmax rows for > 1).")
def main(as_json, sweep_scales, layers, iterations, context, seed, q_scale) -> None:
    if sweep_scales:
        scales = sorted(float(x) for x in sweep_scales.split(",") if x.strip())
        r = sweep(layers, iterations, context, seed, scales)
        if as_json:
            json.dump(r, sys.stdout, indent=1)
            print()
        else:
            print_sweep(r)
        return
    r = run(layers, iterations, context, seed, q_scale)
    if as_json:
        json.dump(r, sys.stdout, indent=1)
        print()
        return
    w = r["workload"]
    print(f"SpAtten, GPT-2 small decoding: {w['iterations']} steps x {w['layers']} layers x "
          f"12 heads, {w['context']} tokens, random normal inputs (seed {w['seed']}, "
          f"q x {w['q_scale']:g}), target spatten")
    rows = [
        ("DRAM bytes, pruned + 6/4-bit", f"{r['dram_bytes']:,}", ""),
        ("DRAM bytes, dense 12-bit", f"{r['dram_bytes_dense']:,}", ""),
        ("DRAM reduction", f"{r['dram_reduction']:.2f}x", "10.8x-12.1x (paper ~10x)"),
        ("keys fetched", f"{r['keys_fetched']:.2%}", "27.61 %"),
        ("values fetched", f"{r['values_fetched']:.2%}", "5.49 %"),
        ("rows refetched with LSBs", f"{r['requant_rows']} of {r['rows']}", "323 of 4608"),
        ("cycles, pruned", f"{r['cycles']:,} ({r['seconds'] * 1e3:.3f} ms)", ""),
        ("cycles, dense", f"{r['cycles_dense']:,} ({r['seconds_dense'] * 1e3:.3f} ms)", ""),
        ("energy, pruned", f"{r['energy_pj'] * 1e-9:.2f} mJ", ""),
        ("energy, dense", f"{r['energy_pj_dense'] * 1e-9:.2f} mJ", ""),
        ("max abs error vs reference", f"{r['max_abs_err']:.2e}", ""),
        ("decisions differing", f"{r['decisions_differing']}", "0"),
        ("max abs dev. from unpruned f32", f"{r['max_abs_dev_unpruned_f32']:.3f}", ""),
    ]
    print(f"{'':32s} {'ours':>28s}  {'published':s}")
    for name, ours, paper in rows:
        print(f"{name:32s} {ours:>28s}  {paper}")
    print("DRAM bytes by transfer: " + ", ".join(
        f"{k} {v:,}" for k, v in r["dram_bytes_by_transfer"].items()))
    print("Keys and values fetched follow from the schedule (the trace's per-layer counts), "
          "so they match;\nstep 0 fetches floor(0.2 x keys) values where the trace fetches "
          "204.  Refetched rows depend on\nthe data: random Gaussian q and k give flat "
          "softmax rows over ~1000 keys (largest probability\nbelow 0.05), where trained "
          "GPT-2's are peaked; every refetch adds 4 bits per fetched key,\nwhich is what "
          "keeps the reduction below the paper's (--q-scale 2 sharpens the rows).")


if __name__ == "__main__":
    main()
