"""Design-space sweeps: targets x parameters x workloads on the hardware
model, with an area model, Pareto fronts and plots, on a local process pool
or a Dask cluster.

    from attn_ir.sweep import load_spec, run_sweep

    spec = load_spec("examples/sweeps/salo-array-window.toml")
    result = run_sweep(spec, "results.csv")               # local pool
    result = run_sweep(spec, "results.csv", scheduler="tcp://head:8786")
    front = [r for r in result.rows if r["pareto"]]

``attn-sweep SPEC.toml -o results.csv`` is the same from the shell; see
docs/sweeps.md.
"""

from attn_ir.sweep.objectives import OBJECTIVES, pareto_flags, pareto_mask
from attn_ir.sweep.runner import SweepResult, run_sweep
from attn_ir.sweep.spec import Spec, SpecError, load_spec, parse_spec, point_key
from attn_ir.sweep.store import StoreError, read_table

__all__ = ["OBJECTIVES", "Spec", "SpecError", "StoreError", "SweepResult", "load_spec",
           "pareto_flags", "pareto_mask", "parse_spec", "point_key", "read_table", "run_sweep"]
