"""``attn-translate``: lowered IR → source code for a target.

    attn-translate lf.mlir --target numpy -o lf.py
    attn-translate longformer-base-4096 --seq-len 1024 --layers 1 -o lf.py
    attn-translate lf.mlir --print-pipeline

Input at the ``attn`` level is first lowered with the target's default
pipeline (``attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64},attn-coalesce`` for
numpy); ``-p`` gives another one (``-p ''`` none).  FILE may also name a
model preset (``attn-ir presets``).
"""

from __future__ import annotations

import click

from attn_ir.cli.common import fail, user_errors, write_output
from attn_ir.cli.lowering import PresetOptions, lower, read_ir

TOOL = "attn-translate"
TARGETS = ("numpy",)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("input_file", default="-", required=False)
@click.option("--target", type=click.Choice(TARGETS), default="numpy", show_default=True,
              help="What to emit.")
@click.option("-p", "--passes", default=None,
              help="Pass pipeline applied first (default: the target's, for attn-level input).")
@click.option("--print-pipeline", is_flag=True, help="Print the pipeline that would run and exit.")
@click.option("--state-dtype", type=click.Choice(("f32", "f64")), default=None,
              help="Softmax state precision (default: f64 for f64 tensors, else f32).")
@click.option("-o", "--output", "output_file", default=None, help="Output file (default stdout).")
@click.option("--seq-len", type=int, default=None, help="Preset: sequence length.")
@click.option("--layers", type=int, default=None, help="Preset: keep the first L layers.")
@click.option("--batch", type=int, default=None, help="Preset: batch size.")
@click.option("--dtype", type=click.Choice(["f32", "f16", "bf16"]), default=None,
              help="Preset: element type of the tensors (default f32).")
@user_errors(TOOL)
def main(input_file, target, passes, print_pipeline, state_dtype, output_file, seq_len,
         layers, batch, dtype):
    """Translate attn_ir IR (or a model preset) to a NumPy module."""
    from attn_ir.backends.numpy.backend import NumpyBackend
    from attn_ir.backends.numpy.emitter import EmitError, EmitOptions, emit_module

    text, name = read_ir(input_file, PresetOptions(seq_len, layers, batch, dtype))
    default = NumpyBackend(threads=1).default_pipeline
    if print_pipeline:
        from attn_ir.cli.lowering import parse_ir

        spec = passes if passes is not None else default(parse_ir(text, name))
        click.echo(spec or "(none)")
        return
    module, spec = lower(text, name, passes, default)
    try:
        source = emit_module(module, EmitOptions(state_dtype=state_dtype, source_name=name,
                                                 pipeline=spec or None))
    except EmitError as e:
        fail(str(e))
    write_output(output_file, source)
