"""Throughput of attn-sweep: a fixed spec of 584 timing-only points
(Longformer-base layers at 1K and 2K tokens, BERT-base layers at 256 and
512; SALO, FuseMax and FLAT over array, buffer, clock and bandwidth grids)
run on the local process pool with 1 and 2 workers and on a Dask
LocalCluster with 2 workers.  The peer is the same sweep on one worker in
the same run: scaling_2 = points_per_s_2 / points_per_s_1.  Every backend's
table must be equal row for row (``identical``).

Points per second count the evaluation, from the scheduler being up to the
last row written; starting the scheduler is reported apart (``startup_s_*``:
forking a pool is instant, a LocalCluster takes seconds).  On shared cores
the rates move with the other jobs; ``cpu_ms_per_point_*`` (CPU time of the
runner and its workers, startup included, per point) does not, and says
what the runner and the scheduler add to a point's own cost.

    python bench/sweep.py [--json] [--skip-dask]
"""

from __future__ import annotations

import json
import os
import tempfile

import click

SPEC = """
[[workload]]
preset = "longformer-base-4096"
seq_len = [1024, 2048]
layers = 1

[[workload]]
preset = "bert-base"
seq_len = [256, 512]
layers = 1

[[target]]
name = "salo"
pe_rows = [16, 32, 64]
pe_cols = [16, 32, 64]
buffer_bytes = [1048576, 2097152]

[[target]]
name = "fusemax"
pe_rows = [32, 64, 128, 256]
pe_cols = [32, 64, 128, 256]
buffer_bytes = [8388608, 16777216]
clock_hz = [0.47e9, 0.94e9]

[[target]]
name = "flat"
pe_rows = [32, 64, 128, 256]
pe_cols = [32, 64, 128, 256]
buffer_bytes = [16777216, 33554432]
dram_bytes_per_s = [2.0e11, 4.294967296e11]

[objectives]
minimize = ["seconds", "energy_pj", "area_mm2"]
"""


def _cpu_seconds() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--skip-dask", is_flag=True, help="Only the local pool.")
def main(as_json: bool, skip_dask: bool) -> None:
    from attn_ir.sweep import parse_spec, run_sweep

    spec = parse_spec(SPEC)
    figures: dict[str, object] = {"points": len(spec.points), "cores": len(os.sched_getaffinity(0))}
    tables = {}
    with tempfile.TemporaryDirectory() as tmp:
        runs = [("1", None, 1), ("2", None, 2)] + ([] if skip_dask else [("dask", "local", 2)])
        for name, scheduler, workers in runs:
            out = os.path.join(tmp, f"{name}.csv")
            before = _cpu_seconds()
            result = run_sweep(spec, out, scheduler=scheduler, workers=workers, progress=False)
            # CPU time of the runner and its (reaped) workers: what a point
            # costs whatever else shares the cores.
            figures[f"cpu_ms_per_point_{name}"] = (_cpu_seconds() - before) / result.evaluated * 1e3
            figures[f"points_per_s_{name}"] = result.evaluated / result.seconds
            figures[f"startup_s_{name}"] = result.startup_seconds
            with open(out, "rb") as f:
                tables[name] = f.read()
        errors = sum(1 for r in result.rows if r["status"] != "ok")
    figures["error_rows"] = errors
    figures["scaling_2"] = figures["points_per_s_2"] / figures["points_per_s_1"]
    if not skip_dask:
        figures["dask_over_pool"] = figures["points_per_s_dask"] / figures["points_per_s_2"]
    figures["identical"] = len(set(tables.values())) == 1
    if as_json:
        print(json.dumps(figures))
        return
    for key, value in figures.items():
        print(f"{key:22s} {value:.4g}" if isinstance(value, float) else f"{key:22s} {value}")


if __name__ == "__main__":
    main()
