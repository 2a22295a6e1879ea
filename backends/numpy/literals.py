"""Python literals for emitted code, formatted from numbers, never copied
from IR text: integers through ``int``, floats through ``float`` (with
``float("inf")`` and friends for non-finite values), arrays as
``np.array([...], dtype=np.<type>)`` from a fixed set of dtypes."""

from __future__ import annotations

import math

import numpy as np

ARRAY_DTYPES = frozenset({"int8", "int32", "int64", "bool_", "float32", "float64"})
LINE_WIDTH = 88


def int_literal(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("booleans are not integer literals")
    return str(int(value))


def float_literal(value) -> str:
    x = float(value)
    if math.isnan(x):
        return 'float("nan")'
    if math.isinf(x):
        return 'float("inf")' if x > 0 else 'float("-inf")'
    return repr(x)


def array_literal(values: np.ndarray, dtype: str, indent: int = 0) -> str:
    """``np.array(...)`` of an integer array (any rank), wrapped to lines of
    at most ``LINE_WIDTH`` characters when it starts at column ``indent``."""
    if dtype not in ARRAY_DTYPES:
        raise ValueError(f"unsupported array literal dtype {dtype}")
    values = np.asarray(values)
    flat = [int_literal(v) for v in values.ravel()]
    lines, line = [], ""
    for item in flat:
        piece = item + ", "
        if line and len(line) + len(piece) + indent + 4 > LINE_WIDTH:
            lines.append(line.rstrip())
            line = ""
        line += piece
    if line:
        lines.append(line.rstrip())
    if len(lines) <= 1:
        body = "[" + (lines[0].rstrip(",") if lines else "") + "]"
    else:
        body = ("[\n" + "".join(" " * (indent + 4) + ln + "\n" for ln in lines)
                + " " * indent + "]")
    text = f"np.array({body}, dtype=np.{dtype})"
    if values.ndim != 1:
        text += ".reshape(" + ", ".join(int_literal(n) for n in values.shape) + ")"
    return text
