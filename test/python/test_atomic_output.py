"""Every tool that writes a file does so atomically: on an error, or a
failure in the middle of writing, no partial file and no temporary file is
left, and an existing file is not clobbered."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from attn_ir.builder import attention
from attn_ir.cli import opt, run, tool, translate
from attn_ir.pipeline import print_module

TILED = "attn-decompose,attn-fuse{passes=1},attn-tile{q=8 k=8}"
INVALID = "func.func @f() {\n  %x = attn.nonsense\n}\n"


@pytest.fixture
def ir(tmp_path):
    path = tmp_path / "in.mlir"
    path.write_text(print_module(attention((1, 1, 16, 8), (1, 1, 16, 8),
                                           pattern="#attn.causal")))
    return path


# (command, arguments with OUT for the output path); each succeeds on `ir`.
WRITERS = {
    "attn-opt -o": (opt.main, ["IN", "-p", TILED, "-o", "OUT"]),
    "attn-translate -o": (translate.main, ["IN", "--target", "numpy", "-p", TILED, "-o", "OUT"]),
    "attn-run --save": (run.main, ["IN", "--backend", "numpy", "--save", "OUT"]),
    "attn-run --trace": (run.main, ["IN", "--backend", "hwmodel", "--target", "fusemax",
                                    "--trace", "OUT"]),
    "attn-ir preset -o": (tool.main, ["preset", "bert-base", "--seq-len", "64", "-o", "OUT"]),
}


def invoke(command, args, ir, out):
    args = [str(ir) if a == "IN" else str(out) if a == "OUT" else a for a in args]
    return CliRunner().invoke(command, args)


def leftovers(directory) -> list[str]:
    return sorted(n for n in os.listdir(directory) if n.startswith(".attn_ir-"))


def _without_output_option(args: list[str]) -> list[str]:
    return [a for n, a in enumerate(args) if a != "OUT" and args[n + 1:n + 2] != ["OUT"]]


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_success_writes_the_whole_file(name, ir, tmp_path):
    out = tmp_path / "out"
    command, args = WRITERS[name]
    result = invoke(command, args, ir, out)
    assert result.exit_code == 0, result.output
    assert not leftovers(tmp_path)
    if name == "attn-run --save":
        # Every output, whole: the .npz loads and holds the result's shape.
        with np.load(out) as saved:
            assert saved.files == ["out"] and saved["out"].shape == (1, 1, 16, 8)
            assert np.isfinite(saved["out"]).all()
    elif name == "attn-run --trace":
        # The whole JSON document parses and ends with its closing bracket.
        trace = json.loads(out.read_text())
        events = trace["traceEvents"] if isinstance(trace, dict) else trace
        assert events and all("ph" in e for e in events)
    else:
        # The file is exactly what the tool prints without -o.
        printed = invoke(command, _without_output_option(args), ir, out)
        assert printed.exit_code == 0, printed.output
        assert out.read_text() == printed.stdout


@pytest.mark.parametrize("name", sorted(n for n in WRITERS if n != "attn-ir preset -o"))
def test_invalid_input_leaves_the_old_file(name, ir, tmp_path):
    ir.write_text(INVALID)
    out = tmp_path / "out"
    out.write_text("old")
    result = invoke(*WRITERS[name], ir, out)
    assert result.exit_code == 1
    assert "error" in result.output and "Traceback" not in result.output
    assert out.read_text() == "old" and not leftovers(tmp_path)


def test_unknown_preset_leaves_no_file(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(tool.main, ["preset", "no-such-model", "-o", str(out)])
    assert result.exit_code == 1 and not out.exists() and not leftovers(tmp_path)


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_failure_while_writing_leaves_nothing(name, ir, tmp_path, monkeypatch):
    """The disk fills up half-way: the old file stays, the temporary goes."""
    import attn_ir.cli.common as common

    real_fdopen = os.fdopen

    class HalfWritten:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(common.os, "fdopen", lambda *a, **k: HalfWritten(real_fdopen(*a, **k)))
    out = tmp_path / "out"
    out.write_text("old")
    result = invoke(*WRITERS[name], ir, out)
    assert result.exit_code == 1
    assert "error: cannot write" in result.output and "No space left" in result.output
    assert out.read_text() == "old" and not leftovers(tmp_path)
