"""SpAtten's ops (Wang et al., HPCA 2021): cascade token and head pruning,
top-k, gathers and progressive quantisation (``attn.py``), their tiled form
(``tile.py``) and the accelerator's instructions (``accel.py``)."""

from attn_ir.dialects import DialectExtension
from attn_ir.dialects.spatten import accel, attn, tile

EXTENSION = DialectExtension(
    ops={"attn": attn.OPS, "tile": tile.OPS, "accel": accel.OPS},
    attributes={"attn": attn.ATTRIBUTES, "tile": tile.ATTRIBUTES, "accel": accel.ATTRIBUTES},
)
