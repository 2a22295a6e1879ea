"""Reading and writing patterns in their IR text form (``#attn.window<...>``).

The text form is defined once, by the ``attn`` dialect's attributes; this
module only routes through xDSL's attribute parser and printer.
"""

from __future__ import annotations

from io import StringIO

from attn_ir.patterns.base import Pattern, PatternError


def parse(text: str) -> Pattern:
    """Build a pattern from its IR text, e.g. ``parse("#attn.causal")``."""
    from xdsl.parser import Parser
    from xdsl.utils.exceptions import ParseError

    from attn_ir.context import make_context
    from attn_ir.dialects.attn import PatternAttr

    parser = Parser(make_context(), text, "<pattern>")
    try:
        attr = parser.parse_attribute()
        if parser.pos < len(text.rstrip()):
            parser.raise_error("unexpected text after the pattern")
    except ParseError as e:
        raise PatternError(str(e)) from None
    if not isinstance(attr, PatternAttr):
        raise PatternError(f"expected an #attn pattern attribute, got {attr}")
    return attr.pattern


def print_pattern(pattern: Pattern) -> str:
    from xdsl.printer import Printer

    from attn_ir.dialects.attn import PatternAttr

    out = StringIO()
    Printer(stream=out).print_attribute(PatternAttr.from_pattern(pattern))
    return out.getvalue()
