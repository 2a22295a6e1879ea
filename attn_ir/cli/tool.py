"""``attn-ir``: model presets and static statistics of attention IR.

    attn-ir presets
    attn-ir preset longformer-base-4096 --seq-len 1024 --layers 2 -o lf.mlir
    attn-ir preset longformer-base-4096 --layers 1 --dtype f16
    attn-ir preset --from-config path/to/config.json --layers 2
    attn-ir stats lf.mlir --tile 64 --json
    attn-ir stats lf.mlir --plot lf.png
"""

from __future__ import annotations

import dataclasses
import json
import sys

import click

from attn_ir import patterns as P
from attn_ir.cli.common import fail, read_input, user_errors, write_output
from attn_ir.pipeline import print_module, process
from attn_ir.presets import PresetError, all_presets, build_module, get_preset
from attn_ir.stats import (
    attention_ops,
    density_grid,
    format_table,
    module_stats,
    plot_density_png,
)

TOOL = "attn-ir"
PLOT_CELLS = 512
"""The plot's grid has at most this many cells per side."""


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Model presets and static statistics of attention IR."""


@main.command("presets")
@user_errors(TOOL)
def list_presets():
    """List the model presets, one per line."""
    width = max(map(len, all_presets()))
    for preset in all_presets().values():
        click.echo(f"{preset.name.ljust(width)}  {preset.description}")


@main.command("preset")
@click.argument("name", required=False)
@click.option("--from-config", "config_file", default=None,
              help="A Hugging Face config.json (Longformer, BigBird, GPT-2, BERT, RoBERTa) "
                   "instead of NAME.")
@click.option("--seq-len", type=int, default=None,
              help="Sequence length (default: the model's own).")
@click.option("--layers", type=int, default=None, help="Keep only the first L layers.")
@click.option("--batch", type=int, default=None, help="Batch size (default: the preset's, 1).")
@click.option("--dtype", type=click.Choice(["f32", "f16", "bf16"]), default="f32",
              show_default=True, help="Element type of the tensors.")
@click.option("-o", "--output", "output_file", default=None,
              help="Output file (default stdout).")
@user_errors(TOOL)
def preset(name, config_file, seq_len, layers, batch, dtype, output_file):
    """Print the IR of the model preset NAME, or of the model a Hugging Face
    config.json describes (--from-config)."""
    if (name is None) == (config_file is None):
        fail("give a preset NAME or --from-config FILE (one of the two)")
    try:
        if config_file is None:
            chosen = get_preset(name)
        else:
            from attn_ir.interop.hf import preset_from_config

            chosen = preset_from_config(config_file)
        module = build_module(chosen, seq_len=seq_len, layers=layers, batch=batch, dtype=dtype)
    except PresetError as e:
        fail(str(e))
    write_output(output_file, print_module(module))


@main.command("stats")
@click.argument("input_file", default="-", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--tile", type=click.IntRange(min=1), default=64, show_default=True,
              help="Tile size (square) of the tile table.")
@click.option("--plot", "plot_file", default=None,
              help="Write a PNG of one op's pattern (head 0) to this file.")
@click.option("--plot-op", type=click.IntRange(min=0), default=0, show_default=True,
              help="Which attn.attention (in order) --plot draws.")
@user_errors(TOOL)
def stats(input_file, as_json, tile, plot_file, plot_op):
    """Attended pairs, density and tiles of each attention op.

    Reads INPUT_FILE ('-' or nothing for stdin), verifies it, and prints one
    row per attn.attention: exact attended pairs summed over batch and heads,
    density, and the tile table's full / partial / skipped tiles."""
    if plot_file == "-":
        fail("--plot needs a file name (the PNG does not go to stdout)")
    text, name = read_input(input_file)
    result = process(text, name)
    for d in result.diagnostics:
        # One line per diagnostic: file:line:col names the place.
        click.echo(str(dataclasses.replace(d, context="")), err=True)
    if not result.ok:
        sys.exit(1)
    module = result.module
    if plot_file is not None:
        write_output(plot_file, _plot(module, plot_op))
    rows = module_stats(module, tile)
    if as_json:
        write_output(None, json.dumps([s.to_json() for s in rows], indent=2) + "\n")
    elif rows:
        write_output(None, format_table(rows))
    else:
        click.echo(f"{name}: no attn.attention ops")


def _plot(module, op_index: int) -> bytes:
    ops = attention_ops(module)
    if op_index >= len(ops):
        fail(f"--plot-op {op_index}: the input has {len(ops)} attn.attention op(s)")
    op = ops[op_index]
    _, _, nq, nk, _, _ = op.dims
    pattern = op.pattern.pattern
    try:
        grid, bq, bk = density_grid(pattern, nq, nk, head=0, max_cells=PLOT_CELLS)
    except P.PatternError as e:
        fail(f"cannot plot op {op_index}: {e}")
    text = str(pattern)
    if len(text) > 90:
        text = text[:87] + "..."
    cell = f"{bq}x{bk} pairs per cell" if bq * bk > 1 else "one pair per cell"
    title = f"op {op_index}, head 0: {nq}x{nk}, {cell}\n{text}"
    return plot_density_png(grid, nq, nk, title)
