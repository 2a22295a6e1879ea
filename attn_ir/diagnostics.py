"""Diagnostics in the MLIR style: ``file:line:col: error: message``.

xDSL operations carry no source location unless the text has ``loc(...)``,
so ``LocatingParser`` remembers where each op was parsed; verification errors,
pass failures and remarks then point at the op's line.  ``check_expected``
implements MLIR's ``--verify-diagnostics``: every ``// expected-error {{...}}``
(or ``expected-remark``/``expected-warning``, optionally ``@+N``/``@-N``) in
the input must match a diagnostic on that line, and no other diagnostic may
be emitted.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException
from xdsl.utils.lexer import Span


@dataclass(frozen=True)
class Diagnostic:
    severity: str  # "error", "warning" or "remark"
    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    context: str = ""
    """Source line with a caret under the column, when known."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}: " if self.line is not None else ""
        text = f"{where}{self.severity}: {self.message}"
        return f"{text}\n{self.context}" if self.context else text


def _span_diagnostic(severity: str, message: str, span: Span) -> Diagnostic:
    loc = span.get_location()
    content = span.input.content
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    start = span.input.get_start_of_line(span.start)
    end = content.find("\n", start)
    line = content[start : end if end >= 0 else len(content)]
    caret = " " * (loc.col - 1) + "^"
    return Diagnostic(severity, message, loc.file, loc.line, loc.col, f"{line}\n{caret}")


def from_parse_error(e: ParseError, line_offset: int = 0) -> Diagnostic:
    span = e.span
    return _span_diagnostic("error", e.msg, Span(span.start, span.end, span.input, line_offset))


MAX_INTEGER_WIDTH = (1 << 24) - 1
"""MLIR's largest integer type width."""


class LocatingParser(Parser):
    """xDSL's parser, remembering the span at which each operation starts."""

    def __init__(self, *args, line_offset: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.op_spans: dict[Operation, Span] = {}
        self.line_offset = line_offset

    def _parse_optional_integer_or_float_type(self):
        # MLIR caps integer widths at 2^24 - 1; past that, xDSL's range checks
        # compute 2^width and take minutes.
        token = self._current_token
        match = self._builtin_integer_type_regex.match(token.text)
        if match is not None and int(match.group(1)) > MAX_INTEGER_WIDTH:
            raise ParseError(token.span, f"integer type '{token.text}' is wider than "
                                         f"{MAX_INTEGER_WIDTH} bits")
        return super()._parse_optional_integer_or_float_type()

    def parse_operation(self) -> Operation:
        span = self._current_token.span
        try:
            op = super().parse_operation()
        except VerifyException as e:
            # xDSL checks some constraints (e.g. operand types of a declarative
            # assembly format) while parsing: report them at the op.
            raise ParseError(span, verification_message(e)) from None
        except ParseError:
            raise
        except (ValueError, ArithmeticError, NotImplementedError, MemoryError) as e:
            # xDSL's attribute and type parsers fail this way on extreme
            # input (an i4294967297, a 400-digit integer): still a diagnostic.
            raise ParseError(span, f"cannot parse this operation: {str(e) or type(e).__name__}"
                             ) from None
        self.op_spans[op] = Span(span.start, span.end, span.input, self.line_offset)
        return op


class DiagnosticEngine:
    """Collects diagnostics for one input chunk, locating ops by their spans."""

    def __init__(self, op_spans: dict[Operation, Span] | None = None):
        self.op_spans = op_spans if op_spans is not None else {}
        self.diagnostics: list[Diagnostic] = []

    def emit(self, severity: str, op: Operation | None, message: str) -> Diagnostic:
        span = self._span_of(op)
        diag = (_span_diagnostic(severity, message, span) if span is not None
                else Diagnostic(severity, message))
        self.diagnostics.append(diag)
        return diag

    def _span_of(self, op: Operation | None) -> Span | None:
        # An op created by a pass has no span: use its closest parsed ancestor.
        while op is not None:
            if op in self.op_spans:
                return self.op_spans[op]
            op = op.parent_op()
        return None

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)


_ENGINE: ContextVar[DiagnosticEngine | None] = ContextVar("attn_ir_diagnostics", default=None)


@contextmanager
def collecting(engine: DiagnosticEngine):
    token = _ENGINE.set(engine)
    try:
        yield engine
    finally:
        _ENGINE.reset(token)


class InputError(ValueError):
    """Input a run cannot take: data such as a token index out of range, or
    IR with an op that no engine implements.  The user's error, reported in
    one line by the tools."""


class OpError(DiagnosticException):
    """A pass failure about one op: reported at that op's location."""

    def __init__(self, op: Operation, message: str):
        super().__init__(message)
        self.op = op
        self.message = message


def emit_remark(op: Operation, message: str) -> None:
    """A remark from an analysis or pass; printed by the CLI, checked by
    ``--verify-diagnostics``; dropped when nothing is collecting."""
    engine = _ENGINE.get()
    if engine is not None:
        engine.emit("remark", op, message)


def verification_message(e: Exception) -> str:
    """The innermost message of a verifier failure (xDSL wraps the op's own
    message in a printout of the whole module)."""
    while isinstance(e.__cause__, DiagnosticException | VerifyException):
        e = e.__cause__
    text = str(e)
    return text.removeprefix("Operation does not verify: ")


def verify_ops(root: Operation, engine: DiagnosticEngine) -> None:
    """Verify every op under root, emitting one error per failing op."""
    for op in root.walk():
        try:
            op.verify(verify_nested_ops=False)
        except DiagnosticException as e:
            engine.emit("error", op, verification_message(e))


_EXPECTED = re.compile(
    r"//\s*expected-(error|warning|remark)\s*(@[+-]\d+|@above|@below)?\s*\{\{(.*?)\}\}"
)


def check_expected(source: str, line_offset: int, diagnostics: list[Diagnostic],
                   file: str) -> list[Diagnostic]:
    """Match diagnostics against ``expected-*`` annotations; return errors
    describing each mismatch (empty when everything matched)."""
    expected = []
    for n, text in enumerate(source.splitlines(), start=1 + line_offset):
        for m in _EXPECTED.finditer(text):
            shift = m.group(2) or ""
            line = n + {"": 0, "@above": -1, "@below": 1}.get(shift, 0)
            if shift.startswith(("@+", "@-")):
                line = n + int(shift[1:])
            expected.append([m.group(1), line, m.group(3), False, n])
    problems = []
    for d in diagnostics:
        for e in expected:
            if not e[3] and e[0] == d.severity and e[1] == d.line and e[2] in d.message:
                e[3] = True
                break
        else:
            problems.append(Diagnostic(
                "error", f"unexpected {d.severity}: {d.message}", file, d.line, d.col))
    for severity, line, text, matched, at in expected:
        if not matched:
            problems.append(Diagnostic(
                "error", f"expected {severity} \"{text}\" was not produced", file, at, 1))
    return problems
