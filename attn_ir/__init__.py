"""attn_ir: a compiler toolchain for sparse attention, built on xDSL.

``attn_ir.compile`` turns IR into a Python callable (``attn_ir.api``);
``attn_ir.builder`` builds IR from Python.  Both are imported on first use.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    if name == "compile":
        from attn_ir.api import compile

        return compile
    if name == "builder":
        import attn_ir.builder as builder

        return builder
    raise AttributeError(f"module 'attn_ir' has no attribute '{name}'")
