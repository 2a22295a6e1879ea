"""Sparse Flash Attention's ops (Pagliardini et al., 2023): QK-dropping,
hash buckets, compaction and indexed attention (``attn.py``), their tiled
form (``tile.py``) and the indexed kernel's instructions (``accel.py``)."""

from attn_ir.dialects import DialectExtension
from attn_ir.dialects.sparse_flash import accel, attn, tile

EXTENSION = DialectExtension(
    ops={"attn": attn.OPS, "tile": tile.OPS, "accel": accel.OPS},
    attributes={"attn": attn.ATTRIBUTES, "tile": tile.ATTRIBUTES, "accel": accel.ATTRIBUTES},
)
