"""The Python examples of docs/interop.md run as written and print what
the document says they print."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "interop.md"


def test_doc_examples_run(capsys):
    pytest.importorskip("torch")
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 4
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # eager flex_attention asks to be compiled
        for block in blocks:
            exec(compile(block, str(DOC), "exec"), namespace)
    printed = capsys.readouterr().out.splitlines()
    # Every "# <value>" comment after a print(...) is that line's output.
    expected = [line.split("# ", 1)[1].strip() for block in blocks
                for line in block.splitlines() if line.startswith("print(") and "# " in line]
    for value in expected:
        assert value in printed, (value, printed)
    assert "#attn.window<left = 100, right = 100>" in printed
    assert printed.count("['#attn.union<[#attn.window<left = 32, right = 32>, "
                         "#attn.global<[0]>]>', '#attn.union<[#attn.window<left = 64, "
                         "right = 64>, #attn.global<[0]>]>']") == 1
