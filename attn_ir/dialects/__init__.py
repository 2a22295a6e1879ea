"""attn_ir's dialects, one module each, by level."""
