"""ViTCoD: fixed masks, polarisation, the Q/K auto-encoder, both backends and
the vitcod target's cycle model (attn_ir.patterns.vitcod.masks,
attn_ir.patterns.vitcod.polarization, attn_ir.reference.vitcod_autoencoder, attn-polarize,
convert-polarized-to-accel, backends/*/polarized.py)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from attn_ir import patterns as P
from attn_ir import reference
from attn_ir.reference import vitcod as R
from attn_ir.backends.hwmodel import run, time_module
from attn_ir.backends.hwmodel.vitcod import vitcod_breakdown
from attn_ir.backends.numpy import emit_module, load_module
from attn_ir.backends.registry import random_inputs, select_function
from attn_ir.context import make_context
from attn_ir.dialects import accel as A
from attn_ir.interpreter import run_function
from attn_ir.reference.oracle import reference_outputs
from attn_ir.patterns.vitcod.masks import MaskFile, SyntheticMask, synthetic_vit_mask
from attn_ir.patterns.vitcod.polarization import PolarPart, polarize
from attn_ir.pipeline import parse_pipeline
from attn_ir.presets import build_module, get_preset
from attn_ir.presets.vitcod import deit_module
from attn_ir.reference.vitcod_autoencoder import AutoEncoderError, QKAutoEncoder, seeded_weights
from attn_ir.targets import get_target

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def compiled(module, pipeline: str):
    parse_pipeline(pipeline).apply(make_context(), module)
    module.verify()
    return module


def random_masks(rng, heads: int, n: int, density: float, dense_columns: int = 2,
                 empty_row: bool = True) -> np.ndarray:
    masks = rng.random((heads, n, n)) < density
    for h in range(heads):
        cols = rng.choice(n, size=dense_columns, replace=False)
        masks[h][:, cols] |= rng.random((n, dense_columns)) < 0.8
    if empty_row:
        masks[:, n // 2] = False  # a query that keeps no key: output 0, lse -inf
    return masks


# -- masks -------------------------------------------------------------------------


@pytest.mark.parametrize("layer", [0, 6, 11])
def test_synthetic_masks_have_vitcods_statistics(layer):
    n = 197
    for head in range(3):
        m = synthetic_vit_mask(n, head, layer, 0, 50)
        assert m.sum() == round(0.05 * n * n)  # 95 % sparse, exactly
        assert m[0].all() and m[:, 0].all() and m.diagonal().all()
        degree = m.sum(axis=0)
        dense = np.flatnonzero(degree > 50)
        assert dense[0] == 0 and len(dense) < 30  # a small set of dense columns
        assert degree[degree <= 50].max() < 30  # the rest stays sparse
        assert (degree[dense[1:]] >= math.ceil(0.27 * n)).all()
        rows, cols = np.nonzero(m[1:, 1:] & (degree[1:] <= 50)[None, :])
        offsets = np.abs(rows - cols)
        assert np.median(offsets[offsets > 0]) <= 14  # the rest around the diagonal
    np.testing.assert_array_equal(synthetic_vit_mask(n, 1, layer, 0, 50),
                                  synthetic_vit_mask(n, 1, layer, 0, 50))
    assert (synthetic_vit_mask(n, 1, layer, 0, 50) != synthetic_vit_mask(n, 1, layer, 1, 50)).any()


def test_mask_file_forms(tmp_path):
    rng = np.random.default_rng(0)
    masks = random_masks(rng, 2, 23, 0.2)
    np.save(tmp_path / "two.npy", masks)
    np.save(tmp_path / "one.npy", masks[0])
    np.save(tmp_path / "layers.npy", np.stack([~masks, masks]))
    np.savez(tmp_path / "m.npz", a=masks[0].astype(np.int8), b=masks)
    cases = [(MaskFile(str(tmp_path / "two.npy")), masks),
             (MaskFile(str(tmp_path / "one.npy")), masks[:1].repeat(2, 0)),
             (MaskFile(str(tmp_path / "layers.npy"), layer=0, kept=0), masks),
             (MaskFile(str(tmp_path / "m.npz"), key="a"), masks[:1].repeat(2, 0)),
             (MaskFile(str(tmp_path / "m.npz"), key="b"), masks)]
    for pattern, expected in cases:
        pattern.validate(23, 23, 2)
        for h in range(2):
            np.testing.assert_array_equal(pattern.dense_mask(23, 23, h), expected[h])
            assert pattern.nnz(23, 23, h) == expected[h].sum()
            table = pattern.tile_table(23, 23, 5, 7, h)
            assert table.nnz == expected[h].sum()
            qt, kt = pattern.candidate_tiles(P.Domain(23, 23, h), 5, 7)
            np.testing.assert_array_equal(
                pattern.tile_counts(qt, kt, P.Domain(23, 23, h), 5, 7),
                pattern.tile_counts_elementwise(qt, kt, P.Domain(23, 23, h), 5, 7))
            tiles = pattern.as_tiles(23, 23, (4, 4))
            np.testing.assert_array_equal(tiles.dense_mask(23, 23, h), expected[h])
    with pytest.raises(P.PatternError, match="the attention has 3"):
        MaskFile(str(tmp_path / "two.npy")).validate(23, 23, 3)
    with pytest.raises(P.PatternError, match="no such file"):
        MaskFile("no/such/file.npy").validate(23, 23, 2)
    os.environ["ATTN_IR_MASK_PATH"] = str(tmp_path)
    try:
        assert MaskFile("two.npy").nnz(23, 23, 1) == masks[1].sum()
    finally:
        del os.environ["ATTN_IR_MASK_PATH"]


# -- polarisation --------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_polarisation_splits_the_mask(tmp_path, seed):
    rng = np.random.default_rng(seed)
    n, threshold = 31, 8
    masks = random_masks(rng, 2, n, 0.1, dense_columns=seed)
    np.save(tmp_path / "m.npy", masks)
    source = MaskFile(str(tmp_path / "m.npy"))
    for h in range(2):
        s = polarize(source, n, n, h, threshold)
        degree = masks[h].sum(axis=0)
        assert sorted(s.order) == list(range(n))
        dense = s.order[: s.dense]
        assert (degree[dense] > threshold).all() and (np.diff(dense) > 0).all()
        assert (degree[s.order[s.dense:]] <= threshold).all()
        np.testing.assert_array_equal(s.dense_mask, masks[h][:, dense])
        pairs = {(int(r), int(s.order[c])) for r, c in zip(s.coo_rows, s.coo_cols)}
        rows, cols = np.nonzero(masks[h][:, s.order[s.dense:]])
        assert pairs == {(int(r), int(s.order[s.dense + c])) for r, c in zip(rows, cols)}
        assert (np.diff(s.coo_rows) >= 0).all()
        permuted = masks[h][:, s.order]
        for part, keep in (("dense", np.arange(n) < s.dense), ("sparse", np.arange(n) >= s.dense),
                           ("all", np.ones(n, bool))):
            pp = PolarPart(source, threshold, part)
            np.testing.assert_array_equal(pp.dense_mask(n, n, h), permuted & keep)
            assert pp.nnz(n, n, h) == (permuted & keep).sum()
            assert pp.tile_table(n, n, 4, 6, h).nnz == (permuted & keep).sum()


def test_polarising_a_closed_form_pattern_matches_its_mask(tmp_path):
    n = 40
    source = P.Union((P.Window(2, 2), P.Global((0, 7))))
    np.save(tmp_path / "m.npy", source.dense_mask(n, n))
    a = polarize(source, n, n, 0, 10)
    b = polarize(MaskFile(str(tmp_path / "m.npy")), n, n, 0, 10)
    assert a.dense == b.dense == 2
    for name in ("order", "coo_rows", "coo_cols", "dense_mask"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize("seed", range(3))
def test_polarised_reference_equals_the_attention(tmp_path, seed):
    rng = np.random.default_rng(seed)
    n, heads = 29, 3
    masks = random_masks(rng, heads, n, 0.15)
    masks[2][:, :] = False  # a head with no pair at all
    masks[1][:, 3] = True  # every query keeps token 3
    np.save(tmp_path / "m.npy", masks)
    source = MaskFile(str(tmp_path / "m.npy"))
    q, k, v = (rng.standard_normal((2, heads, n, 5)) for _ in range(3))
    expected = reference.attention(q, k, v, source, dtype=np.float64)
    part = lambda name: PolarPart(source, 6, name)  # noqa: E731
    kp, vp = R.permute_keys(k, part("all"), n), R.permute_keys(v, part("all"), n)
    od, ld = R.partial_attention(q, kp, vp, part("dense"))
    os_, ls = R.partial_attention(q, kp, vp, part("sparse"))
    out, lse = R.softmax_merge(od, ld, os_, ls)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    assert np.isneginf(lse[:, 2]).all() and np.isfinite(lse[:, 0, :n // 2]).all()


# -- the auto-encoder ------------------------------------------------------------------


def test_seeded_autoencoder_is_a_projection(tmp_path):
    w = seeded_weights(3, 2, 7)
    np.testing.assert_allclose(w.encoder_weight @ w.decoder_weight, np.eye(2), atol=1e-12)
    codec = QKAutoEncoder(3, 2, seed=7)
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 4))
    z = codec.encode(x, np.float64)
    assert z.shape == (2, 2, 5, 4)
    y = codec.decode(z, np.float64)
    np.testing.assert_allclose(codec.decode(codec.encode(y, np.float64), np.float64), y,
                               atol=1e-12)  # idempotent: a projection
    codec.save(tmp_path / "ae.npz")
    loaded = QKAutoEncoder(3, 2, path=str(tmp_path / "ae.npz"))
    np.testing.assert_allclose(loaded.decode(loaded.encode(x, np.float64), np.float64), y)
    with pytest.raises(AutoEncoderError, match="encoder.weight must have shape 2x4 for 4 heads"):
        QKAutoEncoder(4, 2, path=str(tmp_path / "ae.npz")).weights()


# -- passes and backends ---------------------------------------------------------------


def small_module(autoencoder: bool, heads: int = 2, tokens: int = 17, layers: int = 2):
    return deit_module("vit", heads, layers, masks=lambda layer: SyntheticMask(
        heads, layer, 0, 250), autoencoder=autoencoder, tokens=tokens, head_dim=8)


def inputs_of(module):
    fn = select_function(module)
    return fn.sym_name.data, list(random_inputs(fn, 3).values())


@pytest.mark.parametrize("autoencoder", [False, True])
def test_polarize_preserves_the_attention(autoencoder):
    source = small_module(autoencoder)
    name, arrays = inputs_of(source)
    expected = reference_outputs(source, name, arrays)
    polarised = compiled(small_module(autoencoder), "attn-polarize{threshold=4}")
    assert any(op.name == "attn.partial_attention" for op in polarised.walk())
    for got, want in zip(run_function(polarised, name, *arrays), expected):
        np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("autoencoder", [False, True])
def test_numpy_backend_matches_the_reference(autoencoder):
    source = small_module(autoencoder, heads=3, tokens=33)
    name, arrays = inputs_of(source)
    expected = reference_outputs(source, name, arrays)
    polarised = compiled(small_module(autoencoder, heads=3, tokens=33),
                         "attn-polarize{threshold=6}")
    text = emit_module(polarised)
    assert "import attn_ir" not in text
    for got, want in zip(load_module(text).FUNCTIONS[name](*arrays), expected):
        np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("autoencoder", [False, True])
def test_hardware_model_matches_the_reference(autoencoder):
    source = small_module(autoencoder, heads=3, tokens=33)
    name, arrays = inputs_of(source)
    expected = reference_outputs(source, name, arrays)
    arrays2 = [np.concatenate([a, a[:, ::-1]]) for a in arrays]  # batch 2: two lanes
    lowered = compiled(deit_module("vit", 3, 2, batch=2, masks=lambda layer: SyntheticMask(
        3, layer, 0, 250), autoencoder=autoencoder, tokens=33, head_dim=8),
        "attn-polarize{threshold=6},convert-polarized-to-accel{target=vitcod}")
    kernels = [op for op in lowered.walk() if isinstance(op, A.KernelOp)]
    assert len(kernels) == 2 and all(k.lane_heads.value.data == 3 for k in kernels)
    outputs, report = run(lowered, arrays2)
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got[:1], want, atol=1e-5)
    timed = time_module(lowered)
    assert timed.cycles == report.cycles
    for functional, timing in zip(report.kernels, timed.kernels):
        assert functional.instances == timing.instances
        assert functional.dram_read_bytes == timing.dram_read_bytes


def simulator_cycles(masks: np.ndarray, pe_width: int = 64, pe_height: int = 8,
                     ratio: float = 2 / 3, bandwidth: float = 76.8 * 2**30,
                     clock: float = 500e6, d: int = 64) -> dict:
    """ViTCoD's simulator (Hardware/Simulator/ViTCoD.py, restated from its
    loops): every layer timed with head 0's mask; masks [L, H, N, N] kept."""
    layers, heads, n, _ = masks.shape
    per_cycle = bandwidth / clock
    token = lambda values: math.ceil(values / per_cycle)  # noqa: E731  8-bit values
    preload = decoder = compute = 0
    for layer in range(layers):
        m = masks[layer, 0]
        g = int((m.sum(0) > 50).sum())
        nnz = int(m[:, m.sum(0) <= 50].sum())
        qk = token(heads * ratio * d)
        preload += g * qk + 1 + n * qk + 1 + (n - g) * qk + 1 + n * token(heads * d)
        decoder += 2 * n * math.ceil(heads * ratio * d / int(pe_width * pe_width / heads))
        dpw = int(pe_width * g * n / (nnz + g * n))
        spw = pe_width - dpw
        x = math.ceil(d / (pe_width / heads))
        sddmm = max(g * math.ceil(n / dpw) * x, math.ceil(nnz / spw) * x)
        spmm = max(math.ceil(n * d * g / int(dpw * pe_width / heads)),
                   math.ceil(nnz * d / int(spw * pe_width / heads)))
        compute += sddmm + spmm
    return {"preload": preload, "decoder": decoder, "compute": compute}


def test_cycle_model_reproduces_the_simulator(tmp_path):
    """With every head given head 0's mask, as the simulator times them, and
    its effective 64 x 64 array, the compiled program's cycles are the
    simulator's, but for one decoder-weight load per layer (the simulator
    loads K's twice)."""
    layers = 4
    masks = np.stack([np.stack([synthetic_vit_mask(197, 0, layer, 0, 50)] * 3)
                      for layer in range(layers)])
    np.save(tmp_path / "head0.npy", masks)
    module = compiled(deit_module("deit", 3, layers, masks=lambda layer: MaskFile(
        str(tmp_path / "head0.npy"), layer=layer)), get_target("vitcod").default_pipeline())
    for kernel in module.walk():
        if isinstance(kernel, A.KernelOp):
            kernel.properties["target"] = A.TargetAttr("vitcod", {"pe_cols": 64})
    ours = vitcod_breakdown(module)
    sim = simulator_cycles(masks)
    assert ours["preload"] == sim["preload"] - layers
    assert ours["decoder"] == sim["decoder"] == layers * 2 * 197
    assert ours["compute"] == sim["compute"]


def test_inline_masks_are_the_same_attention():
    named = small_module(False, heads=2, tokens=17, layers=1)
    inline = deit_module("vit", 2, 1, masks=lambda layer: SyntheticMask(2, layer, 0, 250),
                         autoencoder=False, tokens=17, head_dim=8, inline_masks=True)
    assert "#attn.tiles" in str(inline) and "#attn.synthetic_mask" not in str(inline)
    name, arrays = inputs_of(named)
    expected = reference_outputs(named, name, arrays)
    polarised = compiled(inline, "attn-polarize{threshold=4}")
    np.testing.assert_allclose(run_function(polarised, name, *arrays)[0], expected[0],
                               atol=1e-5)


def test_vitcod_target_and_presets():
    target = get_target("vitcod")
    assert (target.pe_rows, target.pe_cols, target.elem_bits, target.clock_hz) == (64, 8, 8, 500e6)
    assert target.buffer_bytes == (3 * 53 + 20 + 108) * 1024
    assert target.default_pipeline().startswith("attn-polarize{threshold=50},")
    for name, heads, hidden in (("deit-tiny-vitcod", 3, 2), ("deit-small-vitcod", 6, 4)):
        preset = get_preset(name)
        assert (preset.layers, preset.heads, preset.head_dim, preset.seq_len) == (12, heads, 64, 197)
        module = build_module(preset, layers=1)
        module.verify()
        encoders = [op for op in module.walk() if op.name == "attn.qk_encode"]
        assert len(encoders) == 2 and encoders[0].autoencoder.codec.hidden == hidden


def test_deit_small_runs_on_the_vitcod_target():
    source = build_module(get_preset("deit-small-vitcod"), layers=1)
    name, arrays = inputs_of(source)
    expected = reference_outputs(source, name, arrays)
    lowered = compiled(build_module(get_preset("deit-small-vitcod"), layers=1),
                       get_target("vitcod").default_pipeline())
    kernel = next(op for op in lowered.walk() if isinstance(op, A.KernelOp))
    assert kernel.lane_heads.value.data == 3  # 6 heads do not fit the SRAMs at once
    outputs, report = run(lowered, arrays)
    np.testing.assert_allclose(outputs[0], expected[0], atol=1e-5)
    assert report.kernels[0].schedule == "vitcod"
    assert time_module(lowered).kernels[0].instances == report.kernels[0].instances


def test_bench_json():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "vitcod.py"), "--json"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    r = json.loads(out)
    for key in ("preload_cycles", "decoder_cycles", "compute_cycles", "max_abs_err"):
        assert key in r
    assert r["decoder_cycles"] == r["paper"]["decoder_cycles"] == 4728
    assert r["preload_cycles"] == 9480  # paper 9492: one K decoder-weight load per layer less
    assert r["max_abs_err"] < 1e-5 and r["numpy_max_abs_err"] < 1e-5
    assert r["dram_bytes"]["polarised_autoencoder"] < r["dram_bytes"]["polarised"]
