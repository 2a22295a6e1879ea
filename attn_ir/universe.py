"""xDSL plug-in registration: makes ``xdsl-opt`` (and ``attn-opt``) see
attn_ir's dialects and passes through the ``xdsl.universe`` entry point."""

from xdsl.universe import Universe


def _attn_dialect():
    from attn_ir.dialects.attn import Attn

    return Attn


ATTN_IR_UNIVERSE = Universe(
    all_dialects={"attn": _attn_dialect},
    all_passes={},
)
