"""A sample of ``bench/fuzz.py``: mutated IR fed to attn-opt,
attn-translate and attn-run never makes them crash, hang or leave a
half-written output (``attn_ir.testing.fuzzing``)."""

from __future__ import annotations

import numpy as np

from attn_ir.testing.fuzzing import Case, fuzz, mutate, run_case


def test_fuzz_sample_has_no_crash():
    totals = fuzz(150, seed=11, timeout=30, subprocess_every=50)
    assert totals.cases == 150
    assert not totals.failures, [(o.case.tool, o.case.args, o.problem, o.stderr[-300:])
                                 for o in totals.failures]


def test_a_crash_is_caught(monkeypatch):
    """The check can fail: a tool that raises is reported as a traceback."""
    from attn_ir.cli import opt

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(opt, "process", broken)
    outcome = run_case(Case("attn-opt", [], "builtin.module {}\n"))
    assert outcome.problem == "traceback"


def test_a_hang_is_caught(monkeypatch):
    import time

    from attn_ir.cli import opt

    monkeypatch.setattr(opt, "process", lambda *a, **k: time.sleep(5))
    outcome = run_case(Case("attn-opt", [], "builtin.module {}\n"), timeout=0.5)
    assert outcome.problem == "timeout"


def test_mutations_change_the_text():
    rng = np.random.default_rng(0)
    text = "func.func @f(%q: tensor<1x2x8x4xf32>) {\n  func.return\n}\n"
    assert sum(mutate(text, rng) != text for _ in range(50)) > 40
