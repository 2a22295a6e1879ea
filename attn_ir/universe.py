"""xDSL plug-in registration: makes ``xdsl-opt`` (and ``attn-opt``) see
attn_ir's dialects and passes through the ``xdsl.universe`` entry point."""

from xdsl.universe import Universe


def _attn_dialect():
    from attn_ir.dialects.attn import Attn

    return Attn


def _cascade_dialect():
    from attn_ir.dialects.cascade import Cascade

    return Cascade


def _tile_dialect():
    from attn_ir.dialects.tile import Tile

    return Tile


def _decompose():
    from attn_ir.passes.attn_decompose import AttnDecomposePass

    return AttnDecomposePass


def _pass_count():
    from attn_ir.passes.attn_pass_count import AttnPassCountPass

    return AttnPassCountPass


def _fuse():
    from attn_ir.passes.attn_fuse import AttnFusePass

    return AttnFusePass


def _tile():
    from attn_ir.passes.attn_tile import AttnTilePass

    return AttnTilePass


ATTN_IR_UNIVERSE = Universe(
    all_dialects={"attn": _attn_dialect, "cascade": _cascade_dialect, "tile": _tile_dialect},
    all_passes={
        "attn-decompose": _decompose,
        "attn-pass-count": _pass_count,
        "attn-fuse": _fuse,
        "attn-tile": _tile,
    },
)
