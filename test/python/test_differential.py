"""Differential testing: random cases (``attn_ir.testing.differential.cases``) and
every saved regression (``test/regressions/*.mlir``) give the reference's
result on every engine.  ``bench/differential.py`` runs the same harness on
many more cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from attn_ir import patterns as P
from attn_ir.testing.differential import NUMPY_LEVELS, Case, cases, check, load, save

REGRESSIONS = sorted((Path(__file__).resolve().parent.parent / "regressions").glob("*.mlir"))


@settings(max_examples=100, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(cases())
def test_random_cases_agree_with_the_reference(case):
    result = check(case)
    assert not result.mismatches, [str(m) for m in result.mismatches]


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: p.stem)
def test_saved_regression(path):
    result = check(load(path))
    assert not result.mismatches, [str(m) for m in result.mismatches]


def test_saved_case_reads_back(tmp_path):
    case = Case(P.Union((P.Window(2, 1, (1, 2)), P.Global((0,)))), 2, 2, 5, 7, 4, 3,
                dtype="f16", seed=11, magnitude=4.0, passes=2, m0=3, tile_q=3, tile_k=5,
                target="fusemax")
    path = save(case, tmp_path, "why it was saved")
    assert load(path) == case
    assert path.read_text().splitlines()[1] == "// why it was saved"


def test_a_wrong_engine_is_reported(monkeypatch):
    """The harness can fail: an engine 0.1 % off is caught, by name."""
    import attn_ir.backends.numpy as numpy_backend

    real = numpy_backend.load_module

    class Wrong:
        def __init__(self, module):
            self.FUNCTIONS = {"f": lambda *args: module.FUNCTIONS["f"](*args) * np.float32(1.001)}

    monkeypatch.setattr(numpy_backend, "load_module", lambda source: Wrong(real(source)))
    result = check(Case(P.Dense(), 1, 1, 4, 6, 4, 4))
    assert {m.engine for m in result.mismatches} == {f"numpy:{level}" for level in NUMPY_LEVELS}
    assert result.mismatches[0].error > 1e-4


def test_nan_must_match_where_the_reference_has_it():
    from attn_ir.testing.differential import _max_error

    ref = np.array([1.0, np.nan])
    assert _max_error(np.array([1.0, np.nan], np.float32), ref) == 0
    assert _max_error(np.array([1.0, 0.0], np.float32), ref) == float("inf")
