"""attn_ir's dialects, one module each, by level.

The ``attn`` dialect is the static ``attn.attention`` op and its pattern
attributes (``attn.py``) plus the ops of dynamic sparsity, each family in a
module of its own listed in ``ATTN_EXTENSIONS``; every such module exports
``OPS`` and ``ATTRIBUTES``, and ``attn_dialect()`` assembles the dialect.
"""

from __future__ import annotations

import importlib

ATTN_EXTENSIONS: list[str] = []
"""Modules adding ops and attributes to the ``attn`` dialect."""


def attn_dialect():
    """The ``attn`` dialect with its extensions."""
    from xdsl.ir import Dialect

    from attn_ir.dialects.attn import Attn

    ops, attrs = list(Attn.operations), list(Attn.attributes)
    for name in ATTN_EXTENSIONS:
        module = importlib.import_module(name)
        ops += module.OPS
        attrs += getattr(module, "ATTRIBUTES", [])
    return Dialect("attn", ops, attrs)
