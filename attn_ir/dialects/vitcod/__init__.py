"""ViTCoD's ops (You et al., HPCA 2023): fixed masks and their polarisation
into dense and sparse parts (``attn.py``), the Q/K auto-encoder
(``qk_autoencoder.py``) and the accelerator's instructions (``accel.py``)."""

from attn_ir.dialects import DialectExtension
from attn_ir.dialects.vitcod import accel, attn, qk_autoencoder

EXTENSION = DialectExtension(
    ops={"attn": [*attn.OPS, *qk_autoencoder.OPS], "accel": accel.OPS},
    attributes={"attn": [*attn.ATTRIBUTES, *qk_autoencoder.ATTRIBUTES],
                "accel": accel.ATTRIBUTES},
)
