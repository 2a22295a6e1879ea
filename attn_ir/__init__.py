"""attn_ir: a compiler toolchain for sparse attention, built on xDSL."""

__version__ = "0.1.0"
