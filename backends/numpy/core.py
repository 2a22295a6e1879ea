"""The core system's emitters beyond the tiled level (``emitter.py``):
split attention parts (``parts.py``)."""

from attn_ir.backends.numpy import parts
from attn_ir.backends.numpy.emitter import NumpyExtension

EXTENSION = NumpyExtension(emitters=parts.EMITTERS)
