"""attn_ir.sweep: resume after an interruption, a killed worker, the Pareto
flag against brute force, the local pool against a Dask LocalCluster,
located spec errors, program reuse across non-lowering parameters, and the
area model's scaling."""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest

from attn_ir import targets as T
from attn_ir.targets.area import area_mm2, scale_to_area
from attn_ir.sweep import SpecError, parse_spec, pareto_flags, pareto_mask, run_sweep
from attn_ir.sweep import evaluate as E
from attn_ir.sweep import runner as R

SMALL = """
[[workload]]
pattern = "#attn.union<[#attn.window<left = 64, right = 64>, #attn.global<[0]>]>"
seq_len = [256, 512]
heads = 2

[[target]]
name = "salo"
pe_rows = [16, 32]
pe_cols = [16, 32]

[[target]]
name = "fusemax"
pe_rows = 64
pe_cols = 64
clock_hz = [0.5e9, 1.0e9]

[objectives]
minimize = ["seconds", "energy_pj", "area_mm2"]
"""


def _table(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_resume_after_interrupt_has_no_duplicate_or_missing_rows(tmp_path):
    spec = parse_spec(SMALL)
    assert len(spec.points) == 12
    reference = run_sweep(spec, str(tmp_path / "ref.csv"), workers=0)
    assert reference.evaluated == 12

    out = str(tmp_path / "r.csv")
    seen = []

    def interrupt(key, row):
        seen.append(key)
        if len(seen) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(spec, out, workers=0, batch_size=1, on_row=interrupt)
    partial = _table(out)
    assert [r["key"] for r in partial] == [r["key"] for r in _table(tmp_path / "ref.csv")
                                           if r["key"] in seen]
    # A kill in the middle of a journal line: the cut line is ignored.
    with open(out + ".journal", "a") as f:
        f.write('{"key": "cut sh')
    again = run_sweep(spec, out, workers=2)
    assert again.skipped == 5 and again.evaluated == 7
    rows = _table(out)
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys)) == 12
    assert rows == _table(tmp_path / "ref.csv")
    # A rerun evaluates nothing and writes the same table.
    assert run_sweep(spec, out, workers=2).evaluated == 0
    assert _table(out) == rows


def dying_batch(items):
    """Kills its worker the first time it sees seq_len 512 on fusemax."""
    marker = os.environ["ATTN_IR_TEST_MARKER"]
    for _, point in items:
        if (point["workload"]["seq_len"] == 512 and point["target"]["name"] == "fusemax"
                and not os.path.exists(marker)):
            open(marker, "w").close()
            os._exit(1)
    return E.evaluate_batch(items)


def test_killed_worker_loses_nothing(tmp_path, monkeypatch):
    spec = parse_spec(SMALL)
    monkeypatch.setenv("ATTN_IR_TEST_MARKER", str(tmp_path / "died"))
    monkeypatch.setattr(R, "evaluate_batch", dying_batch)
    out = str(tmp_path / "r.csv")
    result = run_sweep(spec, out, workers=2, batch_size=2)
    assert os.path.exists(tmp_path / "died")
    monkeypatch.undo()
    assert result.evaluated == 12
    assert all(r["status"] == "ok" for r in result.rows)
    run_sweep(spec, str(tmp_path / "ref.csv"), workers=0)
    assert _table(out) == _table(tmp_path / "ref.csv")


def _brute_force(values):
    n = len(values)
    return np.array([not any(np.all(values[j] <= values[i]) and np.any(values[j] < values[i])
                             for j in range(n) if j != i) for i in range(n)])


@pytest.mark.parametrize("seed", range(6))
def test_pareto_mask_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    k = 2 + seed % 3
    values = rng.integers(0, 6, size=(60, k)).astype(float)  # many ties and duplicates
    values[5] = values[7]
    np.testing.assert_array_equal(pareto_mask(values), _brute_force(values))


def test_pareto_flags_of_a_sweep_match_brute_force(tmp_path):
    spec = parse_spec(SMALL)
    result = run_sweep(spec, str(tmp_path / "r.csv"), workers=0)
    for n in (256, 512):
        members = [r for r in result.rows if r["seq_len"] == n]
        values = np.array([[r["seconds"], r["energy_pj"], r["area_mm2"]] for r in members])
        assert [r["pareto"] for r in members] == list(_brute_force(values))
    # maximize negates: the most utilised design is on a front of utilisation alone.
    flags = pareto_flags(result.rows, [], ["utilization"], ["seq_len"])
    for n in (256, 512):
        members = [(r, f) for r, f in zip(result.rows, flags) if r["seq_len"] == n]
        best = max(r["utilization"] for r, _ in members)
        assert [f for _, f in members] == [r["utilization"] == best for r, _ in members]


def test_local_pool_and_dask_local_cluster_give_equal_tables(tmp_path):
    pytest.importorskip("distributed")
    spec = parse_spec(SMALL)
    run_sweep(spec, str(tmp_path / "pool.csv"), workers=2)
    dask = run_sweep(spec, str(tmp_path / "dask.csv"), scheduler="local", workers=2)
    assert dask.evaluated == 12
    assert (tmp_path / "pool.csv").read_bytes() == (tmp_path / "dask.csv").read_bytes()


@pytest.mark.parametrize("text, where, message", [
    ('[[workload]]\npreset = "bert-base"\n\n[[target]]\nname = "salo"\npe_row = [16, 32]\n',
     "<spec>:6:1", "[[target]] #1: unknown target parameter 'pe_row'"),
    ('[[workload]]\npreset = "bert-base"\n[[target]]\nname = "salo"\n[[target]]\n'
     'name = "fusemax"\n  clock_hz = "fast"\n',
     "<spec>:7:3", "[[target]] #2: 'clock_hz' must be a number"),
    ('[[workload]]\npreset = "bert-bas"\n[[target]]\nname = "salo"\n',
     "<spec>:2:1", "unknown preset 'bert-bas'"),
    ('[sweep]\nmode = "zip"\n[[workload]]\npreset = "bert-base"\n[[target]]\nname = "salo"\n'
     'pe_rows = [16, 32]\npe_cols = [16]\n',
     "<spec>:7:1", "mode 'zip' needs lists of one length"),
    ('[[workload]]\npreset = "bert-base"\n[[target]]\nname = "salo"\npe_rows = [16, \n',
     "<spec>:5:", "invalid TOML"),
    ('[[workload]]\npreset = "bert-base"\n[[target]]\nname = "salo"\n[objectives]\n'
     'minimize = ["speed"]\n', "<spec>:6:1", "unknown objective 'speed'"),
])
def test_bad_spec_gives_a_located_error(text, where, message):
    with pytest.raises(SpecError) as info:
        parse_spec(text)
    assert str(info.value).startswith(where), str(info.value)
    assert message in str(info.value)


def test_non_lowering_parameters_reuse_one_program():
    spec = parse_spec(SMALL)
    fusemax = [p for p in spec.points if p["target"]["name"] == "fusemax"
               and p["workload"]["seq_len"] == 512]
    assert len(fusemax) == 2
    E._compiled.clear()
    rows = [E.evaluate(p) for p in fusemax]
    assert len(E._compiled) == 1
    # Each equals a fresh lowering for exactly that target.
    from attn_ir.backends.hwmodel import time_module
    from attn_ir.pipeline import parse_pipeline, process

    for point, row in zip(fusemax, rows):
        target = T.with_overrides(T.get_target("fusemax"), **point["target"]["params"])
        text = E.workload_text(point["workload"])
        report = time_module(process(text, "x", parse_pipeline(target.default_pipeline())).module)
        assert row["cycles"] == report.cycles
        assert row["seconds"] == report.seconds
    assert rows[0]["seconds"] != rows[1]["seconds"]


def test_point_that_cannot_compile_is_a_row_with_its_diagnostic(tmp_path):
    spec = parse_spec('[[workload]]\npreset = "bert-base"\nlayers = 1\n'
                      '[[target]]\nname = "fusemax"\nbuffer_bytes = [1024, 16777216]\n')
    result = run_sweep(spec, str(tmp_path / "r.csv"), workers=0)
    small, big = result.rows
    assert small["status"] == "error" and "buffer" in small["diagnostic"]
    assert small["cycles"] is None and not small["pareto"]
    assert big["status"] == "ok" and big["pareto"]


def test_scale_to_area_is_the_largest_array_that_fits():
    for name, mm2 in (("fusemax", 100.0), ("salo", 50.0), ("vitcod", 20.0)):
        base = T.get_target(name)
        scaled = scale_to_area(base, mm2)
        assert area_mm2(scaled) <= mm2
        assert scaled.pe_rows / scaled.pe_cols == pytest.approx(base.pe_rows / base.pe_cols,
                                                                rel=0.15)
        bigger = T.with_overrides(scaled, pe_rows=scaled.pe_rows + 1,
                                  pe_cols=scaled.pe_cols + 1)
        assert area_mm2(bigger) > mm2
    with pytest.raises(ValueError, match="does not fit"):
        scale_to_area(T.get_target("fusemax"), 10.0)  # its 16 MiB buffer alone is 47 mm²
    shrunk = scale_to_area(T.get_target("fusemax"), 10.0, scale_buffer=True)
    assert area_mm2(shrunk) <= 10.0 and shrunk.buffer_bytes < T.get_target("fusemax").buffer_bytes


def test_reports_carry_the_targets_area():
    from attn_ir.backends.hwmodel import time_module
    from attn_ir.pipeline import parse_pipeline, process

    for name, over in (("salo", {}), ("salo", {"pe_rows": 64}), ("spatten", {})):
        target = T.with_overrides(T.get_target(name), **over)
        work = {"kind": "preset", "workload": "gpt2-spatten" if name == "spatten" else "bert-base",
                "seq_len": None, "layers": 1, "batch": None}
        text = E.workload_text(work)
        report = time_module(process(text, "x", parse_pipeline(target.default_pipeline())).module)
        assert report.as_dict()["area_mm2"] == pytest.approx(target.area_mm2)
    assert T.with_overrides(T.get_target("salo"), pe_rows=64).area_mm2 > T.get_target(
        "salo").area_mm2


def test_parquet_table_holds_the_csv_rows(tmp_path):
    pytest.importorskip("pyarrow")
    from attn_ir.sweep import read_table

    spec = parse_spec(SMALL)
    run_sweep(spec, str(tmp_path / "r.csv"), workers=0)
    run_sweep(spec, str(tmp_path / "r.parquet"), workers=0)
    csv_columns, csv_rows = read_table(str(tmp_path / "r.csv"))
    pq_columns, pq_rows = read_table(str(tmp_path / "r.parquet"))
    assert csv_columns == pq_columns
    assert csv_rows == pq_rows
