"""The reliability benches run and print the figures the docs quote, as
JSON with their documented keys (small sizes here; the full runs are in
docs/reliability.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bench(*args: str) -> dict:
    done = subprocess.run([sys.executable, os.path.join(ROOT, "bench", args[0]), *args[1:],
                           "--json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_differential_bench(tmp_path):
    figures = bench("differential.py", "--cases", "25", "--seed", "5",
                    "--save-dir", str(tmp_path))
    assert figures["cases"] == 25 and figures["mismatches"] == 0
    assert figures["engine_runs"]["numpy:tile"] == 25


def test_fuzz_bench():
    figures = bench("fuzz.py", "--cases", "40", "--seed", "9", "--subprocess-every", "20")
    assert figures["cases"] == 40
    assert figures["tracebacks"] == 0 and figures["timeouts"] == 0


def test_memory_bench():
    figures = bench("memory.py", "--seq-len", "1024", "--engines", "numpy,hwmodel-timing")
    assert figures["seq_len"] == 1024 and figures["all_under_2gib"]
    numpy = figures["engines"]["numpy"]
    assert numpy["output_finite"] and numpy["inputs_bytes"] == 3 * 12 * 1024 * 64 * 4
    assert 0 < numpy["peak_rss_bytes"] < 2 * 2**30
