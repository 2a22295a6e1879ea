"""attn-translate, attn-run, the backend registry and the embedding API
(attn_ir.compile, attn_ir.builder)."""

from __future__ import annotations

import json
import py_compile

import numpy as np
import pytest
from click.testing import CliRunner

import attn_ir
from attn_ir import patterns as P
from attn_ir import reference
from attn_ir.api import CompileError
from attn_ir.backends.registry import Backend, RunReport, get_backend, register_backend
from attn_ir.builder import attention
from attn_ir.cli.run import main as run_main
from attn_ir.cli.translate import main as translate_main
from attn_ir.pipeline import print_module

WINDOW = "#attn.union<[#attn.window<left = 8, right = 8>, #attn.global<[0]>]>"


@pytest.fixture
def ir_file(tmp_path):
    path = tmp_path / "window.mlir"
    path.write_text(print_module(attention((1, 2, 100, 16), (1, 2, 100, 16), pattern=WINDOW)))
    return path


def invoke(main, args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def assert_one_line_error(result, tool, text):
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"{tool}: error: ") and text in lines[0], lines[0]
    assert "Traceback" not in result.output


# -- attn-translate ------------------------------------------------------------------------


def test_translate_writes_a_module(ir_file, tmp_path):
    out = tmp_path / "window.py"
    result = invoke(translate_main, [ir_file, "--target", "numpy", "-o", out])
    assert result.exit_code == 0, result.output
    py_compile.compile(str(out), doraise=True)
    text = out.read_text()
    assert ("Pipeline: attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64},attn-coalesce"
            in text)
    assert "def attention(q, k, v, *, parallel_map=None):" in text


def test_translate_print_pipeline(ir_file):
    assert invoke(translate_main, [ir_file, "--print-pipeline"]).output == (
        "attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64},attn-coalesce\n")
    assert invoke(translate_main, [ir_file, "--print-pipeline", "-p", "attn-decompose"]
                  ).output == "attn-decompose\n"


def test_translate_bad_input_is_one_line_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.mlir"
    t = "tensor<1x1x4x4xf32>"
    bad.write_text(f"func.func @f(%q: {t}) -> {t} {{\n"
                   f"  %o = attn.attention %q, %q, %q pattern #attn.global<[9]> "
                   f": ({t}, {t}, {t}) -> {t}\n"
                   f"  func.return %o : {t}\n}}\n")
    out = tmp_path / "out.py"
    assert_one_line_error(invoke(translate_main, [bad, "-o", out]), "attn-translate",
                          "bad.mlir:2:")
    assert_one_line_error(invoke(run_main, [bad, "--check"]), "attn-run",
                          "token 9 is out of range")
    assert not out.exists()


def test_translate_unlowered_input_is_one_line(ir_file):
    assert_one_line_error(invoke(translate_main, [ir_file, "-p", ""]), "attn-translate",
                          "attn.attention must be lowered")


def test_translate_bad_pipeline(ir_file):
    assert_one_line_error(invoke(translate_main, [ir_file, "-p", "attn-nope"]),
                          "attn-translate", "invalid pass pipeline 'attn-nope'")


# -- attn-run --------------------------------------------------------------------------------


def test_run_check(ir_file):
    result = invoke(run_main, [ir_file, "--backend", "numpy", "--check"])
    assert result.exit_code == 0, result.output
    assert ("pipeline             attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64},"
            "attn-coalesce") in result.output
    assert "check out: max abs error" in result.output and ": ok" in result.output


def test_run_json_inputs_and_save_round_trip(ir_file, tmp_path):
    rng = np.random.default_rng(5)
    arrays = {n: rng.standard_normal((1, 2, 100, 16)).astype(np.float32) for n in "qkv"}
    np.savez(tmp_path / "in.npz", **arrays)
    result = invoke(run_main, [ir_file, "--inputs", tmp_path / "in.npz", "--save",
                               tmp_path / "out.npz", "--json", "--check", "--threads", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["backend"] == "numpy" and report["check"]["out"]["ok"]
    with np.load(tmp_path / "out.npz") as saved:
        expected = reference.attention(arrays["q"], arrays["k"], arrays["v"], WINDOW)
        np.testing.assert_allclose(saved["out"], expected, atol=1e-5)


def test_run_seed_changes_inputs(ir_file, tmp_path):
    outs = []
    for n, seed in enumerate((0, 0, 1)):
        # A fresh file per run: a failing run cannot pass on an earlier one's.
        path = tmp_path / f"o{n}.npz"
        result = invoke(run_main, [ir_file, "--seed", seed, "--save", path])
        assert result.exit_code == 0, result.output
        with np.load(path) as saved:
            outs.append(saved["out"])
    np.testing.assert_array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0], outs[2])


@pytest.mark.parametrize("arrays,text", [
    ({"q": (1, 2, 100, 16), "k": (1, 2, 100, 16)}, "missing input for argument %v"),
    ({"q": (1, 2, 100, 16), "k": (1, 2, 100, 16), "v": (1, 2, 99, 16)},
     "input %v has shape 1x2x99x16, expected 1x2x100x16"),
    ({"q": (1, 2, 100, 16), "k": (1, 2, 100, 16), "v": (1, 2, 100, 16), "w": (1,)},
     "@attention has no argument %w"),
])
def test_run_bad_inputs(ir_file, tmp_path, arrays, text):
    np.savez(tmp_path / "in.npz", **{n: np.zeros(s, np.float32) for n, s in arrays.items()})
    assert_one_line_error(invoke(run_main, [ir_file, "--inputs", tmp_path / "in.npz"]),
                          "attn-run", text)


def test_run_other_errors(ir_file, tmp_path):
    assert_one_line_error(invoke(run_main, [ir_file, "--backend", "nope"]), "attn-run",
                          "unknown backend 'nope'; available: ")
    assert_one_line_error(invoke(run_main, [ir_file, "-O", "colour=blue"]), "attn-run",
                          "backend 'numpy': ")
    assert_one_line_error(invoke(run_main, [ir_file, "-O", "threads"]), "attn-run",
                          "backend option 'threads' is not KEY=VALUE")
    assert_one_line_error(invoke(run_main, [ir_file, "--inputs", tmp_path / "none.npz"]),
                          "attn-run", "no such file")
    (tmp_path / "junk.npz").write_text("junk")
    assert_one_line_error(invoke(run_main, [ir_file, "--inputs", tmp_path / "junk.npz"]),
                          "attn-run", "cannot read")
    assert_one_line_error(invoke(run_main, [ir_file, "--function", "g"]), "attn-run",
                          "no function @g; the module has @attention")
    assert_one_line_error(invoke(run_main, ["no-such-preset"]), "attn-run",
                          "no such file, and no preset of that name")
    assert_one_line_error(invoke(run_main, ["gpt2", "--seq-len", "0"]), "attn-run",
                          "sequence length must be positive")


def test_run_backend_options(ir_file):
    result = invoke(run_main, [ir_file, "-O", "state_dtype=f64", "-O", "threads=1", "--check"])
    assert result.exit_code == 0, result.output
    assert "threads              1" in result.output


def test_run_preset():
    result = invoke(run_main, ["longformer-base-4096", "--seq-len", "512", "--layers", "2",
                               "--check"])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok") == 2


def test_run_cascade_level_with_explicit_pipeline(ir_file):
    result = invoke(run_main, [ir_file, "-p", "attn-decompose,attn-fuse{passes=2}", "--check"])
    assert result.exit_code == 0, result.output
    assert "tiled_attention_ops  0" in result.output


# -- the registry ------------------------------------------------------------------------------


def test_registering_a_backend_makes_attn_run_use_it(ir_file):
    @register_backend
    class ZerosBackend(Backend):
        """Returns zeros: a backend that the check must catch."""

        name = "zeros-for-test"

        def run(self, module, inputs, function=None):
            return [np.zeros((1, 2, 100, 16), np.float32)], RunReport(
                self.name, function or "attention", {"cycles": 7})

    assert isinstance(get_backend("zeros-for-test"), ZerosBackend)
    result = invoke(run_main, [ir_file, "--backend", "zeros-for-test", "-p", "", "--check"])
    assert result.exit_code == 1
    assert "cycles    " in result.output or "cycles  " in result.output
    assert "FAILED" in result.output
    assert "attn-run: error: check failed for out" in result.output
    compiled = attn_ir.compile(print_module(attention((1, 2, 100, 16), (1, 2, 100, 16))),
                               backend="zeros-for-test", pipeline="")
    assert (compiled(*[np.ones((1, 2, 100, 16))] * 3) == 0).all()


# -- the embedding API ---------------------------------------------------------------------------


def test_compile_and_builder():
    module = attention((2, 3, 200, 32), (2, 3, 150, 32), (2, 3, 150, 16),
                       pattern=P.Union((P.Causal(), P.Global((3,)))), scale=0.2)
    fn = attn_ir.compile(module)
    assert fn.arguments == ["q", "k", "v"] and fn.function == "attention"
    assert fn.pipeline == ("attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64},"
                           "attn-coalesce")
    assert "import numpy as np" in fn.source
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 3, 200, 32)).astype(np.float32)
    k = rng.standard_normal((2, 3, 150, 32)).astype(np.float32)
    v = rng.standard_normal((2, 3, 150, 16)).astype(np.float32)
    expected = reference.attention(q, k, v, P.Union((P.Causal(), P.Global((3,)))), scale=0.2)
    np.testing.assert_allclose(fn(q, k, v), expected, atol=1e-5)
    # Cached per module text and pipeline.
    assert attn_ir.compile(print_module(module)) is fn
    assert attn_ir.compile(module, pipeline="attn-decompose") is not fn
    np.testing.assert_allclose(attn_ir.compile(module, threads=1)(q, k, v), expected,
                               atol=1e-5)


def test_builder_with_mask_and_dtype():
    module = attention((1, 2, 16, 8), (1, 2, 16, 8), pattern="#attn.mask", dtype="f16")
    text = print_module(module)
    assert "%mask: tensor<1x1x16x16xi1>" in text and "xf16>" in text
    with pytest.raises(ValueError, match="q_shape must be 4 positive sizes"):
        attention((1, 16, 8), (1, 2, 16, 8))
    with pytest.raises(ValueError, match="dtype must be one of"):
        attention((1, 2, 16, 8), (1, 2, 16, 8), dtype="i8")
    with pytest.raises(ValueError, match="token 99 is out of range"):
        attention((1, 2, 16, 8), (1, 2, 16, 8), pattern="#attn.global<[99]>")


def test_compile_errors_are_one_line():
    with pytest.raises(CompileError, match=r"<ir>:1:1"):
        attn_ir.compile("func.func @f( {")
    with pytest.raises(CompileError, match="invalid pass pipeline"):
        attn_ir.compile(attention((1, 1, 4, 4), (1, 1, 4, 4)), pipeline="attn-nope")
    with pytest.raises(CompileError, match="attn.attention must be lowered"):
        attn_ir.compile(attention((1, 1, 4, 4), (1, 1, 4, 4)), pipeline="")
    with pytest.raises(CompileError, match="unknown backend"):
        attn_ir.compile(attention((1, 1, 4, 4), (1, 1, 4, 4)), backend="nope")


def test_report_lines():
    report = RunReport("numpy", "f", {"run_s": 0.5, "threads": 2})
    assert report.lines() == ["run_s    0.5", "threads  2"]
    assert report.to_json() == {"backend": "numpy", "function": "f", "run_s": 0.5,
                                "threads": 2}
