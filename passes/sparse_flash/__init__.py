"""Sparse Flash Attention's passes: ``attn-compact-tokens``, the indexed
tiling (``tile_patterns.py``) and the lowering of tiled indexed attention
to the indexed kernel (``accel_patterns.py``)."""

from attn_ir.passes import PassExtension


def _compact_tokens():
    from attn_ir.passes.sparse_flash.attn_compact_tokens import AttnCompactTokensPass

    return AttnCompactTokensPass


def _tile_patterns(block_q: int, block_k: int):
    from attn_ir.passes.sparse_flash.tile_patterns import tile_patterns

    return tile_patterns(block_q, block_k)


def _accel_patterns(target):
    from attn_ir.passes.sparse_flash.accel_patterns import conversion_patterns

    return conversion_patterns(target)


EXTENSION = PassExtension(passes={"attn-compact-tokens": _compact_tokens},
                          tile_patterns=_tile_patterns, accel_patterns=_accel_patterns)
