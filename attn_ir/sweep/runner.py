"""Running a sweep: batches of point specs to workers, rows back to a
journal as each batch finishes, then the table.

Two schedulers behind one interface (``Scheduler.map_unordered``):

* ``LocalPool``: a process pool over the machine's cores (the default, no
  setup).  A worker that dies (killed, out of memory) breaks the pool: the
  runner starts a new one and resubmits the batches in flight; a batch that
  keeps killing its worker is retried point by point, and a point that still
  does is a row with status ``internal-error``.
* ``DaskScheduler``: ``dask.distributed`` on an existing cluster
  (``scheduler="tcp://host:8786"``) or on a ``LocalCluster`` it starts
  (``scheduler="local"``).  Dask reschedules the tasks of a lost worker
  (``retries``); every worker needs the same attn_ir installed.

Both run ``attn_ir.sweep.evaluate.evaluate_batch`` on lists of (key, point
spec) pairs: plain data, the IR is rebuilt in the worker.  Points that share
a compiled program (``evaluate.compile_key``) go in one batch, so the
worker lowers once.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from attn_ir.sweep.evaluate import RESULT_COLUMNS, TARGET_COLUMNS, evaluate_batch
from attn_ir.sweep.objectives import pareto_flags
from attn_ir.sweep.spec import Spec, point_key
from attn_ir.sweep.store import Journal, check_output, journal_path, ordered_rows, write_table

Batch = list  # [(key, point), ...]

WORKER_DIED = ("the worker evaluating this point died (killed, or out of memory) "
               "{n} times; not retried")


def available_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class Scheduler:
    """Runs ``evaluate_batch`` on batches; yields each batch's rows as it
    finishes, in any order."""

    workers: int

    def map_unordered(self, batches: list[Batch]) -> Iterator[list[tuple[str, dict]]]:
        raise NotImplementedError

    def close(self, interrupted: bool = False) -> None:
        pass


class InProcess(Scheduler):
    """No workers: evaluate in this process (``workers=0``; debugging)."""

    workers = 1

    def map_unordered(self, batches):
        for batch in batches:
            yield evaluate_batch(batch)


class LocalPool(Scheduler):
    def __init__(self, workers: int):
        self.workers = workers
        self._pool = None

    def _start(self):
        from concurrent.futures import ProcessPoolExecutor

        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             initializer=_ignore_interrupts)
        return self._pool

    def map_unordered(self, batches):
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        pending = [(batch, 0) for batch in batches]
        while pending:
            pool = self._start()
            futures = {pool.submit(evaluate_batch, batch): (batch, tries)
                       for batch, tries in pending}
            pending = []
            broken = False
            while futures:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in done:
                    batch, tries = futures.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        broken = True
                        pending.extend(_retry(batch, tries))
            if broken:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
                dead = [b for b, t in pending if t < 0]
                pending = [(b, t) for b, t in pending if t >= 0]
                for batch in dead:
                    yield [(key, _died(point, 3)) for key, point in batch]

    def close(self, interrupted: bool = False) -> None:
        # After Ctrl-C, do not wait for the batches still running.
        if self._pool is not None:
            self._pool.shutdown(wait=not interrupted, cancel_futures=True)
            self._pool = None


def _retry(batch: Batch, tries: int) -> list[tuple[Batch, int]]:
    """What to resubmit after a batch's worker died: the batch once more,
    then its points one by one, each up to three times; a count of -1 marks
    a point given up on."""
    tries += 1
    if len(batch) > 1:
        return [(batch, tries)] if tries < 2 else [([item], 0) for item in batch]
    return [(batch, tries)] if tries < 3 else [(batch, -1)]


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the runner, which stops handing out work."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _died(point: dict, n: int) -> dict:
    blank = {c: None for c in (*TARGET_COLUMNS, *RESULT_COLUMNS)}
    return {**point["columns"], **blank, "status": "internal-error",
            "diagnostic": WORKER_DIED.format(n=n)}


class DaskScheduler(Scheduler):
    def __init__(self, address: str, workers: int):
        try:
            import distributed
        except ImportError:
            raise RuntimeError("--scheduler needs dask.distributed: pip install "
                               "'attn_ir[dask]'") from None
        import logging

        self._cluster = None
        if address == "local":
            self._cluster = distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.ERROR)
            self._client = distributed.Client(self._cluster)
        else:
            try:
                self._client = distributed.Client(address, timeout="20s")
            except (OSError, TimeoutError) as e:
                raise RuntimeError(f"cannot reach the Dask scheduler at '{address}': {e}") \
                    from None
        import attn_ir

        versions = self._client.run(worker_version)
        other = {w: v for w, v in versions.items() if v != attn_ir.__version__}
        if other:
            self.close()
            worker, version = next(iter(other.items()))
            raise RuntimeError(f"Dask worker {worker} has attn_ir {version}, this runner "
                               f"{attn_ir.__version__}: install one version everywhere")
        self._client.run(warm_up)
        self.workers = max(1, sum(w.get("nthreads", 1) for w in
                                  self._client.scheduler_info()["workers"].values()))

    def map_unordered(self, batches):
        import distributed

        futures = {}
        for batch in batches:
            future = self._client.submit(evaluate_batch, batch, pure=False, retries=2)
            futures[future] = batch
        try:
            for future in distributed.as_completed(list(futures)):
                batch = futures.pop(future)
                try:
                    yield future.result()
                except distributed.KilledWorker:
                    yield [(key, _died(point, 3)) for key, point in batch]
        finally:
            if futures:
                self._client.cancel(list(futures))

    def close(self, interrupted: bool = False) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_scheduler(scheduler: str | None, workers: int | None) -> Scheduler:
    """``None``: the local pool (``workers`` processes, default: the cores
    available; 0: in this process); ``"local"``: a Dask LocalCluster of
    ``workers``; otherwise a Dask scheduler's address."""
    n = available_cores() if workers is None else workers
    warm_up()
    if scheduler is None:
        return InProcess() if n == 0 else LocalPool(n)
    return DaskScheduler(scheduler, max(1, n))


@dataclass
class SweepResult:
    columns: list[str]
    rows: list[dict]
    """One per distinct point, in spec order (done ones only when interrupted)."""
    evaluated: int
    """Points evaluated by this run."""
    skipped: int
    """Points already in the journal."""
    seconds: float
    """Wall time of the evaluation, from the scheduler being up to the last
    row in the journal (not parsing the spec, starting workers, the table)."""
    startup_seconds: float = 0.0
    """Starting the scheduler (a pool's processes, a LocalCluster)."""


def table_columns(spec: Spec) -> list[str]:
    cols = list(spec.columns)
    cols += [c for c in TARGET_COLUMNS if c not in cols]
    cols += [c for c in RESULT_COLUMNS if c not in cols]
    return cols + ["status", "diagnostic", "pareto", "key"]


def _batches(todo: list[tuple[str, dict]], workers: int, batch_size: int | None) -> list[Batch]:
    """Points of one compile key next to each other (a worker lowers once
    per key), packed into batches of about ``size`` points so every worker
    gets several and the scheduler's per-task cost stays small."""
    from attn_ir.sweep.evaluate import PointError, build_target, compile_key

    groups: dict[str, Batch] = {}
    for key, point in todo:
        try:
            group = compile_key(point, build_target(point["target"]))
        except (PointError, ValueError):
            group = "unbuildable"
        groups.setdefault(group, []).append((key, point))
    size = batch_size or max(1, min(32, math.ceil(len(todo) / (8 * max(1, workers)))))
    batches: list[Batch] = []
    current: Batch = []
    for members in groups.values():
        for item in members:
            current.append(item)
            if len(current) == size:
                batches.append(current)
                current = []
    if current:
        batches.append(current)
    return batches


def worker_version() -> str:
    import attn_ir

    return attn_ir.__version__


def warm_up() -> None:
    """Import what evaluating a point needs (the passes, the hardware model),
    so workers do not each pay for it on their first point: a forked pool
    inherits it from the runner, a Dask worker runs it at start."""

    from attn_ir.pipeline import parse_pipeline

    from attn_ir.backends.hwmodel import time_module

    del time_module  # imported now, so no point pays for it
    from attn_ir import targets as T

    for target in T.presets().values():
        parse_pipeline(target.default_pipeline())


def run_sweep(spec: Spec, output: str, scheduler: str | None = None, workers: int | None = None,
              progress: bool | None = None, batch_size: int | None = None,
              on_row: Callable[[str, dict], None] | None = None) -> SweepResult:
    """Evaluate every point of ``spec`` not yet in ``output``'s journal, and
    write the table to ``output``.  Ctrl-C writes the table of the points
    done and re-raises."""
    import attn_ir

    version = attn_ir.__version__
    keys = [point_key(p, version) for p in spec.points]
    unique: dict[str, dict] = {}
    for key, point in zip(keys, spec.points):
        unique.setdefault(key, point)
    check_output(output)
    journal = Journal(journal_path(output))
    todo = [(k, p) for k, p in unique.items() if k not in journal.rows]
    skipped = len(unique) - len(todo)
    columns = table_columns(spec)
    start = time.perf_counter()
    startup = 0.0
    evaluated = 0
    sched = None
    try:
        if todo:
            sched = make_scheduler(scheduler, workers)
            startup = time.perf_counter() - start
            start = time.perf_counter()
            bar = _progress(len(todo), progress)
            try:
                for rows in sched.map_unordered(_batches(todo, sched.workers, batch_size)):
                    for key, row in rows:
                        journal.add(key, row)
                        evaluated += 1
                        if on_row is not None:
                            on_row(key, row)
                    if bar is not None:
                        bar.update(len(rows))
            finally:
                if bar is not None:
                    bar.close()
    finally:
        seconds = time.perf_counter() - start
        if sched is not None:
            sched.close(interrupted=sys.exc_info()[0] is not None)
        journal.close()
        rows = ordered_rows(keys, journal.rows)
        for row, flag in zip(rows, pareto_flags(rows, spec.minimize, spec.maximize,
                                                 spec.group_by)):
            row["pareto"] = flag
        write_table(output, rows, columns)
    return SweepResult(columns, rows, evaluated, skipped, seconds, startup)


def _progress(total: int, progress: bool | None):
    """A tqdm bar on a terminal (or when asked), nothing otherwise."""
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="pt", desc="attn-sweep", file=sys.stderr, dynamic_ncols=True)
