"""The textual form of patterns, as IR writes them: ``#attn.<mnemonic>``
and, where a parameter differs from its default, ``<key = value, ...>`` (or
``<[...]>`` for a family with one positional list).  The ``attn`` dialect
prints pattern attributes with ``format_parameters`` and parses them
(``attn_ir.dialects.attn.parse_pattern``); the library only prints, so it
needs no dialect.
"""

from __future__ import annotations

import dataclasses
from io import StringIO

from attn_ir.patterns.base import Pattern


def print_pattern(pattern: Pattern) -> str:
    """``pattern`` as IR text, e.g. ``#attn.window<left = 2, right = 2>``."""
    return f"#attn.{pattern.mnemonic}{format_parameters(pattern)}"


def format_parameters(pattern: Pattern) -> str:
    """The ``<...>`` part of ``pattern``'s IR text ("" when every parameter
    has its default)."""
    shown = []
    for f in dataclasses.fields(pattern):  # type: ignore[arg-type]
        value = getattr(pattern, f.name)
        if not pattern.POSITIONAL and f.default == value:
            continue
        if f.name in pattern.SCALAR_OR_LIST and isinstance(value, tuple) and len(value) == 1:
            value = value[0]
        text = _format_value(value)
        shown.append(text if pattern.POSITIONAL else f"{f.name} = {text}")
    return f"<{', '.join(shown)}>" if shown else ""


def _format_value(value) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    if isinstance(value, Pattern):
        return print_pattern(value)
    if isinstance(value, str):
        return _string_literal(value)
    return str(value)


def _string_literal(value: str) -> str:
    """A string literal escaped as MLIR (and xDSL's printer) writes it."""
    from xdsl.printer import Printer

    out = StringIO()
    Printer(stream=out).print_string_literal(value)
    return out.getvalue()
