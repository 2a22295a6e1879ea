"""``attn-opt``: the opt-style driver (parse, verify, run passes, print).

    attn-opt in.mlir -p 'canonicalize' -o out.mlir
    attn-opt invalid.mlir --split-input-file --verify-diagnostics

Pass pipelines use xDSL's syntax (``pass{opt=val},other``); every pass and
dialect of xDSL and of attn_ir is available.
"""

from __future__ import annotations

import sys

import click

from attn_ir.cli.common import fail, read_input, user_errors, write_output
from attn_ir.diagnostics import check_expected
from attn_ir.pipeline import PipelineError, available_passes, parse_pipeline, print_module, process

SPLIT_MARKER = "// -----"


def split_chunks(text: str, split: bool) -> list[tuple[str, int]]:
    """Chunks of the input with the line offset of each."""
    if not split:
        return [(text, 0)]
    chunks, offset = [], 0
    for chunk in text.split(SPLIT_MARKER):
        chunks.append((chunk, offset))
        offset += chunk.count("\n")
    return chunks


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("input_file", default="-", required=False)
@click.option("-p", "--passes", default="", help="Pass pipeline, e.g. 'canonicalize'.")
@click.option("-o", "--output", "output_file", default=None, help="Output file (default stdout).")
@click.option("--split-input-file", is_flag=True, help="Process '// -----' separated chunks independently.")
@click.option("--verify-diagnostics", is_flag=True,
              help="Check emitted diagnostics against '// expected-error {{...}}' annotations.")
@click.option("--print-op-generic", is_flag=True, help="Print ops in the generic form.")
@click.option("--print-ir-after-all", is_flag=True, help="Print the IR after each pass (on stderr).")
@click.option("--allow-unregistered-dialect", is_flag=True, help="Accept ops of unknown dialects.")
@click.option("--list-passes", is_flag=True, help="List the available passes and exit.")
@user_errors("attn-opt")
def main(input_file, passes, output_file, split_input_file, verify_diagnostics,
         print_op_generic, print_ir_after_all, allow_unregistered_dialect, list_passes):
    """Parse, verify and transform attn_ir IR."""
    if list_passes:
        click.echo("\n".join(sorted(available_passes())))
        return
    try:
        pipeline = parse_pipeline(passes) if passes else None
    except PipelineError as e:
        fail(str(e))
    text, name = read_input(input_file)
    outputs, failed = [], False
    for chunk, offset in split_chunks(text, split_input_file):
        result = process(chunk, name, pipeline, offset, allow_unregistered_dialect,
                         print_ir_after_all, print_op_generic)
        for pass_name, ir in result.after_each:
            click.echo(f"// -----// IR Dump After {pass_name} //----- //\n{ir}", err=True)
        if verify_diagnostics:
            problems = check_expected(chunk, offset, result.diagnostics, name)
            for p in problems:
                click.echo(str(p), err=True)
            failed |= bool(problems)
            if result.ok:
                outputs.append(print_module(result.module, print_op_generic))
            continue
        for d in result.diagnostics:
            click.echo(str(d), err=True)
        if not result.ok:
            failed = True
            continue
        outputs.append(print_module(result.module, print_op_generic))
    if failed:
        sys.exit(1)
    write_output(output_file, (SPLIT_MARKER + "\n").join(outputs))
