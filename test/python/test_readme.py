"""The Python examples in README.md run as written, and give what the README
says: Longformer's window-plus-global attention, checked on sample rows
against a plain softmax over the keys written out here, and its exact
number of attended pairs counted row by row."""

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)

N, LEFT = 4096, 256
"""Both examples: #attn.window<left = 256, right = 256> with #attn.global<[0]>."""


def longformer_keys(i: int) -> np.ndarray:
    # The band |i - j| <= 256, token 0 attended by every query, and query 0
    # attending every key.
    if i == 0:
        return np.arange(N)
    band = np.arange(max(0, i - LEFT), min(N, i + LEFT + 1))
    return band if band[0] == 0 else np.concatenate(([0], band))


def check_sample_rows(ns: dict) -> None:
    q, k, v, out = (ns[x] for x in ("q", "k", "v", "out"))
    assert out.shape == (1, 12, N, 64) and np.isfinite(out).all()
    for i in (0, 1, 300, 2048, N - 1):
        for h in (0, 11):
            keys = longformer_keys(i)
            s = q[0, h, i].astype(np.float64) @ k[0, h, keys].T.astype(np.float64) / 8.0
            w = np.exp(s - s.max())
            np.testing.assert_allclose(out[0, h, i], (w / w.sum()) @ v[0, h, keys],
                                       atol=1e-5, rtol=0)


def test_readme_has_the_examples_checked_here():
    assert len(BLOCKS) == 2


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{n}" for n in range(len(BLOCKS))])
def test_readme_python_example_runs(code, capsys):
    ns: dict = {}
    exec(compile(code, str(README), "exec"), ns)
    check_sample_rows(ns)
    if "nnz" in code:
        expected = sum(len(longformer_keys(i)) for i in range(N))
        assert capsys.readouterr().out.split() == [str(expected)]
        table = ns["table"]
        assert table.num_full + table.num_partial + table.num_skipped == (N // 64) ** 2
