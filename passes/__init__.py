"""attn_ir's passes, one per module (installed as ``attn_ir.passes``)."""
