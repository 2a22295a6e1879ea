"""Parsing, verifying and transforming IR: the driver shared by ``attn-opt``,
the other tools and the Python API."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO

from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass, PassPipeline
from xdsl.printer import Printer
from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException, ParseError

from attn_ir.context import make_context
from attn_ir.diagnostics import (
    Diagnostic,
    DiagnosticEngine,
    LocatingParser,
    OpError,
    collecting,
    from_parse_error,
    verification_message,
    verify_ops,
)


class PipelineError(ValueError):
    """A pass pipeline that does not parse, names an unknown pass or option."""


def available_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Every pass of every installed xDSL universe (read once: scanning the
    entry points costs milliseconds per call)."""
    return dict(_all_passes())


@functools.cache
def _all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    from xdsl.universe import Universe

    return dict(Universe.get_multiverse().all_passes)


def parse_pipeline(spec: str) -> PassPipeline:
    try:
        return PassPipeline.parse_spec(available_passes(), spec)
    except ArgSpecParseError as e:
        # xDSL's message spans several lines (header, location, the spec, a
        # caret, the message): keep it to one line.
        lines = [line.strip() for line in str(e).splitlines() if line.strip()]
        where = lines[1].rsplit(":", 1)[-1] if len(lines) > 2 else None
        message = lines[-1] + (f" (at column {where})" if where else "")
        raise PipelineError(f"invalid pass pipeline '{spec}': {message}") from None
    except (ValueError, TypeError) as e:
        raise PipelineError(f"invalid pass pipeline '{spec}': {e}") from None


@dataclass
class ChunkResult:
    """The outcome of processing one input chunk."""

    module: ModuleOp | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    after_each: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.module is not None and not any(
            d.severity == "error" for d in self.diagnostics)


def print_module(module: ModuleOp, generic: bool = False) -> str:
    out = StringIO()
    Printer(stream=out, print_generic_format=generic).print_op(module)
    out.write("\n")
    return out.getvalue()


def _no_ops(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("//")
               for line in text.splitlines())


def process(text: str, name: str, pipeline: PassPipeline | None = None,
            line_offset: int = 0, allow_unregistered: bool = False,
            print_after_each: bool = False, generic: bool = False) -> ChunkResult:
    """Parse, verify, run the pipeline (verifying after each pass)."""
    parser = LocatingParser(make_context(allow_unregistered), text, name,
                            line_offset=line_offset)
    engine = DiagnosticEngine(parser.op_spans)
    try:
        # Like mlir-opt, input without ops (blank, or only comments) is an
        # empty module, not a parse error.
        module = ModuleOp([]) if _no_ops(text) else parser.parse_module()
    except ParseError as e:
        return ChunkResult(None, [from_parse_error(e, line_offset)])
    result = ChunkResult(module, engine.diagnostics)
    verify_ops(module, engine)
    if engine.has_errors or pipeline is None:
        return result
    with collecting(engine):
        for p in pipeline.passes:
            try:
                p.apply(parser.ctx, module)
            except OpError as e:
                engine.emit("error", e.op, f"{p.name}: {e.message}")
                return result
            except DiagnosticException as e:
                engine.emit("error", None, f"pass '{p.name}' failed: "
                            f"{verification_message(e)}")
                return result
            verify_ops(module, engine)
            if engine.has_errors:
                for d in engine.diagnostics:
                    if d.severity == "error" and "after pass" not in d.message:
                        object.__setattr__(d, "message", f"{d.message} (after pass '{p.name}')")
                return result
            if print_after_each:
                result.after_each.append((p.name, print_module(module, generic)))
    return result
