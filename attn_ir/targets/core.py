"""The core system's targets: SALO, FuseMax and FLAT (sources in each
record's ``citation``)."""

from attn_ir.targets import Target, TargetExtension

_ON_ARRAY = tuple((k, "PE2D") for k in ("scale", "exp", "reduce_sum", "normalize"))
"""SALO computes the softmax in its PEs."""

SALO = Target(
    name="salo", pe_rows=32, pe_cols=32, vec_lanes=32, global_rows=1, global_cols=1,
    buffer_bytes=2 * 1024 * 1024, clock_hz=1e9, dram_bytes_per_s=128e9,
    elem_bits=16, exp="pwl", exp_segments=16, exp_cycles=1, step_overhead=1,
    units=_ON_ARRAY, schedule="salo",
    citation=(
        "Shen et al., SALO, DAC 2022: 32x32 PE array with one global row and "
        "one global column at 1 GHz; per iteration the array spends d cycles on "
        "QK, 1 scaling, 1 exp, cols for the row sum, 1 normalising, d on AV and "
        "1 flushing; piecewise-linear exp in the PEs.  The published model keeps "
        "operands on chip; the 128 GB/s DRAM and 2 MiB buffer are this "
        "project's assumptions."),
)

FUSEMAX = Target(
    name="fusemax", pe_rows=256, pe_cols=256, vec_lanes=256,
    buffer_bytes=16 * 1024 * 1024, clock_hz=940e6, dram_bytes_per_s=400 * 2**30,
    elem_bits=16, exp="exact", exp_cycles=1, exp_macs=6, exp_adds=1, state_bits=16,
    clear_on_first_write=1, pe_reduce="network", schedule="fusemax",
    units=(("exp", "PE2D"), ("scale", "PE2D"), ("reduce_max", "PE2D"),
           ("reduce_sum", "PE2D")),
    citation=(
        "Nelson et al., FuseMax, MICRO 2024: 256x256 2-D array and 256-lane 1-D "
        "array, 16 MiB global buffer, 940 MHz, 400 GiB/s DRAM; the 2-D PEs also "
        "compute exp and reduce over m0 spatially; the 1-D array keeps the "
        "running max, sum and rescale.  From the artifact "
        "(github.com/FPSG-UIUC/micro24-fusemax-artifact, src/accel/proposal.py): "
        "an exp costs 6 MACs + 1 add (compute_cost of SLN and PRM), every other "
        "Einsum one operation per element; the running state (RM, RD, RNV) and Q "
        "are 2-byte values in the buffer (used_space_per_p = (E + 1 + 1 + F) * 2); "
        "spatial reductions cost one cycle (Timeloop's reduction network); the "
        "initial state RNV[0] = 0 is not an operation (clear_on_first_write)."),
)

FLAT = Target(
    name="flat", pe_rows=256, pe_cols=256, vec_lanes=256,
    buffer_bytes=32 * 1024 * 1024, clock_hz=940e6, dram_bytes_per_s=400 * 2**30,
    elem_bits=16, exp="exact", exp_cycles=1, units=(("scale", "PE2D"),), schedule="flat",
    clear_on_first_write=1,
    citation=(
        "Kao et al., FLAT, ASPLOS 2023, as the FuseMax paper models it: the same "
        "256x256 2-D and 256-lane 1-D arrays, 940 MHz, 400 GiB/s, given a 32 MiB "
        "buffer; softmax on the 1-D array as four passes (max, exp, sum, divide) "
        "of one pipelined operation per element each (the artifact's "
        "src/accel/stable_softmax.py: 'multi-cycle operations (exp, div) can be "
        "pipelined'); 2-byte scores."),
)

EXTENSION = TargetExtension(targets=(SALO, FUSEMAX, FLAT))
