"""attn_ir's dialects, by level: ``attn`` (value-semantics attention and its
pattern attributes), ``cascade`` (the Einsum cascade), ``tile`` (tiled
attention over tile tables) and ``accel`` (accelerator instructions).

The core modules here define each dialect's base (``attn.py``,
``cascade.py``, ``tile.py``, ``accel.py``); every system adds its own ops
and attributes with one ``DialectExtension`` (``core.py`` for the core,
``<system>/__init__.py`` for the others, as listed by
``attn_ir.systems``), and the functions below assemble the dialects from
them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.ir import Dialect

DIALECT_NAMES = ("attn", "cascade", "tile", "accel")


@dataclass(frozen=True)
class DialectExtension:
    """What one system adds to each dialect: dialect name → op classes
    and attribute classes."""

    ops: dict[str, Sequence[type]] = field(default_factory=dict)
    attributes: dict[str, Sequence[type]] = field(default_factory=dict)


@functools.cache
def dialect(name: str) -> Dialect:
    """The dialect called ``name``, assembled from every system."""
    from attn_ir.systems import extensions

    if name not in DIALECT_NAMES:
        raise KeyError(f"no dialect '{name}'")
    ops: list = []
    attrs: list = []
    for ext in extensions("dialects"):
        ops += ext.ops.get(name, ())
        attrs += ext.attributes.get(name, ())
    return Dialect(name, ops, attrs)


def attn_dialect() -> Dialect:
    return dialect("attn")


def cascade_dialect() -> Dialect:
    return dialect("cascade")


def tile_dialect() -> Dialect:
    return dialect("tile")


def accel_dialect() -> Dialect:
    return dialect("accel")


@functools.cache
def pattern_attributes() -> dict[str, type]:
    """Pattern mnemonic → its attribute class, over every system's
    ``attn`` attributes."""
    from attn_ir.dialects.attn import PatternAttr

    return {cls.FAMILY.mnemonic: cls for cls in attn_dialect().attributes
            if isinstance(cls, type) and issubclass(cls, PatternAttr)}
