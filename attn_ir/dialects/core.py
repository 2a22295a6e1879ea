"""The core system's dialects: the bases of ``attn``, ``cascade``, ``tile``
and ``accel``."""

from attn_ir.dialects import DialectExtension
from attn_ir.dialects.accel import Accel
from attn_ir.dialects.attn import Attn
from attn_ir.dialects.cascade import Cascade
from attn_ir.dialects.tile import Tile
from attn_ir.dialects import tile_parts
from attn_ir.dialects.tile_coalesced import CoalescedAttr

EXTENSION = DialectExtension(
    ops={**{d.name: tuple(d.operations) for d in (Attn, Cascade, Tile, Accel)},
         "tile": (*Tile.operations, *tile_parts.OPS)},
    attributes={**{d.name: tuple(d.attributes) for d in (Attn, Cascade, Tile, Accel)},
                "tile": (*Tile.attributes, CoalescedAttr)},
)
