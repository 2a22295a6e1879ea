"""attn_ir and the tools around it.

* ``attn_ir.interop.mlir_opt``: the generic form of attn_ir IR through
  LLVM's own ``mlir-opt`` and back (the round trip CI checks).
* ``attn_ir.interop.flex``: PyTorch FlexAttention ``BlockMask`` built from a
  pattern, and a pattern read from a ``mask_mod`` (needs the ``interop``
  extra: torch).
* ``attn_ir.interop.hf``: Hugging Face ``config.json`` files as presets.
* ``attn_ir.interop.deepspeed``: DeepSpeed sparsity configurations as
  patterns.

Nothing here is imported by the rest of attn_ir: each module is a door
between attn_ir and one outside tool.
"""
