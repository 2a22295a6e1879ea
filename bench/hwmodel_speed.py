"""Speed of the hardware model: one Longformer-base layer (B = 1, H = 12,
N = 4096, d = 64, window 512, token 0 global) on the salo target, run
functionally (outputs checked against the reference) and timing-only.
The peer measured in the same run is the reference oracle on the same
inputs, so the ratio says what simulating the schedule costs over just
computing the answer.

    python bench/hwmodel_speed.py [--json] [--seq-len 4096]
"""

from __future__ import annotations

import json
import time

import click
import numpy as np

from attn_ir import patterns as P
from attn_ir import reference
from attn_ir.backends.hwmodel import run, time_module
from attn_ir.builder import attention
from attn_ir.context import make_context
from attn_ir.pipeline import parse_pipeline
from attn_ir.targets import get_target


@click.command()
@click.option("--seq-len", type=int, default=4096, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def main(seq_len: int, as_json: bool) -> None:
    pattern = P.Union((P.Window(256, 256), P.Global((0,))))
    module = attention((1, 12, seq_len, 64), (1, 12, seq_len, 64), pattern=pattern)
    start = time.perf_counter()
    parse_pipeline(get_target("salo").default_pipeline()).apply(make_context(), module)
    compile_s = time.perf_counter() - start
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((1, 12, seq_len, 64)).astype(np.float32) for _ in range(3))
    start = time.perf_counter()
    (out,), report = run(module, [q, k, v])
    functional_s = time.perf_counter() - start
    start = time.perf_counter()
    timed = time_module(module)
    timing_s = time.perf_counter() - start
    start = time.perf_counter()
    expected = reference.attention(q, k, v, pattern)
    reference_s = time.perf_counter() - start
    steps = next(n for name, n in report.kernels[0].instances.items()
                 if name.startswith("accel.sddmm"))
    figures = {
        "seq_len": seq_len, "compile_s": compile_s, "functional_s": functional_s,
        "timing_only_s": timing_s, "reference_s": reference_s,
        "functional_over_reference": functional_s / reference_s,
        "tiles": steps, "tiles_per_s": steps / functional_s,
        "cycles": report.cycles, "cycles_equal": report.cycles == timed.cycles,
        "max_abs_err": float(np.abs(out - expected).max()),
    }
    if as_json:
        print(json.dumps(figures))
        return
    for key, value in figures.items():
        shown = f"{value:.4g}" if isinstance(value, float) else str(value)
        print(f"{key:26s} {shown}")


if __name__ == "__main__":
    main()
