"""An xDSL context with the upstream dialects and attn_ir's own."""

from __future__ import annotations

from xdsl.context import Context


def make_context(allow_unregistered: bool = False) -> Context:
    from xdsl.universe import Universe

    ctx = Context(allow_unregistered=allow_unregistered)
    for name, factory in Universe.get_multiverse().all_dialects.items():
        ctx.register_dialect(name, factory)
    return ctx
