"""The extension interface is real: a toy system defined in a test-only
package (``toy_system``: one op, its interpreter function, its lowering,
a target and a hardware-model cost) plugs into every layer through
``ATTN_IR_SYSTEMS`` alone, and runs through ``attn-opt`` and ``attn-run
--backend hwmodel`` as the built-in systems do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
IR = """\
func.func @f(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = attn.toy_scale %x {factor = 2.5 : f64} : tensor<4x8xf32> -> tensor<4x8xf32>
  func.return %y : tensor<4x8xf32>
}
"""


def run(tool: str, *args: str, toy: bool = True, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    if toy:
        env["ATTN_IR_SYSTEMS"] = "toy_system"
    else:
        env.pop("ATTN_IR_SYSTEMS", None)
    exe = Path(sys.executable).with_name(tool)
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, cwd=cwd)


@pytest.fixture
def toy_ir(tmp_path) -> Path:
    path = tmp_path / "toy.mlir"
    path.write_text(IR)
    return path


def test_attn_opt_parses_and_lowers_the_toy_op(toy_ir):
    printed = run("attn-opt", str(toy_ir))
    assert printed.returncode == 0, printed.stderr
    assert "attn.toy_scale %x {factor = 2.500000e+00 : f64} : tensor<4x8xf32>" in printed.stdout
    lowered = run("attn-opt", str(toy_ir), "-p", "convert-toy-to-accel")
    assert lowered.returncode == 0, lowered.stderr
    assert ('accel.toy_scale_kernel %x {factor = 2.500000e+00 : f64, '
            'target = #accel.target<"toy">} : tensor<4x8xf32>') in lowered.stdout
    assert "attn.toy_scale" not in lowered.stdout


def test_without_the_system_the_op_is_unknown(toy_ir):
    result = run("attn-opt", str(toy_ir), toy=False)
    assert result.returncode == 1
    assert "attn.toy_scale" in result.stderr and "Traceback" not in result.stderr


def test_attn_run_on_the_hardware_model(toy_ir, tmp_path):
    out = tmp_path / "out.npz"
    result = run("attn-run", str(toy_ir), "--backend", "hwmodel", "--target", "toy",
                 "--json", "--save", str(out))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["cycles"] == 2  # 32 elements on 16 lanes
    x = np.random.default_rng(0).standard_normal((4, 8)).astype(np.float32)
    np.testing.assert_allclose(np.load(out)["y"], 2.5 * x, rtol=1e-6)
    timing = run("attn-run", str(toy_ir), "--backend", "hwmodel", "--target", "toy",
                 "--timing-only", "--json")
    assert timing.returncode == 0, timing.stderr
    assert json.loads(timing.stdout)["cycles"] == 2


def test_the_toy_system_is_listed_in_every_layer_it_extends():
    script = (
        "from attn_ir.systems import systems\n"
        "from attn_ir.passes import all_passes\n"
        "from attn_ir import targets as T\n"
        "from attn_ir.dialects import dialect\n"
        "print([s.name for s in systems()])\n"
        "print('convert-toy-to-accel' in all_passes(), 'toy' in T.presets(),\n"
        "      'attn.toy_scale' in [op.name for op in dialect('attn').operations])\n")
    env = dict(os.environ, ATTN_IR_SYSTEMS="toy_system",
               PYTHONPATH=os.pathsep.join(filter(None, [str(HERE),
                                                        os.environ.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "['core', 'spatten', 'vitcod', 'sparse_flash', 'toy_system']", "True True True"]
