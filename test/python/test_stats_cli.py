"""``attn-ir stats`` and the statistics behind it, checked against counts
made independently: dense masks on small shapes, a closed form at full
length, and the CLI's behaviour on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from attn_ir import patterns as P
from attn_ir.cli.tool import main
from attn_ir.pipeline import print_module, process
from attn_ir.presets import all_presets, build_module, get_preset
from attn_ir.stats import density_grid, module_stats
from attn_ir.dialects.attn import parse_pattern

BIN = os.path.dirname(sys.executable)


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def preset_text(name: str, **options) -> str:
    return print_module(build_module(get_preset(name), **options))


def stats_json(text: str, *args: str) -> list[dict]:
    result = invoke("stats", "-", "--json", *args, input=text)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def dense_counts(pattern: P.Pattern, b: int, h: int, nq: int, nk: int,
                 tile: int) -> dict:
    """nnz and tile counts from the dense [nq, nk] mask of every head."""
    nqt, nkt = -(-nq // tile), -(-nk // tile)
    out = dict(nnz=0, tiles_full=0, tiles_partial=0, tiles_skipped=0)
    for head in range(h):
        mask = np.zeros((nqt * tile, nkt * tile), bool)
        mask[:nq, :nk] = pattern.dense_mask(nq, nk, head)
        per_tile = mask.reshape(nqt, tile, nkt, tile).sum(axis=(1, 3))
        rows = np.minimum(np.arange(1, nqt + 1) * tile, nq) - np.arange(nqt) * tile
        cols = np.minimum(np.arange(1, nkt + 1) * tile, nk) - np.arange(nkt) * tile
        area = rows[:, None] * cols[None, :]
        out["nnz"] += b * int(mask.sum())
        out["tiles_full"] += b * int((per_tile == area).sum())
        out["tiles_skipped"] += b * int((per_tile == 0).sum())
        out["tiles_partial"] += b * int(((per_tile > 0) & (per_tile < area)).sum())
    return out


# Reduced shapes: small enough for dense masks (ViL's grids are fixed).
REDUCED = {
    "longformer-base-4096": dict(seq_len=1000, layers=1, batch=2),
    "longformer-large-4096": dict(seq_len=512, layers=1),
    "bigbird-roberta-base": dict(seq_len=768, layers=2),
    "vil-small": dict(layers=2),
    "sparse-transformer-strided": dict(seq_len=1000, layers=1),
    "sparse-transformer-fixed": dict(seq_len=1000, layers=1),
    "bert-base": dict(seq_len=256, layers=1),
    "gpt2": dict(seq_len=300, layers=1),
}


def test_reduced_covers_every_preset():
    assert set(REDUCED) == {n for n, p in all_presets().items() if p.builder is None}


@pytest.mark.parametrize("name", list(REDUCED))
def test_stats_agree_with_dense_masks(name):
    options = REDUCED[name]
    text = preset_text(name, **options)
    rows = stats_json(text, "--tile", "64")
    module = process(text, name).module
    ops = [op for op in module.walk() if op.name == "attn.attention"]
    assert len(rows) == len(ops) == options["layers"]
    for n, (row, op) in enumerate(zip(rows, ops)):
        b, h, nq, nk, d, _ = op.dims
        pattern = op.pattern.pattern
        expected = dense_counts(pattern, b, h, nq, nk, 64)
        assert row["op_index"] == n
        assert row["shape"] == [b, h, nq, nk, d]
        assert row["pattern"] == str(pattern)
        assert {k: row[k] for k in expected} == expected
        assert row["density"] == pytest.approx(expected["nnz"] / (b * h * nq * nk))


def test_longformer_full_length_closed_form():
    """Window of w keys each side united with global token 0, N tokens.

    Row i of the window attends ``min(i + w, N - 1) - max(i - w, 0) + 1``
    keys: 2w + 1 less what is clipped at each edge; the clipped amounts sum
    to 1 + 2 + ... + w = w(w + 1) / 2 per edge, so the window has
    ``N (2w + 1) - w (w + 1)`` pairs.  Token 0 adds its row beyond its
    window (keys w + 1 .. N - 1) and its column beyond the window (queries
    w + 1 .. N - 1): ``2 (N - w - 1)`` more pairs.
    """
    n, w, heads, layers = 4096, 256, 12, 12
    per_head = n * (2 * w + 1) - w * (w + 1) + 2 * (n - w - 1)
    assert per_head == 2043134
    rows = stats_json(preset_text("longformer-base-4096"))
    assert len(rows) == layers
    for row in rows:
        assert row["nnz"] == heads * per_head
        assert row["density"] == pytest.approx(per_head / n**2)
        assert row["shape"] == [1, heads, n, n, 64]


def test_json_keys():
    (row,) = stats_json(preset_text("gpt2", seq_len=128, layers=1))
    assert {"op_index", "pattern", "shape", "nnz", "density", "tile", "tiles_full",
            "tiles_partial", "tiles_skipped"} <= set(row)
    assert row["pattern"] == "#attn.causal"
    assert row["nnz"] == 12 * 128 * 129 // 2
    assert row["tile"] == 64


@pytest.mark.parametrize("tile", [16, 64, 100, 128, 2000])
def test_tile_size_changes_tile_counts_consistently(tile):
    name, options = "longformer-base-4096", dict(seq_len=1000, layers=1, batch=2)
    text = preset_text(name, **options)
    (row,) = stats_json(text, "--tile", str(tile))
    b, h, n = 2, 12, 1000
    total = b * h * (-(-n // tile)) ** 2
    assert row["tile"] == tile
    assert row["tiles_full"] + row["tiles_partial"] + row["tiles_skipped"] == total
    pattern = get_preset(name).pattern(0, n)
    expected = dense_counts(pattern, b, h, n, n, tile)
    assert {k: row[k] for k in expected} == expected


def test_every_preset_at_default_length_without_dense_matrices(monkeypatch):
    def no_dense(*args, **kwargs):
        raise AssertionError("statistics must not build an N x N matrix")

    monkeypatch.setattr(P.Pattern, "dense_mask", no_dense)
    for name, preset in all_presets().items():
        if preset.builder is not None:  # no attn.attention ops to take statistics of
            continue
        module = build_module(preset)
        stats = module_stats(module, 64)
        assert len(stats) == preset.layers
        for s in stats:
            b, h, nq, nk, _ = s.shape
            assert s.tiles_full + s.tiles_partial + s.tiles_skipped == \
                b * h * (-(-nq // 64)) * (-(-nk // 64))
            assert 0 < s.density <= 1


HEAD_DEPENDENT = """
func.func @f(%q: tensor<2x3x40x8xf32>) -> tensor<2x3x40x8xf32> {
  %o = attn.attention %q, %q, %q pattern #attn.union<[#attn.window<left = 2, right = 1, dilation = [1, 2, 3]>, #attn.global<[5]>]> : (tensor<2x3x40x8xf32>, tensor<2x3x40x8xf32>, tensor<2x3x40x8xf32>) -> tensor<2x3x40x8xf32>
  func.return %o : tensor<2x3x40x8xf32>
}
"""

MASKED = """
func.func @f(%q: tensor<1x2x40x8xf32>, %m: tensor<1x1x40x40xi1>) -> tensor<1x2x40x8xf32> {
  %o = attn.attention %q, %q, %q mask %m pattern #attn.mask : (tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>, tensor<1x1x40x40xi1>) -> tensor<1x2x40x8xf32>
  func.return %o : tensor<1x2x40x8xf32>
}
"""


def test_head_dependent_pattern_counts_every_head():
    (row,) = stats_json(HEAD_DEPENDENT, "--tile", "8")
    pattern = parse_pattern(row["pattern"])
    assert pattern.head_dependent
    assert {k: row[k] for k in ("nnz", "tiles_full", "tiles_partial", "tiles_skipped")} \
        == dense_counts(pattern, 2, 3, 40, 40, 8)


def test_mask_pattern_has_no_static_count():
    (row,) = stats_json(MASKED, "--tile", "8")
    assert row["nnz"] is None and row["density"] is None
    assert (row["tiles_full"], row["tiles_partial"], row["tiles_skipped"]) == (0, 2 * 25, 0)
    result = invoke("stats", "-", input=MASKED)
    assert result.exit_code == 0
    assert "n/a" in result.stdout


def test_text_table_is_aligned():
    text = preset_text("vil-small")
    result = invoke("stats", "-", input=text)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1 + 3
    assert lines[0].split()[:3] == ["op", "shape", "(BxHxNqxNkxD)"]
    assert len({line.index("pattern" if n == 0 else "#attn") for n, line in enumerate(lines)}) == 1
    assert lines[1].split()[1] == "1x6x3137x3137x64"


def test_density_grid_matches_counts():
    pattern = get_preset("bigbird-roberta-base").pattern(0, 4096)
    grid, bq, bk = density_grid(pattern, 4096, 4096, max_cells=512)
    assert grid.shape == (512, 512) and (bq, bk) == (8, 8)
    assert round(float(grid.sum()) * bq * bk) == pattern.nnz(4096, 4096)
    grid, bq, bk = density_grid(P.Causal(), 1000, 300, max_cells=512)
    assert grid.shape == (500, 300) and (bq, bk) == (2, 1)
    assert grid.max() == 1.0 and grid.min() == 0.0


def test_plot_writes_png(tmp_path):
    out = tmp_path / "pattern.png"
    text = preset_text("gpt2", seq_len=256, layers=2)
    result = invoke("stats", "-", "--plot", str(out), "--plot-op", "1", input=text)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(result.stdout.splitlines()) == 3


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize("args, message", [
    (["preset", "nope"], "attn-ir: error: unknown preset 'nope'"),
    (["preset", "gpt2", "--seq-len", "0"], "sequence length must be positive"),
    (["preset", "gpt2", "--seq-len", "-8"], "sequence length must be positive"),
    (["preset", "bigbird-roberta-base", "--seq-len", "256"], "at least 768"),
    (["preset", "vil-small", "--seq-len", "1024"], "fixed sequence length"),
    (["preset", "gpt2", "--layers", "0"], "--layers must be between 1 and 12"),
    (["stats", "/nonexistent/input.mlir"], "cannot read '/nonexistent/input.mlir'"),
    (["stats", "-", "--plot", "-"], "--plot needs a file name"),
])
def test_bad_input_is_one_line(args, message):
    assert message in one_line_error(invoke(*args, input=""))


def test_malformed_ir_is_one_line():
    line = one_line_error(invoke("stats", "-", input="func.func @f( {\n"))
    assert line.startswith("<stdin>:1:") and "error:" in line
    bad_pattern = HEAD_DEPENDENT.replace("#attn.global<[5]>", "#attn.global<[99]>")
    line = one_line_error(invoke("stats", "-", input=bad_pattern))
    assert "token 99 is out of range" in line


def test_plot_errors(tmp_path):
    out = tmp_path / "x.png"
    text = preset_text("gpt2", seq_len=64, layers=1)
    assert "the input has 1 attn.attention" in one_line_error(
        invoke("stats", "-", "--plot", str(out), "--plot-op", "3", input=text))
    assert "no static picture" in one_line_error(
        invoke("stats", "-", "--plot", str(out), input=MASKED))
    assert not out.exists()


def test_output_file_is_written(tmp_path):
    out = tmp_path / "gpt2.mlir"
    result = invoke("preset", "gpt2", "--layers", "1", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text() == preset_text("gpt2", layers=1)


def test_real_process_reports_malformed_ir_without_traceback(tmp_path):
    bad = tmp_path / "bad.mlir"
    bad.write_text("builtin.module { attn.attention }\n")
    done = subprocess.run([os.path.join(BIN, "attn-ir"), "stats", str(bad)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{bad}:1:")
