"""SpAtten (Wang, Zhang, Han, HPCA 2021): the semantics of its ops, the
cascade, and both backends against the reference oracle on random inputs
across seeds: the pruning and requantisation decisions exactly, the values
to rounding (the backends compute what the oracle computes)."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from xdsl.dialects import func

from attn_ir import patterns as P
from attn_ir import reference
from attn_ir.reference import spatten as S
from attn_ir.backends import hwmodel
from attn_ir.backends.numpy import emit_module, load_module
from attn_ir.backends.registry import random_inputs, result_names, select_function
from attn_ir.interpreter import run_function
from attn_ir.reference.oracle import reference_outputs
from attn_ir.pipeline import parse_pipeline, print_module, process
from attn_ir.presets import build_module, get_preset
from attn_ir.presets.spatten import (
    BERT_SCHEDULE,
    DENSE_12BIT,
    GPT2_SCHEDULE,
    build_spatten_module,
)
from attn_ir.targets import get_target
from attn_ir.targets.spatten import quickselect_cycles

BIN = os.path.dirname(sys.executable)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# -- the semantics ------------------------------------------------------------------


@pytest.mark.parametrize("msb, lsb", [(6, 4), (4, 2), (8, 0)])
def test_quantize_planes_and_error_bounds(msb, lsb):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 50, 8)) * rng.uniform(0.1, 3, (2, 3, 1, 1))
    hi, lo, scale = S.quantize(x, msb, lsb)
    assert hi.min() >= -(2 ** (msb - 1)) and hi.max() <= 2 ** (msb - 1) - 1
    assert lo.min() >= 0 and lo.max() < 2 ** lsb
    step = scale.astype(np.float64)[:, :, None, None]
    full = S.dequantize(hi, lo, scale, lsb)
    assert (np.abs(full - x) <= step / 2 * (1 + 1e-9)).all()
    coarse = S.dequantize(hi, None, scale, lsb)
    bound = S.msb_error_bound(scale, lsb)[:, :, None, None]
    assert (np.abs(coarse - x) <= bound + step / 2 + 1e-12).all()
    assert np.abs(coarse - x).max() > np.abs(full - x).max() or lsb == 0


def test_topk_ties_nan_and_order():
    scores = np.array([[1.0, 3.0, 3.0, np.nan, 2.0, 3.0]])
    assert S.topk_positions(scores, 2).tolist() == [[1, 2]]
    assert S.topk_positions(scores, 4).tolist() == [[1, 2, 4, 5]]
    assert S.topk_positions(scores, 6).tolist() == [[0, 1, 2, 3, 4, 5]]
    rng = np.random.default_rng(1)
    s = rng.integers(0, 4, (3, 40)).astype(float)
    for k in (1, 7, 40):
        got = S.topk_positions(s, k)
        for row, picked in zip(s, got):
            want = sorted(sorted(range(40), key=lambda j: (-row[j], j))[:k])
            assert picked.tolist() == want
    assert S.topk_count(993, None, 0.2) == 198 and S.topk_count(10, 3, None) == 3


def test_gather_scatter_inverse():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 9, 4))
    idx = np.array([[0, 4, 8], [1, 2, 7]])
    g = S.gather(x, idx, 2)
    assert np.array_equal(g[1, :, 2], x[1, :, 7])
    back = S.scatter(g, idx, 2, size=9)
    assert np.array_equal(S.gather(back, idx, 2), g)
    assert not back[0, :, [1, 2, 3, 5, 6, 7]].any()
    heads = np.array([[2, 0], [1, 2]])
    assert np.array_equal(S.gather(x, heads, 1)[1, 0], x[1, 1])


def _planes(rng, b, h, n, d, msb=20, lsb=0):
    q = rng.standard_normal((b, h, n, d)).astype(np.float32)
    k = rng.standard_normal((b, h, n, d)).astype(np.float32)
    v = rng.standard_normal((b, h, n, d)).astype(np.float32)
    return q, S.quantize(k, msb, lsb), S.quantize(v, msb, lsb), k, v


def test_progressive_attention_without_pruning_is_attention():
    """Fine quantisation, all values, positions 0..n-1: the oracle's attention."""
    rng = np.random.default_rng(3)
    q, (km, kl, ks), (vm, _, vs), k, v = _planes(rng, 1, 2, 30, 8)
    pos = np.arange(30)[None]
    o, colsum, requant = S.progressive_attention(
        q, km, kl, ks, vm, vs, pos, pos, P.Causal(), scale=8 ** -0.5, lsb_bits=0,
        threshold=0.05, value_keep=None, context=30)
    want = reference.attention(q, k, v, P.Causal())
    assert np.abs(o - want).max() < 1e-5
    assert not requant.any()  # nothing to refetch without LSBs
    assert np.allclose(colsum.sum(axis=2), 30)  # each row's probabilities sum to 1


def test_requantisation_threshold():
    rng = np.random.default_rng(4)
    q, (km, kl, ks), (vm, _, vs), _, _ = _planes(rng, 1, 2, 40, 8, msb=3, lsb=5)
    pos = np.arange(40)[None]
    run = lambda t: S.progressive_attention(  # noqa: E731
        q, km, kl, ks, vm, vs, pos, pos, P.Dense(), scale=0.35, lsb_bits=5, threshold=t,
        value_keep=None, context=40)
    never, always, some = run(0.0), run(1.0), run(0.1)
    assert not never[2].any() and always[2].all()
    assert 0 < some[2].sum() < some[2].size
    # A requantised row is the full-precision row; the others keep the MSB one.
    rows = some[2]
    assert np.array_equal(some[0][rows], always[0][rows])
    assert np.array_equal(some[0][~rows], never[0][~rows])
    assert np.abs(always[0] - never[0]).max() > 0


def test_local_value_pruning():
    rng = np.random.default_rng(5)
    q, (km, kl, ks), (vm, _, vs), _, _ = _planes(rng, 1, 1, 20, 4)
    pos = np.arange(20)[None]
    run = lambda keep: S.progressive_attention(  # noqa: E731
        q[:, :, :1], km, kl, ks, vm, vs, pos[:, :1] + 19, pos, P.Causal(), scale=0.5,
        lsb_bits=0, threshold=0.0, value_keep=keep, context=20)
    full, pruned = run(None), run(0.2)
    assert np.array_equal(full[0], run(1.0)[0])
    assert np.array_equal(full[1], pruned[1])  # importance sees every probability
    p = np.exp(q[0, 0, 0].astype(np.float64) @ S.dequantize(km, None, ks, 0)[0, 0].T * 0.5)
    p /= p.sum()
    top = np.argsort(-p)[:4]
    want = p[top] @ S.dequantize(vm, None, vs, 0)[0, 0, top]
    assert np.abs(pruned[0][0, 0, 0] - want).max() < 1e-5


def test_importance_accumulates_at_original_positions():
    colsum = np.array([[[1.0, 2.0], [3.0, 4.0]]])
    imp = S.token_importance(colsum, np.array([[5, 1]]), 6)
    assert imp.tolist() == [[0, 6, 0, 0, 0, 4]]
    assert S.token_importance(colsum, np.array([[5, 1]]), 6, imp).tolist() == \
        [[0, 12, 0, 0, 0, 8]]
    o = np.ones((1, 2, 3, 2))
    assert S.head_importance(o, np.array([[2, 0]]), 3).tolist() == [[6, 0, 6]]


# -- modules, levels and backends ------------------------------------------------------


def small_gpt2(layers=2, context=40, steps=5, **schedule):
    sched = dataclasses.replace(GPT2_SCHEDULE, **schedule)
    return build_spatten_module("gpt2-spatten", sched, layers=layers, heads=3, head_dim=16,
                                context=context, iterations=steps)


def small_bert(layers=6, context=24, **schedule):
    sched = dataclasses.replace(BERT_SCHEDULE, token_keep=(1, 0.8, 0.6, 0.5, 0.4, 0.3),
                                head_keep=(1, 1, 0.75, 0.75, 0.5, 0.5), **schedule)
    return build_spatten_module("bert-base-spatten", sched, layers=layers, heads=4,
                                head_dim=8, context=context)


def with_token_lists(module):
    """The module with every kept-token list (``tokens_*`` values) returned
    too, so the decisions can be compared."""
    fn = select_function(module)
    ret = fn.body.block.last_op
    lists = [op.results[0] for op in fn.body.block.ops
             if op.results and re.fullmatch(r"tokens_s\d+(_l\d+)?",
                                            op.results[0].name_hint or "")]
    new = func.ReturnOp(*ret.operands, *lists)
    fn.body.block.insert_op_before(new, ret)
    fn.body.block.erase_op(ret)
    fn.function_type = func.FunctionType.from_lists(
        list(fn.function_type.inputs), [v.type for v in new.operands])
    module.verify()
    return module


def inputs_for(module, seed, q_scale=1.0):
    fn = select_function(module)
    inputs = random_inputs(fn, seed)
    return [a * np.float32(q_scale) if n.startswith("q") else a for n, a in inputs.items()]


def lowered(module, spec):
    result = process(print_module(module), "test", parse_pipeline(spec))
    assert result.ok, [str(d) for d in result.diagnostics]
    return result.module


def assert_same(outputs, expected, names, atol=1e-9):
    """Decisions (flags, index lists) exactly; values to ``atol``."""
    assert len(outputs) == len(expected)
    for name, got, want in zip(names, outputs, expected):
        got = np.asarray(got)
        if got.dtype == bool or got.dtype.kind == "i":
            assert np.array_equal(got, want), name
        else:
            assert np.abs(got.astype(np.float64) - want).max() <= atol, name


SPATTEN_PIPELINE = get_target("spatten").default_pipeline()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gpt2_backends_match_reference_across_seeds(seed):
    # q x 0.5: rows near the threshold, so some are requantised and some are not.
    module = with_token_lists(small_gpt2())
    arrays = inputs_for(module, seed, q_scale=0.5 if seed else 1.0)
    fn = select_function(module)
    names = result_names(fn)
    expected = reference_outputs(module, fn.sym_name.data, arrays)
    tiled = lowered(module, "attn-tile{q=8 k=8}")
    assert_same(run_function(tiled, fn.sym_name.data, *arrays), expected, names)
    emitted = load_module(emit_module(module)).FUNCTIONS[fn.sym_name.data](*arrays)
    assert_same(emitted, expected, names)
    emitted = load_module(emit_module(tiled)).FUNCTIONS[fn.sym_name.data](*arrays)
    assert_same(emitted, expected, names)
    outputs, report = hwmodel.run(lowered(module, SPATTEN_PIPELINE), arrays)
    assert_same(outputs, expected, names)
    counters = report.as_dict()["counters"]
    flags = [e for n, e in zip(names, expected) if n.startswith("requant")]
    assert counters["requant_rows"] == sum(int(f.sum()) for f in flags)
    if seed:
        assert 0 < counters["requant_rows"] < counters["lanes"]


def test_the_cascade_keeps_pruned_tokens_pruned():
    module = with_token_lists(small_gpt2(layers=4, token_keep=(0.9, 0.6, 0.3, 0.2)))
    fn = select_function(module)
    names = result_names(fn)
    outputs = run_function(module, fn.sym_name.data, *inputs_for(module, 7))
    lists = {n: o for n, o in zip(names, outputs) if n.startswith("tokens_")}
    steps = {}
    for name, kept in lists.items():
        _, step, *layer = name.split("_")
        steps.setdefault(step, []).append((int(layer[0][1:]) if layer else -1, kept))
    for step, per_layer in steps.items():
        per_layer.sort(key=lambda x: x[0])
        for (_, before), (layer, after) in zip(per_layer, per_layer[1:]):
            assert set(after[0]) <= set(before[0]), (step, layer)
            assert list(after[0]) == sorted(after[0])
        if step != "s0":  # pruning starts at step 1: floor(keep * 40) tokens per layer
            assert [len(k[0]) for _, k in per_layer[1:]] == [36, 24, 12, 8]


def test_bert_token_and_head_pruning_on_both_backends():
    module = small_bert()
    fn = select_function(module)
    names = result_names(fn)
    arrays = inputs_for(module, 3)
    expected = reference_outputs(module, fn.sym_name.data, arrays)
    outputs, report = hwmodel.run(lowered(module, SPATTEN_PIPELINE), arrays)
    assert_same(outputs, expected, names)
    tiled = lowered(module, "attn-tile{q=4 k=8}")
    assert_same(load_module(emit_module(tiled)).FUNCTIONS[fn.sym_name.data](*arrays),
                expected, names)
    # Pruned heads and tokens give zero outputs in the later layers.
    last = expected[5]
    assert (np.abs(last).sum(axis=(2, 3)) == 0).sum() == 2  # 2 of 4 heads pruned
    assert (np.abs(last).sum(axis=(1, 3)) == 0).sum() == 24 - 7  # 7 of 24 tokens kept
    assert report.as_dict()["counters"]["queries_fetched"] > 0


def test_hwmodel_counters_and_dram_bytes_follow_the_bit_widths():
    module = small_gpt2(steps=3)
    arrays = inputs_for(module, 0, q_scale=0.0)  # uniform rows (1/40): every row refetches
    outputs, report = hwmodel.run(lowered(module, SPATTEN_PIPELINE), arrays)
    c = report.as_dict()["counters"]
    assert c["refetch_lanes"] == c["lanes"] == 2 * 3 * 3  # layers x steps x heads
    assert c["k_msb_dram_bytes"] == c["keys_fetched"] * 16 * 6 // 8
    assert c["k_lsb_dram_bytes"] == c["key_lsbs_fetched"] * 16 * 4 // 8
    assert c["v_msb_dram_bytes"] == c["values_fetched"] * 16 * 6 // 8
    assert c["key_lsbs_fetched"] == c["keys_fetched"]
    # Step 0 (38 tokens) is not pruned; from step 1 layer l keeps floor(keep[l] * 40):
    # 36 then 28, per head.
    kept = [38, 38, 36, 28, 36, 28]
    assert c["keys_fetched"] == 3 * sum(kept)
    assert c["values_fetched"] == 3 * sum(S.topk_count(n, None, 0.2) for n in kept)
    # Timing-only cannot know the refetches: by default it assumes none, and
    # costs less; told the functional run's share (here every lane), it
    # costs the same.
    timing = hwmodel.time_module(lowered(module, SPATTEN_PIPELINE))
    assert timing.as_dict()["counters"]["refetch_lanes"] == 0
    assert timing.cycles < report.cycles
    assert timing.as_dict()["dram_bytes"] == report.as_dict()["dram_bytes"] - \
        c["k_lsb_dram_bytes"]
    assumed = hwmodel.time_module(lowered(module, SPATTEN_PIPELINE), refetch_fraction=1.0)
    assert assumed.as_dict()["counters"]["refetch_lanes"] == c["lanes"]
    assert assumed.cycles == report.cycles
    assert assumed.as_dict()["dram_bytes"] == report.as_dict()["dram_bytes"]


def test_timing_only_refetch_fraction_scales_lsb_traffic():
    module = lowered(small_gpt2(steps=3), SPATTEN_PIPELINE)
    figures = [hwmodel.time_module(module, refetch_fraction=f).as_dict()
               for f in (0.0, 1 / 3, 1.0)]
    lanes = [f["counters"]["refetch_lanes"] for f in figures]
    assert lanes == [0, 6, 18]
    lsb = [f["counters"].get("k_lsb_dram_bytes", 0) for f in figures]
    assert lsb[0] == 0 < lsb[1] < lsb[2]
    from attn_ir.backends.hwmodel.backend import HardwareModelBackend
    from attn_ir.backends.registry import BackendError

    with pytest.raises(BackendError, match="refetch_fraction must lie in"):
        HardwareModelBackend("spatten", timing_only=True, refetch_fraction=1.5)


def test_timing_only_equals_functional_without_refetch():
    module = small_gpt2(steps=3, lsb_bits=0, msb_bits=10, threshold=0.0)
    lowered_module = lowered(module, SPATTEN_PIPELINE)
    _, report = hwmodel.run(lowered_module, inputs_for(module, 2))
    timing = hwmodel.time_module(lowered_module)
    assert timing.cycles == report.cycles
    functional, timed = report.as_dict(), timing.as_dict()
    for key in ("dram_bytes", "ops", "buffer_read_bytes", "energy_pj"):
        assert functional[key] == timed[key], key


def test_pruning_and_quantisation_cut_dram_traffic():
    pruned = lowered(small_gpt2(context=64, steps=4), SPATTEN_PIPELINE)
    dense = lowered(build_spatten_module("dense", DENSE_12BIT, layers=2, heads=3,
                                         head_dim=16, context=64, iterations=4),
                    SPATTEN_PIPELINE)
    p, d = hwmodel.time_module(pruned).as_dict(), hwmodel.time_module(dense).as_dict()
    assert d["counters"]["keys_fetched"] == 3 * 2 * sum(61 + t for t in range(4))
    assert p["dram_bytes"] * 3 < d["dram_bytes"]
    assert "TOPK" in p["units"] and "PE2D_AV" in p["units"]


def test_target_topk_engine_and_pipeline_latencies():
    t = get_target("spatten")
    assert quickselect_cycles(16, 16) == (1 + 3) * 5  # rounds over 16, 8, 4, 2, 1 candidates
    assert quickselect_cycles(1024, 16) == sum(math.ceil(n / 16) + 3 for n in
                                               (1024, 512, 256, 128, 64, 32, 16, 8, 4, 2, 1))
    assert t.cycles("topk", (2, 64)) == 2 * quickselect_cycles(64, 16)
    assert t.cycles("exp", (1, 1024)) == 1024 // 8 + 21
    assert t.occupancy("exp", (1, 1024)) == 1024 // 8
    assert t.cycles("dequantize", (64, 64)) == 8 + 7
    assert t.cycles("sddmm", (64, 64, 1)) == 8  # 8 keys of d = 64 per cycle
    assert t.unit_of("spmm") == "PE2D_AV" and t.unit_of("topk") == "TOPK"
    assert t.dram_bytes_per_s == 512e9 and t.elem_bits == 12 and t.clock_hz == 1e9


def test_presets_build_verify_and_round_trip():
    for name, options in (("gpt2-spatten", dict(seq_len=40, layers=2)),
                          ("bert-base-spatten", dict(seq_len=32, layers=12))):
        module = build_module(get_preset(name), **options)
        module.verify()
        text = print_module(module)
        again = process(text, name)
        assert again.ok and print_module(again.module) == text
    gpt2 = get_preset("gpt2-spatten")
    assert (gpt2.layers, gpt2.heads, gpt2.head_dim, gpt2.seq_len) == (12, 12, 64, 1024)
    assert len(GPT2_SCHEDULE.token_keep) == 12 and GPT2_SCHEDULE.iterations == 32
    counts = [GPT2_SCHEDULE.token_count(n, 1024, 1024) for n in range(12)]
    assert counts == [921, 716] + [204] * 4 + [102] * 6  # the artifact's key_fetch_num


def test_cli_runs_the_preset_with_check():
    for backend in ("numpy", "hwmodel"):
        options = ["-O", "target=spatten"] if backend == "hwmodel" else []
        done = subprocess.run(
            [os.path.join(BIN, "attn-run"), "gpt2-spatten", "--seq-len", "40", "--layers", "1",
             "--backend", backend, *options, "--check", "--json"],
            capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert all(c["ok"] for c in report["check"].values())


def test_bench_runs_and_reports_its_keys():
    done = subprocess.run(
        [sys.executable, os.path.join(ROOT, "bench", "spatten.py"), "--json", "--layers", "2",
         "--iterations", "3", "--context", "64"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    r = json.loads(done.stdout)
    for key in ("dram_bytes", "dram_bytes_dense", "dram_reduction", "keys_fetched",
                "values_fetched", "requant_rows", "max_abs_err", "cycles", "energy_pj"):
        assert key in r
    assert r["max_abs_err"] < 1e-9 and r["decisions_differing"] == 0
    assert r["dram_reduction"] > 1


def test_head_importance_runs_and_is_costed_on_the_vector_unit():
    """attn.head_importance lowers to a token kernel: the hardware model
    gives the reference's sums, spends vector-unit cycles on them (one add
    per output element) and no DRAM bytes (the outputs are on chip)."""
    text = """
    func.func @f(%o: tensor<2x3x5x4xf32>, %heads: tensor<2x3xi64>, %imp: tensor<2x6xf64>) -> tensor<2x6xf64> {
      %r = attn.head_importance %o heads %heads into %imp : (tensor<2x3x5x4xf32>, tensor<2x3xi64>, tensor<2x6xf64>) -> tensor<2x6xf64>
      func.return %r : tensor<2x6xf64>
    }"""
    lowered = process(text, "t", parse_pipeline("convert-spatten-to-accel{target=spatten}"))
    assert lowered.ok, [str(d) for d in lowered.diagnostics]
    ops = [op.name for op in lowered.module.walk()]
    assert "accel.head_importance_add" in ops and "attn.head_importance" not in ops
    rng = np.random.default_rng(3)
    o = rng.standard_normal((2, 3, 5, 4)).astype(np.float32)
    heads = np.array([[0, 2, 5], [1, 3, 4]])
    carried = rng.random((2, 6))
    (out,), report = hwmodel.run(lowered.module, [o, heads, carried])
    np.testing.assert_allclose(out, S.head_importance(o, heads, 6, carried), rtol=1e-12)
    figures = report.as_dict()
    assert figures["dram_bytes"] == 0
    assert figures["units"]["VEC1D"]["busy_cycles"] >= 3 * 5 * 4 // get_target("spatten").vec_lanes
