"""attn_ir's passes, one per module (installed as ``attn_ir.passes``).

Passes are listed lazily, as xDSL does (``xdsl/transforms/__init__.py``):
each system's ``PassExtension`` (``core.py`` for the core's,
``<system>/__init__.py`` for the others) maps pass names to functions that
import the pass class, and may add rewrite patterns to the generic passes:
tile patterns for ``attn-tile`` and lowering patterns for
``convert-attn-to-accel``.  ``all_passes()`` assembles them for
``attn-opt``, the pipeline parser and the xDSL plug-in alike.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import RewritePattern


@dataclass(frozen=True)
class PassExtension:
    """One system's passes and the patterns it adds to the generic ones."""

    passes: dict[str, Callable[[], type[ModulePass]]] = field(default_factory=dict)
    """Pass name → a function importing and returning the pass class."""
    tile_patterns: Callable[[int, int], Sequence[RewritePattern]] | None = None
    """``fn(block_q, block_k)``: patterns ``attn-tile`` applies (until none
    matches) after the cascades are tiled."""
    accel_patterns: Callable[[object], Sequence[RewritePattern]] | None = None
    """``fn(target_attr)``: patterns ``convert-attn-to-accel`` applies beside
    its lowering of ``tile.attention``."""


def extensions() -> list[PassExtension]:
    from attn_ir.systems import extensions

    return extensions("passes")


@functools.cache
def all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Every system's passes: name → function returning the pass class."""
    out: dict[str, Callable[[], type[ModulePass]]] = {}
    for ext in extensions():
        out.update(ext.passes)
    return out
