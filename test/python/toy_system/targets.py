from attn_ir.targets import Target, TargetExtension

TOY = Target(name="toy", pe_rows=1, pe_cols=1, vec_lanes=16, buffer_bytes=1 << 20,
             clock_hz=1e9, dram_bytes_per_s=1e11, lowering=("convert-toy-to-accel",),
             citation="a test-only target: 16 vector lanes at 1 GHz")

EXTENSION = TargetExtension(targets=(TOY,))
