"""The NumPy backend: lowered attn_ir IR → a standalone Python module that
imports only NumPy (installed as ``attn_ir.backends.numpy``).

    from attn_ir.backends.numpy import emit_module, load_module
    source = emit_module(module)        # Python source text
    out = load_module(source).FUNCTIONS["f"](q, k, v)

``attn-translate FILE --target numpy`` writes the source; ``attn-run
--backend numpy`` and ``attn_ir.compile`` emit, load and call it.
"""

from attn_ir.backends.numpy.emitter import EmitError, EmitOptions, emit_module, load_module

__all__ = ["EmitError", "EmitOptions", "emit_module", "load_module"]
