"""attn_ir's dialects, one module each, by level.

The ``attn`` dialect is the static ``attn.attention`` op and its pattern
attributes (``attn.py``) plus the ops of dynamic sparsity, each family in a
module of its own listed in ``ATTN_EXTENSIONS``; every such module exports
``OPS`` and ``ATTRIBUTES``, and ``attn_dialect()`` assembles the dialect.
``accel`` grows the same way (``ACCEL_EXTENSIONS``, e.g. a top-k unit's
instructions).
"""

from __future__ import annotations

import importlib

ATTN_EXTENSIONS: list[str] = [
    "attn_ir.dialects.spatten",
    "attn_ir.dialects.sparse_flash",
    "attn_ir.dialects.polarization",
    "attn_ir.dialects.qk_autoencoder",
]
"""Modules adding ops and attributes to the ``attn`` dialect."""

ACCEL_EXTENSIONS: list[str] = [
    "attn_ir.dialects.accel_spatten",
    "attn_ir.dialects.accel_indexed",
    "attn_ir.dialects.accel_polarized",
]
"""Modules adding instructions (and attributes) to the ``accel`` dialect."""

TILE_EXTENSIONS: list[str] = [
    "attn_ir.dialects.tile_spatten",
    "attn_ir.dialects.tile_indexed",
    "attn_ir.dialects.tile_parts",
]
"""Modules adding ops to the ``tile`` dialect (tiled forms of extension ops)."""


def _assemble(name: str, base, extensions: list[str]):
    from xdsl.ir import Dialect

    ops, attrs = list(base.operations), list(base.attributes)
    for module_name in extensions:
        module = importlib.import_module(module_name)
        ops += module.OPS
        attrs += getattr(module, "ATTRIBUTES", [])
    return Dialect(name, ops, attrs)


def attn_dialect():
    """The ``attn`` dialect with its extensions."""
    from attn_ir.dialects.attn import Attn

    return _assemble("attn", Attn, ATTN_EXTENSIONS)


def accel_dialect():
    """The ``accel`` dialect with its extensions."""
    from attn_ir.dialects.accel import Accel

    return _assemble("accel", Accel, ACCEL_EXTENSIONS)


def tile_dialect():
    """The ``tile`` dialect with its extensions."""
    from attn_ir.dialects.tile import Tile

    return _assemble("tile", Tile, TILE_EXTENSIONS)
