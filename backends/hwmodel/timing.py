"""The scoreboard timeline of a kernel.

Lanes run one after another on the accelerator, each walking its prologue,
steps and epilogue.  An instruction starts when its unit is free and its
buffers are ready: it waits for the last write of what it reads (RAW), and
before writing a buffer afresh for the reads of the copy it overwrites
(WAR; a double-buffered buffer has two copies, so the DMA of step s + 1
need not wait for step s).  In-place updates wait for both.  Each unit runs
one instruction at a time, busy for the occupancy the target's model gives
(its latency, or less for a pipelined unit).  The
2-D array spends ``step_overhead`` cycles between steps and drains at the
end.

Schedules repeat: once the state relative to the current time is the same
after two consecutive steps (or lanes with the same step count), the rest
of that run is periodic and is added in one go.  This is exact for these
static schedules and is what makes batch 64 x 1M tokens tractable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from xdsl.ir import SSAValue

from attn_ir.backends.hwmodel.program import Instr, Program

TRACE_LIMIT = 20000
"""Instruction instances recorded for a trace (the first ones)."""


@dataclass
class Timeline:
    cycles: int = 0
    busy: Counter = field(default_factory=Counter)
    array_busy: Counter = field(default_factory=Counter)
    """Busy cycles weighted by the share of the unit's PEs kept working."""
    instances: Counter = field(default_factory=Counter)
    trace: list[tuple[str, str, int, int]] = field(default_factory=list)
    """(unit, instruction, start, end) of the first instances."""


class _Scoreboard:
    def __init__(self, program: Program, record: bool):
        self.program = program
        self.unit_free: dict[str, int] = {}
        self.versions: dict[SSAValue, list[list[int]]] = {}
        self.record = record
        self.timeline = Timeline()
        self.steps_run = 0
        self.horizon = 4 * sum(i.latency for i in program.all) + 1
        kernel = getattr(program, "kernel", None)
        self.backfill = getattr(kernel, "overlap_lanes", None) is not None and \
            kernel.flag("overlap_lanes")
        self.gap: dict[str, tuple[int, int]] = {}
        """Per unit, the idle interval before its latest instruction, which a
        later-issued instruction may take (``overlap_lanes`` kernels only)."""

    def relative_state(self) -> tuple:
        """The state relative to ``now``, for detecting periodicity.  Times
        further back than the horizon (a few lanes' worth of latency) are
        equal: no instruction waits on them any more."""
        now = self.now()
        horizon = self.horizon

        def rel(t: int) -> int:
            return max(t - now, -horizon)

        units = tuple(sorted((u, rel(t)) for u, t in self.unit_free.items()))
        units += tuple(sorted((u, rel(a), rel(b)) for u, (a, b) in self.gap.items()))
        bufs = tuple(sorted((id(b), tuple((rel(r), rel(w)) for r, w in v))
                            for b, v in self.versions.items()))
        return units, bufs

    def now(self) -> int:
        return max(self.unit_free.values(), default=0)

    def shift(self, delta: int) -> None:
        for u in self.unit_free:
            self.unit_free[u] += delta
        for u, (a, b) in self.gap.items():
            self.gap[u] = (a + delta, b + delta)
        for v in self.versions.values():
            for version in v:
                version[0] += delta
                version[1] += delta

    def issue(self, instr: Instr) -> None:
        start = 0
        for buf in instr.reads:
            if v := self.versions.get(buf):
                start = max(start, v[-1][0])
        for buf in instr.updates:
            if v := self.versions.get(buf):
                start = max(start, v[-1][0], v[-1][1])
        for buf in instr.slice_updates:
            if v := self.versions.get(buf):
                start = max(start, v[-1][0])
        for buf, n in self._fresh(instr):
            v = self.versions.get(buf)
            if v and len(v) >= n:
                # Every version the write retires must have been read.
                for old in v[:len(v) - n + 1]:
                    start = max(start, old[0], old[1])
        ready, free = start, self.unit_free.get(instr.unit, 0)
        gap = self.gap.get(instr.unit)
        if instr.occupancy == 0 and instr.latency == 0:
            # Costs nothing (a lazy clear): it holds up no later instruction.
            pass
        elif gap is not None and max(ready, gap[0]) + instr.occupancy <= gap[1]:
            # Backfill: the unit was idle before its latest instruction and
            # this one's operands were ready by then.
            start = max(ready, gap[0])
            self.gap[instr.unit] = (start + instr.occupancy, gap[1])
        else:
            start = max(ready, free)
            if self.backfill and start > free:
                self.gap[instr.unit] = (free, start)
            self.unit_free[instr.unit] = start + instr.occupancy
        end = start + instr.latency
        for buf in instr.reads:
            if v := self.versions.get(buf):
                v[-1][1] = max(v[-1][1], end)
        for buf in instr.updates:
            v = self.versions.setdefault(buf, [[0, 0]])
            v[-1][0] = end
            v[-1][1] = max(v[-1][1], end)
        for buf, n in self._fresh(instr):
            v = self.versions.setdefault(buf, [])
            while len(v) >= n:
                v.pop(0)
            v.append([end, end])
        if self.record and len(self.timeline.trace) < TRACE_LIMIT:
            self.timeline.trace.append((instr.unit, instr.op.name, start, end))

    def _fresh(self, instr: Instr) -> list[tuple[SSAValue, int]]:
        """Buffers the instruction writes afresh, with the copies a write may
        keep: a sliced write touches one step's slice, so it need not wait
        for the readers of the slice before it (the previous version)."""
        copies = self.program.copies.get
        return ([(buf, copies(buf, 1)) for buf in instr.writes]
                + [(buf, max(2, copies(buf, 1))) for buf in instr.slice_writes])

    def step_boundary(self) -> None:
        overhead = self.program.target.step_overhead
        if overhead and self.steps_run:
            self.unit_free["PE2D"] = self.unit_free.get("PE2D", 0) + overhead
            self.gap.pop("PE2D", None)
        self.steps_run += 1


def simulate(program: Program, lane_runs: list[tuple[int, bool, int]],
             record_trace: bool = False) -> Timeline:
    """Time every lane on the scoreboard.  ``lane_runs``: consecutive lanes
    as (steps, holds global queries, how many lanes) runs, in lane order."""
    board = _Scoreboard(program, record_trace)
    t = board.timeline
    per_instance = Counter()
    for steps, glob, count in lane_runs:
        previous: tuple | None = None
        done = 0
        while done < count:
            start = board.now()
            _run_lane(board, program, steps, glob, per_instance)
            done += 1
            state = board.relative_state()
            if state == previous and done < count:
                repeat = count - done
                board.shift((board.now() - start) * repeat)
                for instr in program.all:
                    if instr.global_lanes_only and not glob:
                        continue
                    per_instance[instr.op] += repeat * (
                        steps if instr.phase.startswith("step") else 1)
                board.steps_run += repeat * steps * len(program.steps)
                done = count
            previous = state
    n = sum(count for _, _, count in lane_runs)
    end = board.now() + (program.target.drain_cycles if n else 0)
    t.cycles = end
    t.instances = per_instance
    for instr in program.all:
        t.busy[instr.unit] += instr.occupancy * per_instance[instr.op]
        t.array_busy[instr.unit] += instr.occupancy * instr.spatial * per_instance[instr.op]
    total_steps = sum(steps * count for steps, _, count in lane_runs) * len(program.steps)
    overhead = program.target.step_overhead * max(0, total_steps - 1)
    if n:
        overhead += program.target.drain_cycles
    t.busy["PE2D"] += overhead
    t.array_busy["PE2D"] += overhead
    return t


def _run_lane(board: _Scoreboard, program: Program, steps: int, glob: bool,
              counts: Counter) -> None:
    for instr in program.prologue:
        board.issue(instr)
        counts[instr.op] += 1
    for n, body in enumerate(program.steps):
        previous: tuple | None = None
        s = 0
        while s < steps:
            before = board.now()
            board.step_boundary()
            for instr in body:
                board.issue(instr)
                counts[instr.op] += 1
            s += 1
            state = board.relative_state()
            if state == previous and s < steps:
                delta = board.now() - before
                repeat = steps - s
                board.shift(delta * repeat)
                board.steps_run += repeat
                for instr in body:
                    counts[instr.op] += repeat
                s = steps
            previous = state
        for instr in program.between[n] if n < len(program.between) else ():
            board.issue(instr)
            counts[instr.op] += 1
    for instr in program.epilogue:
        if instr.global_lanes_only and not glob:
            continue
        board.issue(instr)
        counts[instr.op] += 1
