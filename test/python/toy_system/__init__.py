"""A toy sixth system, defined outside attn_ir to prove that a system plugs
into every layer without editing a shared file (test_extension_interface.py,
docs/architecture.md).  ``attn.toy_scale`` multiplies a tensor by a
constant; ``convert-toy-to-accel`` lowers it to ``accel.toy_scale_kernel``,
which the hardware model runs on its vector lanes, one element per lane and
cycle.  Found through ``ATTN_IR_SYSTEMS=toy_system``."""
