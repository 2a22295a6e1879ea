"""The element type of a preset's IR (``attn-ir preset --dtype f16``).

Presets are written in f32; a 16-bit datapath (SALO's, say) wants the same
workload in f16 or bf16.  ``build_module`` builds the plain presets' tensors
in the chosen type directly; a preset with its own builder (a system's
dynamic-sparsity presets) is built in f32 and its f32 tensors are converted
with xDSL's ``TypeConversionPattern`` (results, block arguments, the
function's type), then verified: a preset whose ops need f32 somewhere is a
one-line error naming the op, never IR that does not verify.
"""

from __future__ import annotations

from xdsl.dialects.builtin import (
    BFloat16Type,
    Float16Type,
    Float32Type,
    ModuleOp,
    TensorType,
)
from xdsl.ir import Attribute
from xdsl.pattern_rewriter import PatternRewriteWalker, TypeConversionPattern
from xdsl.utils.exceptions import DiagnosticException, VerifyException

PRESET_DTYPES = {"f32": Float32Type, "f16": Float16Type, "bf16": BFloat16Type}
"""Element types a preset can be built in (``--dtype``)."""


def element_type(dtype: str) -> Attribute:
    """The xDSL type of a ``--dtype`` name; ValueError for others."""
    if dtype not in PRESET_DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(PRESET_DTYPES)}, got '{dtype}'")
    return PRESET_DTYPES[dtype]()


class _F32Tensors(TypeConversionPattern):
    """f32 tensors (anywhere in a type, with ``recursive``) become tensors of
    ``element``; every other type is kept."""

    def __init__(self, element: Attribute):
        super().__init__(recursive=True)
        self.element = element

    def convert_type(self, typ: Attribute, /) -> Attribute | None:
        if isinstance(typ, TensorType) and isinstance(typ.element_type, Float32Type):
            return TensorType(self.element, typ.get_shape())
        return None


def convert_f32_tensors(module: ModuleOp, dtype: str) -> ModuleOp:
    """``module`` with its f32 tensors in ``dtype``, verified.  Raises
    ValueError naming the op that does not take the type."""
    element = element_type(dtype)
    if isinstance(element, Float32Type):
        return module
    PatternRewriteWalker(_F32Tensors(element), apply_recursively=False).rewrite_module(module)
    try:
        module.verify()
    except (VerifyException, DiagnosticException) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"its IR does not take element type {dtype}: {first}") from None
    return module
