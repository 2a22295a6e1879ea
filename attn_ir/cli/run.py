"""``attn-run``: run IR on a backend, with random or ``.npz`` inputs, and
check it against the reference oracle.

    attn-run lf.mlir --backend numpy --check
    attn-run longformer-base-4096 --seq-len 1024 --layers 1 --check
    attn-run lf.mlir --inputs x.npz --save out.npz -p 'attn-decompose,attn-fuse{passes=2}'

The backend's default pipeline lowers attn-level input (``--print-pipeline``
shows it; ``-p`` gives another, ``-p ''`` none).  Inputs are drawn from a
standard normal with ``--seed`` (booleans for i1 masks), or read from an
``.npz`` by argument name.  ``--check`` runs the input IR with every
attention computed by the reference oracle and compares: the maximum
absolute error per output, exit code 1 above the tolerance.  Backends come
from ``attn_ir.backends.registry``.
"""

from __future__ import annotations

import io
import json
import zipfile

import click
import numpy as np

from attn_ir.cli.common import fail, user_errors, write_output
from attn_ir.cli.lowering import PresetOptions, lower, parse_ir, read_ir

TOOL = "attn-run"

TOLERANCES = {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 1e-4,
              np.dtype(np.float64): 1e-8}
"""Default --check tolerance by output dtype (bf16 outputs are f32 arrays)."""


def _load_npz(path: str) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            if not hasattr(data, "files"):
                fail(f"'{path}' is not an .npz archive of named arrays")
            return {name: data[name] for name in data.files}
    except FileNotFoundError:
        fail(f"cannot read '{path}': no such file")
    except (OSError, ValueError, zipfile.BadZipFile) as e:
        fail(f"cannot read '{path}' as .npz: {e}")
    raise AssertionError("unreachable")


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("input_file", default="-", required=False)
@click.option("--backend", "backend_name", default="numpy", show_default=True,
              help="Backend to run on (see --list-backends).")
@click.option("--function", "function_name", default=None,
              help="Function to run (default: the first).")
@click.option("--inputs", "inputs_file", default=None,
              help=".npz with one array per argument, by argument name.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of random inputs.")
@click.option("--check", is_flag=True, help="Compare with the reference oracle.")
@click.option("--tolerance", type=float, default=None,
              help="--check: largest allowed max abs error (default by dtype: f16 1e-2, "
                   "f32 1e-4, f64 1e-8).")
@click.option("--save", "save_file", default=None, help="Write the outputs to this .npz.")
@click.option("-p", "--passes", default=None,
              help="Pass pipeline (default: the backend's, for attn-level input).")
@click.option("--print-pipeline", is_flag=True, help="Print the pipeline that would run and exit.")
@click.option("--threads", type=int, default=None,
              help="numpy backend: worker threads (default: the CPUs available).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--seq-len", type=int, default=None, help="Preset: sequence length.")
@click.option("--layers", type=int, default=None, help="Preset: keep the first L layers.")
@click.option("--batch", type=int, default=None, help="Preset: batch size.")
@click.option("--list-backends", is_flag=True, help="List the backends and exit.")
@user_errors(TOOL)
def main(input_file, backend_name, function_name, inputs_file, seed, check, tolerance,
         save_file, passes, print_pipeline, threads, as_json, seq_len, layers, batch,
         list_backends):
    """Run attn_ir IR (or a model preset) on a backend."""
    from attn_ir.backends.registry import (
        BackendError,
        argument_names,
        available_backends,
        check_inputs,
        get_backend,
        random_inputs,
        result_names,
        select_function,
    )

    if list_backends:
        click.echo("\n".join(available_backends()))
        return
    options = {} if threads is None else {"threads": threads}
    try:
        backend = get_backend(backend_name, **options)
    except (BackendError, TypeError, ValueError) as e:
        fail(str(e))
    text, name = read_ir(input_file, PresetOptions(seq_len, layers, batch))
    if print_pipeline:
        spec = passes if passes is not None else backend.default_pipeline(parse_ir(text, name))
        click.echo(spec or "(none)")
        return
    source_module = parse_ir(text, name)
    module, spec = lower(text, name, passes, backend.default_pipeline)
    try:
        fn = select_function(module, function_name)
        function = fn.sym_name.data
        if inputs_file is not None:
            inputs = _load_npz(inputs_file)
            described = f"{inputs_file}"
        else:
            inputs = random_inputs(fn, seed)
            described = f"random normal, seed {seed}"
        arrays = check_inputs(fn, inputs)
        outputs, report = backend.run(module, dict(zip(argument_names(fn), arrays)), function)
    except BackendError as e:
        fail(str(e))
    except Exception as e:  # a backend's own error type (e.g. EmitError)
        if isinstance(e, (ValueError, NotImplementedError)):
            fail(str(e))
        raise
    names = result_names(fn)
    figures: dict[str, object] = {"function": "@" + function, "backend": backend.name,
                                  "pipeline": spec or "(none)", "inputs": described}
    figures.update(report.figures)
    checks = []
    if check:
        from attn_ir.oracle import reference_outputs

        expected = reference_outputs(source_module, function, arrays)
        for out_name, got, want in zip(names, outputs, expected):
            limit = tolerance if tolerance is not None else TOLERANCES.get(
                np.asarray(got).dtype, 1e-4)
            error = float(np.max(np.abs(np.asarray(got, np.float64) - want), initial=0.0))
            if np.isnan(np.asarray(got, np.float64)).any() != np.isnan(want).any():
                error = float("nan")
            checks.append((out_name, error, limit, bool(error <= limit)))
    if as_json:
        data = dict(figures)
        if checks:
            data["check"] = {n: {"max_abs_error": e, "tolerance": t, "ok": ok}
                             for n, e, t, ok in checks}
        click.echo(json.dumps(data))
    else:
        width = max(len(k) for k in figures)
        for key, value in figures.items():
            shown = f"{value:.6g}" if isinstance(value, float) else str(value)
            click.echo(f"{key.ljust(width)}  {shown}")
        for out_name, error, limit, ok in checks:
            click.echo(f"check {out_name}: max abs error {error:.3g} vs reference "
                       f"(tolerance {limit:.0e}): {'ok' if ok else 'FAILED'}")
    if save_file is not None:
        write_output(save_file, _npz_bytes(dict(zip(names, outputs))))
    failed = [n for n, _, _, ok in checks if not ok]
    if failed:
        fail("check failed for " + ", ".join(failed))
