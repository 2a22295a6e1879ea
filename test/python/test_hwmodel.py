"""The hardware model: compiled accel programs compute attention (checked
against the reference), their counters do not depend on whether data is
run, and the timing reproduces the published SALO model and the FuseMax /
FLAT trends from executing the schedule (not from a formula)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from attn_ir import patterns as P
from attn_ir import reference
from attn_ir.backends.hwmodel import reporting, run, time_module
from attn_ir.builder import attention
from attn_ir.pipeline import parse_pipeline, print_module, process
from attn_ir.targets import get_target

SHAPES = [(1, 3, 70, 70, 16, 8), (2, 2, 100, 100, 8, 8)]

SALO_PATTERNS = {
    "window": P.Window(3, 2),
    "window-dilated-per-head": P.Window(5, 4, (1, 2, 3)),
    "window-global": P.Union((P.Window(40, 39), P.Global((0,)))),
    "wide-window": P.Window(70, 70),
}
BLOCK_PATTERNS = {
    **SALO_PATTERNS,
    "causal": P.Causal(),
    "dense": P.Dense(),
    "bigbird-like": P.Union((P.BlockLocal(16, 1, 1), P.RandomBlocks(16, 1, 3),
                             P.Global((0, 1)))),
    "strided": P.Strided(8),
}


def compile_for(target: str, pattern: P.Pattern, shape, tile: int | None = None,
                pipeline: str | None = None, dtype: str = "f32"):
    b, h, nq, nk, d, dv = shape
    module = attention((b, h, nq, d), (b, h, nk, d), (b, h, nk, dv), pattern=pattern,
                       dtype=dtype)
    spec = pipeline or get_target(target).default_pipeline()
    if tile is not None:
        spec = spec.replace("attn-tile{q=256 k=256}", f"attn-tile{{q={tile} k={tile}}}")
    result = process(print_module(module), "test", parse_pipeline(spec))
    assert result.ok, [str(d) for d in result.diagnostics]
    return result.module


def inputs(shape, seed=0):
    b, h, nq, nk, d, dv = shape
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(np.float32)
            for s in ((b, h, nq, d), (b, h, nk, d), (b, h, nk, dv))]


def check_against_reference(target, pattern, shape):
    module = compile_for(target, pattern, shape)
    arrays = inputs(shape)
    (out,), report = run(module, arrays)
    expected = reference.attention(*arrays, pattern, dtype=np.float64)
    bound = get_target(target).exp_error_bound
    # A relative error e on every exp moves softmax weights by at most ~2e.
    tolerance = 1e-5 + 4 * bound * np.abs(arrays[2]).max()
    assert np.abs(out - expected).max() < tolerance
    assert report.cycles > 0
    return module, report


def _fitting(patterns: dict) -> list:
    """(name, shape) pairs whose pattern fits the shape: the others (per-head
    dilations on fewer heads, a 2-D grid longer than the sequence) are left
    out when the parameters are built, not skipped."""
    out = []
    for name in sorted(patterns):
        for shape in SHAPES:
            try:
                patterns[name].validate(shape[2], shape[3], shape[1])
            except P.PatternError:
                continue
            out.append(pytest.param(name, shape, id=f"{name}-{'x'.join(map(str, shape))}"))
    return out


@pytest.mark.parametrize("name,shape", _fitting(SALO_PATTERNS))
def test_salo_schedule_computes_attention(name, shape):
    check_against_reference("salo", SALO_PATTERNS[name], shape)


@pytest.mark.parametrize("name,shape", _fitting(BLOCK_PATTERNS))
@pytest.mark.parametrize("target", ["fusemax", "flat"])
def test_block_schedules_compute_attention(target, name, shape):
    check_against_reference(target, BLOCK_PATTERNS[name], shape)


def test_generic_lowering_with_small_tiles_and_mask_operand():
    shape = (1, 2, 20, 24, 8, 8)
    b, h, nq, nk, d, dv = shape
    pattern = P.Union((P.MaskOperand(), P.Window(1, 1)))
    module = attention((b, h, nq, d), (b, h, nk, d), pattern=pattern,
                       mask_shape=(1, h, nq, nk))
    result = process(print_module(module), "test", parse_pipeline(
        "attn-decompose,attn-fuse{passes=1},attn-tile{q=8 k=8},"
        "convert-attn-to-accel{target=fusemax}"))
    assert result.ok
    arrays = inputs(shape)
    mask = np.random.default_rng(1).random((1, h, nq, nk)) < 0.3
    (out,), _ = run(result.module, [*arrays, mask])
    expected = reference.attention(*arrays, pattern, mask, dtype=np.float64)
    assert np.abs(out - expected).max() < 1e-5


@pytest.mark.parametrize("target", ["salo", "fusemax", "flat"])
def test_timing_only_counters_equal_functional_counters(target):
    pattern = P.Union((P.Window(20, 19), P.Global((0,))))
    shape = (1, 2, 90, 90, 16, 16)
    module = compile_for(target, pattern, shape, tile=32)
    _, functional = run(module, inputs(shape))
    timed = time_module(module)
    f, t = functional.as_dict(), timed.as_dict()
    for key in ("cycles", "ops", "dram_bytes", "buffer_read_bytes", "buffer_write_bytes",
                "units", "energy_pj"):
        assert f[key] == t[key], key


def test_double_buffering_hides_dma_on_salo():
    """With d = 16 and dv = 64 in f16 the array is busier than the DMA, but
    a single V buffer can only be refilled after PV reads it, and the load
    (64 cycles) outlasts the work before the next PV (51 cycles)."""
    pattern = P.Window(64, 63)
    shape = (1, 2, 256, 256, 16, 64)
    base = get_target("salo").default_pipeline()
    with_db = time_module(compile_for("salo", pattern, shape, pipeline=base,
                                      dtype="f16")).as_dict()
    without = time_module(compile_for(
        "salo", pattern, shape, pipeline=base.replace(",accel-double-buffer", ""),
        dtype="f16")).as_dict()
    assert with_db["cycles"] < without["cycles"]
    assert with_db["units"]["PE2D"]["utilization"] > 0.95


SALO_PAPER = [  # (L, w, heads, published ms)
    (4096, 512, 12, 4.0305),
    (3136, 225, 6, 0.7715),
    (784, 225, 6, 0.1968),
]


@pytest.mark.parametrize("length,w,heads,paper_ms", SALO_PAPER)
def test_salo_published_latency(length, w, heads, paper_ms):
    """SALO's published performance model, DAC 2022 (within 3 %)."""
    pattern = P.Union((P.Window(w // 2, w - w // 2 - 1), P.Global((0,))))
    module = attention((1, heads, length, 64), (1, heads, length, 64), pattern=pattern,
                       dtype="f16")
    parse_pipeline(get_target("salo").default_pipeline()).apply(
        __import__("attn_ir.context", fromlist=["make_context"]).make_context(), module)
    report = time_module(module)
    assert report.seconds * 1e3 == pytest.approx(paper_ms, rel=0.03)
    # The paper counts L x w pairs per head (window positions past the
    # sequence ends included); we count attended pairs, a few % fewer.
    assert 0.5 < report.utilization < 0.75


def test_fusemax_beats_flat_and_trends_hold():
    from attn_ir.context import make_context

    figures = {}
    for length in (1024, 4096, 16384):
        for target in ("fusemax", "flat"):
            module = attention((64, 12, length, 64), (64, 12, length, 64), dtype="f16")
            parse_pipeline(get_target(target).default_pipeline()).apply(make_context(), module)
            figures[target, length] = time_module(module).as_dict()
    fm = [figures["fusemax", n] for n in (1024, 4096, 16384)]
    flat = [figures["flat", n] for n in (1024, 4096, 16384)]
    assert fm[0]["utilization"] < fm[1]["utilization"] < fm[2]["utilization"]
    assert all(r["utilization"] > 0.7 for r in fm)
    assert all(r["utilization"] < 0.2 for r in flat)
    ratios = [f["dram_bytes"] / m["dram_bytes"] for f, m in zip(flat, fm)]
    assert 1 < ratios[0] < ratios[1] < ratios[2]
    minimum = [4 * 64 * 12 * n * 64 * 2 for n in (1024, 4096, 16384)]
    assert [r["dram_bytes"] for r in fm] == minimum
    tiles = {r["buffer_peak_bytes"] - r["buffers"].get("query_block", 0) for r in fm}
    assert len(tiles) == 1  # the tile working set does not grow with L; the query block does
    assert flat[2]["buffer_peak_bytes"] > flat[0]["buffer_peak_bytes"]


def test_buffer_overflow_is_a_diagnostic():
    module = attention((1, 1, 2048, 64), (1, 1, 2048, 64))
    result = process(print_module(module), "test.mlir", parse_pipeline(
        "attn-decompose,attn-fuse{passes=1},attn-tile{q=1024 k=1024},"
        "convert-attn-to-accel{target=salo}"))
    assert not result.ok
    (message,) = [d.message for d in result.diagnostics if d.severity == "error"]
    assert "buffer 'scores' needs 4194304 bytes" in message
    assert "2097152 bytes are available" in message


def test_report_outputs():
    module = compile_for("fusemax", P.Causal(), (1, 2, 64, 64, 16, 16), tile=32)
    _, report = run(module, inputs((1, 2, 64, 64, 16, 16)), record_trace=True)
    text = reporting.table(report)
    assert f"{report.cycles:,}" in text and "PE2D" in text
    trace = json.loads(reporting.chrome_trace(report))
    names = {e["args"]["name"] for e in trace["traceEvents"] if e["ph"] == "M"}
    assert {"DMA", "PE2D", "VEC1D"} <= names
    assert any(e["ph"] == "X" and e["name"] == "accel.sddmm" for e in trace["traceEvents"])
    png = reporting.plot(report)
    assert png.startswith(b"\x89PNG")
    d = report.as_dict()
    for key in ("target", "cycles", "seconds", "utilization", "units", "ops", "dram_bytes",
                "buffer_peak_bytes", "energy_pj", "max_abs_err"):
        assert key in d
    assert d["energy_pj"]["total"] == pytest.approx(
        sum(v for k, v in d["energy_pj"].items() if k != "total"))


def test_attn_run_hardware_options(tmp_path):
    from click.testing import CliRunner

    from attn_ir.cli.run import main

    runner = CliRunner()
    trace, plot = tmp_path / "trace.json", tmp_path / "plot.png"
    result = runner.invoke(main, [
        "longformer-base-4096", "--layers", "1", "--seq-len", "512", "--target", "salo",
        "--check", "--report", "json", "--trace", str(trace), "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["target"] == "salo" and report["cycles"] > 0
    assert report["max_abs_err"] < 1e-3
    assert all(c["ok"] for c in report["check"].values())
    assert json.loads(trace.read_text())["traceEvents"]
    assert plot.read_bytes().startswith(b"\x89PNG")

    result = runner.invoke(main, ["longformer-base-4096", "--layers", "1", "--seq-len", "1024",
                                  "--compare", "salo,fusemax,flat", "--timing-only"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:2] == ["target", "cycles"]
    assert [line.split()[0] for line in lines[1:]] == ["salo", "fusemax", "flat"]

    result = runner.invoke(main, ["bert-base", "--layers", "1", "--target", "nope"])
    assert result.exit_code == 1
    assert "unknown target 'nope'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("left,reads", [(1, 10112), (40, 26240)])
def test_salo_dram_bytes_counted_by_hand(left, reads):
    """SALO on B=1, H=2, N=64, D=Dv=4, f32 (4 bytes), bands of 32 rows x 32
    columns: 1 x 2 x 64/32 = 4 lanes (query tiles).  Per lane: the q tile
    32 x 4 x 4 = 512 B once; per band part, the K and V bands of
    rows + cols - 1 = 63 keys, 63 x 4 x 4 = 1008 B each (the whole band
    buffer, also where it runs past the sequence).  window<1, 1> needs
    ceil(3 / 32) = 1 part: 4 x (512 + 2016) = 10112 B read; window<40, 40>
    ceil(81 / 32) = 3 parts: 4 x (512 + 3 x 2016) = 26240 B.  Writes: one
    32 x 4 x 4 = 512 B output tile per lane, 2048 B, whatever the window."""
    shape = (1, 2, 64, 64, 4, 4)
    module = compile_for("salo", P.Window(left, left), shape)
    (_,), report = run(module, inputs(shape))
    (kernel,) = report.kernels
    assert (kernel.dram_read_bytes, kernel.dram_write_bytes) == (reads, 2048)
