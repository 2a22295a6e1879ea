"""xDSL plug-in registration: makes ``xdsl-opt`` (and ``attn-opt``) see
attn_ir's dialects and passes through the ``xdsl.universe`` entry point."""

from xdsl.universe import Universe


def _attn_dialect():
    from attn_ir.dialects import attn_dialect

    return attn_dialect()


def _cascade_dialect():
    from attn_ir.dialects.cascade import Cascade

    return Cascade


def _accel_dialect():
    from attn_ir.dialects import accel_dialect

    return accel_dialect()


def _convert_to_accel():
    from attn_ir.passes.convert_attn_to_accel import ConvertAttnToAccelPass

    return ConvertAttnToAccelPass


def _schedule_salo():
    from attn_ir.passes.accel_schedule_salo import AccelScheduleSaloPass

    return AccelScheduleSaloPass


def _schedule_fusemax():
    from attn_ir.passes.accel_schedule_fusemax import AccelScheduleFuseMaxPass

    return AccelScheduleFuseMaxPass


def _schedule_flat():
    from attn_ir.passes.accel_schedule_flat import AccelScheduleFlatPass

    return AccelScheduleFlatPass


def _double_buffer():
    from attn_ir.passes.accel_double_buffer import AccelDoubleBufferPass

    return AccelDoubleBufferPass


def _tile_dialect():
    from attn_ir.dialects import tile_dialect

    return tile_dialect()


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


def _split_parts():
    from attn_ir.passes.attn_split_parts import AttnSplitPartsPass

    return AttnSplitPartsPass


def _compact_tokens():
    from attn_ir.passes.attn_compact_tokens import AttnCompactTokensPass

    return AttnCompactTokensPass


def _convert_spatten_to_accel():
    from attn_ir.passes.convert_spatten_to_accel import ConvertSpAttenToAccelPass

    return ConvertSpAttenToAccelPass


def _polarize():
    from attn_ir.passes.attn_polarize import AttnPolarizePass

    return AttnPolarizePass


def _convert_polarized():
    from attn_ir.passes.convert_polarized_to_accel import ConvertPolarizedToAccelPass

    return ConvertPolarizedToAccelPass


ATTN_IR_UNIVERSE = Universe(
    all_dialects={"attn": _attn_dialect, "cascade": _cascade_dialect, "tile": _tile_dialect,
                  "accel": _accel_dialect},
    all_passes={
        "attn-decompose": _decompose,
        "attn-pass-count": _pass_count,
        "attn-fuse": _fuse,
        "attn-tile": _tile,
        "attn-split-parts": _split_parts,
        "attn-compact-tokens": _compact_tokens,
        "attn-polarize": _polarize,
        "convert-attn-to-accel": _convert_to_accel,
        "convert-polarized-to-accel": _convert_polarized,
        "convert-spatten-to-accel": _convert_spatten_to_accel,
        "accel-schedule-salo": _schedule_salo,
        "accel-schedule-fusemax": _schedule_fusemax,
        "accel-schedule-flat": _schedule_flat,
        "accel-double-buffer": _double_buffer,
    },
)
