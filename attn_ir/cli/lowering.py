"""What ``attn-translate`` and ``attn-run`` share: reading IR from a file
or building it from a model preset, and lowering it with a pipeline (the
backend's default when none is given).  Failures are one-line user errors."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from xdsl.dialects.builtin import ModuleOp

from attn_ir.cli.common import fail, read_input
from attn_ir.pipeline import PipelineError, parse_pipeline, print_module, process


@dataclass(frozen=True)
class PresetOptions:
    seq_len: int | None = None
    layers: int | None = None
    batch: int | None = None
    dtype: str | None = None

    @property
    def given(self) -> bool:
        return any(x is not None for x in (self.seq_len, self.layers, self.batch, self.dtype))


def read_ir(source: str, preset: PresetOptions) -> tuple[str, str]:
    """(IR text, name) of a file, of stdin ('-'), or of a preset's module
    when ``source`` names a preset rather than a file."""
    from attn_ir.presets import PresetError, all_presets, build_module, get_preset

    if source != "-" and not os.path.exists(source) and source in all_presets():
        try:
            module = build_module(get_preset(source), seq_len=preset.seq_len,
                                  layers=preset.layers, batch=preset.batch,
                                  dtype=preset.dtype or "f32")
        except PresetError as e:
            fail(str(e))
        return print_module(module), f"preset {source}"
    if preset.given:
        fail("--seq-len, --layers, --batch and --dtype apply to presets only; "
             f"'{source}' is a file")
    if source != "-" and not os.path.exists(source):
        fail(f"cannot read '{source}': no such file, and no preset of that name")
    return read_input(source)


def _first_error(diagnostics) -> str:
    for d in diagnostics:
        if d.severity == "error":
            where = f"{d.file}:{d.line}:{d.col}: " if d.line is not None else ""
            return where + d.message
    return "invalid input"


def parse_ir(text: str, name: str) -> ModuleOp:
    result = process(text, name)
    if not result.ok:
        fail(_first_error(result.diagnostics))
    return result.module


def lower(text: str, name: str, spec: str | None,
          default: Callable[[ModuleOp], str]) -> tuple[ModuleOp, str]:
    """Parse and verify ``text``, then apply the pipeline ``spec`` (or
    ``default(module)`` when None).  Returns the module and the pipeline."""
    module = parse_ir(text, name)
    if spec is None:
        spec = default(module)
    if not spec:
        return module, spec
    try:
        pipeline = parse_pipeline(spec)
    except PipelineError as e:
        fail(str(e))
    result = process(text, name, pipeline)
    if not result.ok:
        fail(_first_error(result.diagnostics))
    return result.module, spec
