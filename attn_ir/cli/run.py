"""``attn-run``: run IR on a backend, with random or ``.npz`` inputs, and
check it against the reference oracle.

    attn-run lf.mlir --backend numpy --check
    attn-run longformer-base-4096 --seq-len 1024 --layers 1 --check
    attn-run longformer-base-4096 --seq-len 1024 --layers 1 --dtype f16 --target salo
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
import math
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


def parse_backend_options(items) -> dict[str, object]:
    """``KEY=VALUE`` strings as keyword arguments: integers, floats and
    true/false converted, anything else kept as a string."""
    options: dict[str, object] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.isidentifier():
            fail(f"backend option '{item}' is not KEY=VALUE")
        value: object = text
        if text.lower() in ("true", "false"):
            value = text.lower() == "true"
        else:
            for convert in (int, float):
                try:
                    value = convert(text)
                    break
                except ValueError:
                    pass
        options[key] = value
    return options


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("input_file", default="-", required=False)
@click.option("--backend", "backend_name", default=None,
              help="Backend to run on (see --list-backends; default numpy, or hwmodel "
                   "when a hardware option is given).")
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
@click.option("--device", default=None,
              help="torch backend: cuda or cpu (default cuda).")
@click.option("-O", "--backend-option", "backend_options", multiple=True, metavar="KEY=VALUE",
              help="An option of the backend's constructor (repeatable), e.g. "
                   "-O state_dtype=f64; numbers and true/false are converted.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option("--seq-len", type=int, default=None, help="Preset: sequence length.")
@click.option("--layers", type=int, default=None, help="Preset: keep the first L layers.")
@click.option("--batch", type=int, default=None, help="Preset: batch size.")
@click.option("--dtype", type=click.Choice(["f32", "f16", "bf16"]), default=None,
              help="Preset: element type of the tensors (default f32).")
@click.option("--list-backends", is_flag=True, help="List the backends and exit.")
@click.option("--target", default=None,
              help="hwmodel: the accelerator target (salo, fusemax, flat, ...; default salo).")
@click.option("--timing-only", is_flag=True,
              help="hwmodel: the same schedule and counters without data.")
@click.option("--report", "report_format", type=click.Choice(["table", "json"]), default=None,
              help="hwmodel: print the hardware report as a table or as JSON.")
@click.option("--trace", "trace_file", default=None,
              help="hwmodel: write a Chrome/Perfetto trace (one track per unit).")
@click.option("--plot", "plot_file", default=None,
              help="hwmodel: write a PNG of per-unit busy time and the energy breakdown.")
@click.option("--compare", "compare_targets", default=None,
              help="hwmodel: run on several targets (e.g. salo,fusemax,flat) side by side.")
@user_errors(TOOL)
def main(input_file, backend_name, function_name, inputs_file, seed, check, tolerance,
         save_file, passes, print_pipeline, threads, device, backend_options, as_json, seq_len,
         layers, batch, dtype, list_backends, target, timing_only, report_format, trace_file,
         plot_file, compare_targets):
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
    options = parse_backend_options(backend_options)
    if threads is not None:
        options["threads"] = threads
    if device is not None:
        options["device"] = device
    hardware = {"target": target, "timing_only": timing_only or None,
                "record_trace": bool(trace_file) or None}
    wants_hardware = compare_targets is not None or any(
        v is not None for v in hardware.values()) or bool(report_format or plot_file)
    if backend_name is None:
        backend_name = "hwmodel" if wants_hardware else "numpy"
    if wants_hardware:
        if backend_name != "hwmodel":
            fail("--target, --timing-only, --report, --trace, --plot and --compare are "
                 "options of --backend hwmodel")
        options.update({k: v for k, v in hardware.items() if v is not None})
    if timing_only and (check or save_file):
        fail("--timing-only runs no data: --check and --save need a functional run")
    if compare_targets is not None:
        text, name = read_ir(input_file, PresetOptions(seq_len, layers, batch, dtype))
        _compare(text, name, compare_targets, function_name, seed, timing_only, as_json)
        return
    try:
        backend = get_backend(backend_name, **options)
    except BackendError as e:
        fail(str(e))
    except (TypeError, ValueError) as e:  # options the backend does not take
        fail(f"backend '{backend_name}': {e}")
    text, name = read_ir(input_file, PresetOptions(seq_len, layers, batch, dtype))
    if print_pipeline:
        spec = passes if passes is not None else backend.default_pipeline(parse_ir(text, name))
        click.echo(spec or "(none)")
        return
    source_module = parse_ir(text, name)
    module, spec = lower(text, name, passes, backend.default_pipeline)
    try:
        fn = select_function(module, function_name)
        function = fn.sym_name.data
        if timing_only:
            # Timing counts the schedule, not values: no input is drawn or read.
            arrays = []
            described = "none (timing only)"
            outputs, report = backend.run(module, {}, function)
        else:
            if inputs_file is not None:
                inputs = _load_npz(inputs_file)
                described = f"{inputs_file}"
            else:
                inputs = random_inputs(fn, seed)
                described = f"random normal, seed {seed}"
            arrays = check_inputs(fn, inputs)
            outputs, report = backend.run(module, dict(zip(argument_names(fn), arrays)),
                                          function)
    except BackendError as e:
        fail(str(e))
    except MemoryError:
        fail(_does_not_fit(fn, backend_name))
    names = result_names(fn)
    figures: dict[str, object] = {"function": "@" + function, "backend": backend.name,
                                  "pipeline": spec or "(none)", "inputs": described}
    figures.update(report.figures)
    if figures.get("overflow_rows"):
        click.echo(f"attn-run: warning: the exp overflowed in {figures['overflow_rows']} query "
                   f"row(s) on target '{figures.get('target')}' (its datapath keeps no running "
                   "max); those outputs are not finite", err=True)
    checks = []
    if check:
        from attn_ir.reference.oracle import reference_outputs

        expected = reference_outputs(source_module, function, arrays)
        for out_name, got, want in zip(names, outputs, expected):
            limit = tolerance if tolerance is not None else TOLERANCES.get(
                np.asarray(got).dtype, 1e-4)
            error = float(np.max(np.abs(np.asarray(got, np.float64) - want), initial=0.0))
            if np.isnan(np.asarray(got, np.float64)).any() != np.isnan(want).any():
                error = float("nan")
            checks.append((out_name, error, limit, bool(error <= limit)))
    hw_report = getattr(backend, "last_report", None)
    failed = [n for n, _, _, ok in checks if not ok]
    if hw_report is not None:
        if checks:
            hw_report.max_abs_err = max(e for _, e, _, _ in checks)
        if not failed:
            _write_hardware_outputs(hw_report, trace_file, plot_file)
        if report_format == "json" or (as_json and report_format is None):
            click.echo(json.dumps({**hw_report.as_dict(), "function": "@" + function,
                                   "pipeline": spec or "(none)", "inputs": described,
                                   "check": {n: {"max_abs_error": e, "tolerance": t, "ok": ok}
                                             for n, e, t, ok in checks}}))
            as_json = None
        elif report_format == "table":
            from attn_ir.backends.hwmodel import reporting

            click.echo(reporting.table(hw_report), nl=False)
    if as_json is None:
        pass
    elif as_json:
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
    if failed:
        # A failed command writes no file.
        fail("check failed for " + ", ".join(failed) + "; no output file written")
    if save_file is not None:
        write_output(save_file, _npz_bytes(dict(zip(names, outputs))))


def _does_not_fit(fn, backend_name: str) -> str:
    """One line for a run whose data does not fit in memory."""
    from xdsl.dialects.builtin import TensorType

    elements = sum(math.prod(a.type.get_shape()) for a in fn.body.block.args
                   if isinstance(a.type, TensorType))
    hint = ("; --timing-only counts the cycles without data" if backend_name == "hwmodel"
            else "; --backend hwmodel --timing-only counts the cycles without data")
    return (f"the data of @{fn.sym_name.data} does not fit in memory ({elements:,} input "
            f"elements, {elements * 8 / 2**30:.1f} GiB as float64){hint}")


def _write_hardware_outputs(report, trace_file: str | None, plot_file: str | None) -> None:
    from attn_ir.backends.hwmodel import reporting

    if trace_file is not None:
        write_output(trace_file, reporting.chrome_trace(report))
    if plot_file is not None:
        write_output(plot_file, reporting.plot(report))


def _compare(text: str, name: str, targets: str, function_name, seed: int,
             timing_only: bool, as_json: bool) -> None:
    """One workload on several targets, each with its default pipeline.  A
    target that cannot take the workload (its pipeline or schedule rejects
    it) is a row with the one-line diagnostic; the others still run, and
    the exit code is 1 when any target failed."""
    from attn_ir import targets as T
    from attn_ir.backends.registry import (
        BackendError,
        argument_names,
        check_inputs,
        get_backend,
        random_inputs,
        select_function,
    )
    from attn_ir.cli.common import UserError

    names = [t.strip() for t in targets.split(",") if t.strip()]
    unknown = [t for t in names if t not in T.presets()]
    if not names:
        fail("--compare needs one or more targets")
    if unknown:
        fail(f"--compare: unknown target {', '.join(repr(t) for t in unknown)}; known: "
             + ", ".join(sorted(T.presets())))
    rows = []
    for target in names:
        try:
            backend = get_backend("hwmodel", target=target, timing_only=timing_only)
            module, _ = lower(text, name, None, backend.default_pipeline)
            fn = select_function(module, function_name)
            arrays = [] if timing_only else check_inputs(fn, random_inputs(fn, seed))
            backend.run(module, dict(zip(argument_names(fn), arrays)), fn.sym_name.data)
        except (BackendError, UserError) as e:
            lines = str(e).strip().splitlines() or [type(e).__name__]
            rows.append({"target": target, "error": lines[0]})
            continue
        except MemoryError:
            rows.append({"target": target, "error": _does_not_fit(fn, "hwmodel")})
            continue
        rows.append(backend.last_report.as_dict())
    failed = [row["target"] for row in rows if "error" in row]
    if as_json:
        click.echo(json.dumps(rows))
    else:
        _compare_table(rows)
    if failed:
        fail(f"--compare: {len(failed)} of {len(rows)} targets cannot take the workload: "
             + ", ".join(failed))


def _compare_table(rows: list[dict]) -> None:
    columns = [("target", "target", "{}"), ("cycles", "cycles", "{:,}"),
               ("time ms", "seconds", "{:.4f}"), ("util", "utilization", "{:.4f}"),
               ("DRAM MB", "dram_bytes", "{:.3f}"), ("buffer KB", "buffer_peak_bytes", "{:.1f}"),
               ("energy uJ", "energy_pj", "{:.2f}"), ("area mm2", "area_mm2", "{:.2f}"),
               ("ms x mm2", "latency_area", "{:.4g}")]
    scale = {"seconds": 1e3, "dram_bytes": 1e-6, "buffer_peak_bytes": 1 / 1024}
    cells = []
    for row in rows:
        if "error" in row:
            cells.append([row["target"]])
            continue
        # Latency x area: a design twice as fast at twice the area is no better.
        row["latency_area"] = row["seconds"] * 1e3 * row["area_mm2"]
        values = []
        for _, key, fmt in columns:
            value = row[key]["total"] * 1e-6 if key == "energy_pj" else row[key]
            values.append(fmt.format(value * scale.get(key, 1) if key in scale else value))
        cells.append(values)
    widths = [max(len(h), *(len(c[i]) for c in cells if len(c) > i))
              for i, (h, _, _) in enumerate(columns)]
    click.echo("  ".join(h.rjust(w) for (h, _, _), w in zip(columns, widths)))
    for c, row in zip(cells, rows):
        if "error" in row:
            click.echo(c[0].rjust(widths[0]) + "  cannot take the workload: " + row["error"])
        else:
            click.echo("  ".join(v.rjust(w) for v, w in zip(c, widths)))
