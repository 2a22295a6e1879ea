"""attn_ir's backends, one per package (installed as ``attn_ir.backends``)."""
