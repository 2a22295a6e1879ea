"""Python names and text for emitted code, made safe from IR strings.

Nothing read from the IR (symbol names, SSA name hints) reaches the emitted
source unchecked: names are mangled to ASCII identifiers that are not
keywords, builtins or the module's own names, and text used in comments
and docstrings is reduced to printable ASCII without quotes or backslashes.
"""

from __future__ import annotations

import builtins
import keyword
import re

RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(
    dir(builtins)) | {"np", "numpy", "parallel_map", "FUNCTIONS"}
"""Names an emitted identifier may not take: keywords, builtins (the
runtime calls them), the NumPy module and the emitted module's own API."""

_NOT_IDENTIFIER = re.compile(r"[^0-9A-Za-z_]+")
MAX_LENGTH = 48
"""Longer names are cut (and made unique by ``Namer``)."""


def python_name(hint: str | None, fallback: str) -> str:
    """An ASCII identifier derived from ``hint``: runs of other characters
    become one ``_``, at most ``MAX_LENGTH`` long; it never starts with ``_`` or a digit (names starting
    with ``_`` belong to the runtime) and never is a reserved name."""
    name = _NOT_IDENTIFIER.sub("_", hint or "").strip("_")[:MAX_LENGTH].rstrip("_")
    if not name:
        name = fallback
    elif name[0].isdigit():
        name = f"{fallback}_{name}"
    if name in RESERVED:
        name += "_"
    assert name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("_")
    return name


class Namer:
    """Unique names in one scope: the second ``x`` is ``x_1``."""

    def __init__(self, taken: set[str] | frozenset[str] = frozenset()):
        self.taken = set(taken)

    def fresh(self, hint: str | None, fallback: str) -> str:
        base = python_name(hint, fallback)
        name, n = base, 0
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name


def safe_text(text: str, limit: int = 200) -> str:
    """``text`` for a comment or docstring: printable ASCII without
    backslashes or double quotes (others become ``?``), on one line, cut
    to ``limit`` characters."""
    out = "".join(c if 32 <= ord(c) < 127 and c not in '\\"' else "?" for c in text)
    return out if len(out) <= limit else out[: limit - 3] + "..."
