"""Differential testing: random cases (``attn_ir.testing.differential.cases``) and
every saved regression (``test/regressions/*.mlir``) give the reference's
result on every engine.  ``bench/differential.py`` runs the same harness on
many more cases.

The random sample's seed comes from the current git commit
(``attn_ir.testing.differential_seed``): each commit explores new cases; the seed is
printed in pytest's header and summary, and
``ATTN_IR_DIFFERENTIAL_SEED=<seed>`` runs the same sample again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, seed, settings

from attn_ir import patterns as P
from attn_ir.testing.differential import NUMPY_LEVELS, Case, cases, check, load, save
from attn_ir.testing.differential_seed import describe, sample_seed

REGRESSIONS = sorted((Path(__file__).resolve().parent.parent / "regressions").glob("*.mlir"))


@settings(max_examples=100, derandomize=False, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@seed(sample_seed()[0])
@given(cases())
def test_random_cases_agree_with_the_reference(case):
    result = check(case)
    assert not result.mismatches, (describe(), [str(m) for m in result.mismatches])


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


def test_the_sample_seed_is_the_commits(monkeypatch, tmp_path):
    """The seed: $ATTN_IR_DIFFERENTIAL_SEED, else the commit's first 8 hex
    digits, else the fallback outside git."""
    import subprocess

    import attn_ir.testing.differential_seed as S

    def fresh():
        S.sample_seed.cache_clear()
        return S.sample_seed()

    monkeypatch.delenv(S.ENV, raising=False)
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(S.__file__).parent,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        head = None
    if head:
        assert fresh() == (int(head[:8], 16), f"from commit {head[:12]}")
    else:
        assert fresh()[0] == S.FALLBACK_SEED
    monkeypatch.setenv(S.ENV, "1234")
    assert fresh() == (1234, f"from ${S.ENV}")
    assert "reproduce with ATTN_IR_DIFFERENTIAL_SEED=1234" in S.describe()
    monkeypatch.setenv(S.ENV, "")
    monkeypatch.setenv("PATH", str(tmp_path))  # no git to be found
    assert fresh() == (S.FALLBACK_SEED, "not in a git checkout: the fixed fallback seed")
    monkeypatch.undo()
    S.sample_seed.cache_clear()
