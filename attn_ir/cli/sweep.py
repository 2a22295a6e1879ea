"""``attn-sweep``: design-space sweeps on the hardware model.

    attn-sweep SPEC.toml -o results.csv                  # local process pool
    attn-sweep SPEC.toml -o results.csv --workers 8 --plot results
    attn-sweep SPEC.toml -o results.csv --scheduler tcp://head:8786
    attn-sweep SPEC.toml -o results.csv --scheduler local   # a Dask LocalCluster
    attn-sweep report results.csv                        # the Pareto front
    attn-sweep report results.csv --all --plot results

Rows stream into ``results.csv.journal`` as points finish; rerunning the
same command skips the points done (Ctrl-C or a killed worker loses
nothing).  The spec format is in ``attn_ir.sweep.spec`` and docs/sweeps.md.
"""

from __future__ import annotations

import click

from attn_ir.cli.common import fail, user_errors, write_output

TOOL = "attn-sweep"

SHOWN = (("cycles", "cycles", "{:,}", 1), ("ms", "seconds", "{:.4f}", 1e3),
         ("uJ", "energy_pj", "{:.2f}", 1e-6), ("mm2", "area_mm2", "{:.2f}", 1),
         ("ms x mm2", "latency_area", "{:.4g}", 1e3), ("util", "utilization", "{:.3f}", 1),
         ("DRAM MB", "dram_bytes", "{:.2f}", 1e-6))


class _DefaultRun(click.Group):
    """``attn-sweep SPEC ...`` means ``attn-sweep run SPEC ...``."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultRun, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Sweep targets x parameters x workloads on the hardware model
    (attn-sweep SPEC.toml -o RESULTS), or print a sweep's Pareto front
    (attn-sweep report RESULTS)."""


def _plots(rows, minimize, maximize, group_by, prefix: str) -> list[str]:
    from attn_ir.sweep.plots import latency_png, pareto_png

    objectives = [*minimize, *maximize]
    x = objectives[0] if objectives else "seconds"
    y = objectives[1] if len(objectives) > 1 else ("area_mm2" if x != "area_mm2" else "seconds")
    written = []
    write_output(f"{prefix}-pareto.png", pareto_png(rows, x, y, group_by))
    written.append(f"{prefix}-pareto.png")
    latency = latency_png(rows)
    if latency is not None:
        write_output(f"{prefix}-latency.png", latency)
        written.append(f"{prefix}-latency.png")
    return written


@main.command("run")
@click.argument("spec_file")
@click.option("-o", "--output", default=None,
              help="Results table: .csv, or .parquet (needs pyarrow).")
@click.option("--scheduler", default=None, metavar="ADDRESS|local",
              help="Run on the Dask scheduler at ADDRESS, or on a Dask LocalCluster "
                   "('local'); default: a local process pool.")
@click.option("--workers", type=int, default=None,
              help="Worker processes (default: the cores available; 0: in this process).")
@click.option("--batch-size", type=int, default=None,
              help="Points per task (default: so each worker gets several tasks).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar (default: on a terminal only).")
@click.option("--plot", "plot_prefix", default=None, metavar="PREFIX",
              help="Write PREFIX-pareto.png and PREFIX-latency.png.")
@click.option("--dry-run", is_flag=True, help="Print the number of points and exit.")
@user_errors(TOOL)
def run(spec_file, output, scheduler, workers, batch_size, progress, plot_prefix, dry_run):
    """Evaluate every point of SPEC_FILE into the table OUTPUT."""
    from attn_ir.sweep import SpecError, StoreError, load_spec, run_sweep

    if workers is not None and workers < 0:
        fail(f"--workers must be 0 or more, got {workers}")
    if batch_size is not None and batch_size <= 0:
        fail(f"--batch-size must be positive, got {batch_size}")
    try:
        spec = load_spec(spec_file)
    except SpecError as e:
        fail(str(e))
    if dry_run:
        click.echo(f"{len(spec.points)} points, columns: {', '.join(spec.columns)}")
        return
    if output is None:
        fail("give the results table with -o RESULTS (.csv or .parquet)")
    try:
        result = run_sweep(spec, output, scheduler=scheduler, workers=workers,
                           progress=progress, batch_size=batch_size)
    except (StoreError, RuntimeError) as e:
        fail(str(e))
    errors = sum(1 for r in result.rows if r["status"] != "ok")
    front = sum(1 for r in result.rows if r["pareto"])
    click.echo(f"{len(result.rows)} points: {result.evaluated} evaluated, {result.skipped} "
               f"already done, {errors} with a diagnostic; {front} on the Pareto front of "
               f"{', '.join([*spec.minimize, *spec.maximize])}")
    click.echo(f"wrote {output}")
    if plot_prefix is not None:
        for path in _plots(result.rows, spec.minimize, spec.maximize, spec.group_by,
                           plot_prefix):
            click.echo(f"wrote {path}")


def _format(value, fmt: str, scale: float) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if fmt == "{:,}":
            return fmt.format(int(value))
        return fmt.format(value * scale)
    return str(value)


@main.command("report")
@click.argument("results")
@click.option("--all", "show_all", is_flag=True, help="Every row, not only the front.")
@click.option("--plot", "plot_prefix", default=None, metavar="PREFIX",
              help="Write PREFIX-pareto.png and PREFIX-latency.png.")
@click.option("--objectives", default="seconds,energy_pj,area_mm2", show_default=True,
              help="--plot: the objectives on the scatter's axes (the first two).")
@user_errors(TOOL)
def report(results, show_all, plot_prefix, objectives):
    """Print the Pareto front of a sweep table (its 'pareto' column)."""
    from attn_ir.sweep import StoreError, read_table
    from attn_ir.sweep.evaluate import RESULT_COLUMNS, TARGET_COLUMNS

    try:
        columns, rows = read_table(results)
    except StoreError as e:
        fail(str(e))
    first_result = columns.index("cycles") if "cycles" in columns else len(columns)
    spec_columns = [c for c in columns[:first_result] if c not in TARGET_COLUMNS
                    or len({str(r.get(c)) for r in rows}) > 1]
    # Constant columns say nothing about the designs: leave them out.
    varying = [c for c in spec_columns
               if c in ("workload", "target") or len({str(r.get(c)) for r in rows}) > 1]
    shown = [r for r in rows if show_all or r.get("pareto")]
    headers = varying + [h for h, _, _, _ in SHOWN] + (["status"] if show_all else [])
    cells = []
    for r in shown:
        line = [_format(r.get(c), "{}", 1) if not isinstance(r.get(c), float)
                else f"{r[c]:.6g}" for c in varying]
        line += [_format(r.get(key), fmt, scale) for _, key, fmt, scale in SHOWN]
        if show_all:
            line.append(str(r.get("status")))
        cells.append(line)
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h)
              for i, h in enumerate(headers)]
    errors = [r for r in rows if r.get("status") != "ok"]
    click.echo(f"{results}: {len(rows)} points, {sum(1 for r in rows if r.get('pareto'))} on "
               f"the Pareto front, {len(errors)} with a diagnostic")
    click.echo("  ".join(h.rjust(w) for h, w in zip(headers, widths)))
    for c in cells:
        click.echo("  ".join(v.rjust(w) for v, w in zip(c, widths)))
    if errors:
        counts: dict[str, int] = {}
        for r in errors:
            counts[str(r.get("diagnostic"))] = counts.get(str(r.get("diagnostic")), 0) + 1
        click.echo("diagnostics:")
        for message, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            click.echo(f"  {n} x {message}")
    if plot_prefix is not None:
        names = [o.strip() for o in objectives.split(",") if o.strip()]
        unknown = [o for o in names if o not in RESULT_COLUMNS]
        if unknown:
            fail(f"--objectives: unknown column(s) {', '.join(unknown)}; known: "
                 f"{', '.join(RESULT_COLUMNS)}")
        group_by = [c for c in spec_columns if c in ("workload", "seq_len", "layers", "batch",
                                                      "heads", "head_dim")]
        for path in _plots(rows, names, [], group_by, plot_prefix):
            click.echo(f"wrote {path}")
