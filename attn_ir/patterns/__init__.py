"""The pattern library: who attends whom, without an N x N matrix.

Every family answers the same questions (``attends``, ``nnz``,
``tile_table``); the verifier, the reference, tiling, the backends and the
statistics all ask it.  ``parse`` builds a pattern from its IR text and
``str(pattern)`` prints it back.
"""

from attn_ir.patterns.base import (
    DENSE_MASK_LIMIT,
    UNKNOWN,
    Domain,
    Pattern,
    PatternError,
    TileRuns,
    TileTable,
)
from attn_ir.patterns.families import (
    ALL_FAMILIES,
    BlockLocal,
    Causal,
    Dense,
    Fixed,
    Global,
    Intersection,
    MaskOperand,
    RandomBlocks,
    Strided,
    Union,
    Window,
    Window2D,
)
from attn_ir.patterns.simplify import simplify
from attn_ir.patterns.tiles import Tiles
from attn_ir.patterns.text import format_parameters, print_pattern

__all__ = [
    "ALL_FAMILIES", "DENSE_MASK_LIMIT", "UNKNOWN", "BlockLocal", "Causal", "Dense",
    "Domain", "Fixed", "Global", "Intersection", "MaskOperand", "Pattern",
    "PatternError", "RandomBlocks", "Strided", "TileRuns", "TileTable", "Tiles", "Union",
    "Window", "Window2D", "format_parameters", "print_pattern", "simplify",
]
