"""SpAtten's passes: the tiling of its progressive attention
(``tile_patterns.py``) and ``convert-spatten-to-accel``."""

from attn_ir.passes import PassExtension


def _convert_spatten_to_accel():
    from attn_ir.passes.spatten.convert_spatten_to_accel import ConvertSpAttenToAccelPass

    return ConvertSpAttenToAccelPass


def _tile_patterns(block_q: int, block_k: int):
    from attn_ir.passes.spatten.tile_patterns import tile_patterns

    return tile_patterns(block_q, block_k)


EXTENSION = PassExtension(passes={"convert-spatten-to-accel": _convert_spatten_to_accel},
                          tile_patterns=_tile_patterns)
