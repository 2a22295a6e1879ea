"""The core system's passes."""

from attn_ir.passes import PassExtension


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


def _coalesce():
    from attn_ir.passes.attn_coalesce import AttnCoalescePass

    return AttnCoalescePass


def _split_parts():
    from attn_ir.passes.attn_split_parts import AttnSplitPartsPass

    return AttnSplitPartsPass


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


EXTENSION = PassExtension(passes={
    "attn-decompose": _decompose,
    "attn-pass-count": _pass_count,
    "attn-fuse": _fuse,
    "attn-tile": _tile,
    "attn-coalesce": _coalesce,
    "attn-split-parts": _split_parts,
    "convert-attn-to-accel": _convert_to_accel,
    "accel-schedule-salo": _schedule_salo,
    "accel-schedule-fusemax": _schedule_fusemax,
    "accel-schedule-flat": _schedule_flat,
    "accel-double-buffer": _double_buffer,
})
