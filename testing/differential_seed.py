"""The seed of the differential sample the test suite runs.

A fixed seed explores the same 100 cases forever, so "0 mismatches" says
only that those cases pass.  The suite's sample takes its seed from the
current git commit instead: every commit explores new cases, and the seed is
printed (pytest's header and summary), so a failure is reproduced by running
the test again with ``ATTN_IR_DIFFERENTIAL_SEED=<seed>``.

    ATTN_IR_DIFFERENTIAL_SEED=123 python -m pytest test/python/test_differential.py

Order: ``ATTN_IR_DIFFERENTIAL_SEED`` when set; else the first 8 hex digits
of ``git rev-parse HEAD`` of the checkout holding this file, as a number;
else (no git, not a checkout: an installed copy, a source tarball)
``FALLBACK_SEED``.
"""

from __future__ import annotations

import os
import subprocess
from functools import lru_cache
from pathlib import Path

ENV = "ATTN_IR_DIFFERENTIAL_SEED"
FALLBACK_SEED = 0


@lru_cache(maxsize=1)
def sample_seed() -> tuple[int, str]:
    """(seed, where it comes from, in words)."""
    given = os.environ.get(ENV, "").strip()
    if given:
        try:
            return int(given, 0), f"from ${ENV}"
        except ValueError:
            raise ValueError(f"${ENV} must be an integer, got '{given}'") from None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
            capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        seed = int(commit[:8], 16)
    except (OSError, subprocess.SubprocessError, ValueError):
        return FALLBACK_SEED, "not in a git checkout: the fixed fallback seed"
    return seed, f"from commit {commit[:12]}"


def describe() -> str:
    """One line: the seed, where it comes from, how to run it again."""
    seed, origin = sample_seed()
    return (f"differential sample seed {seed} ({origin}); reproduce with "
            f"{ENV}={seed}")
