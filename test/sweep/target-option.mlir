// The lowering passes take a target with overrides as their target option,
// quoted as MLIR quotes an attribute-valued option; that is how a design
// sweep lowers for a non-preset array size.  The kernel carries the
// attribute, so the hardware model times the overridden target.
//
// RUN: attn-opt %s -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=16 k=16},convert-attn-to-accel{target="#accel.target<\"salo\", pe_rows = 16, pe_cols = 16, clock_hz = 2.0e9>"},accel-schedule-salo' | filecheck %s
// RUN: attn-run %s --timing-only -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=16 k=16},convert-attn-to-accel{target="#accel.target<\"salo\", pe_rows = 16, pe_cols = 16>"},accel-schedule-salo' --report json | filecheck %s --check-prefix=AREA
// RUN: not attn-opt %s -p 'convert-attn-to-accel{target="#accel.target<\"salo\", pe_rows = 0>"}' 2>&1 | filecheck %s --check-prefix=ZERO
// RUN: not attn-opt %s -p 'convert-attn-to-accel{target="#accel.target<\"salo\", pe_row = 8>"}' 2>&1 | filecheck %s --check-prefix=UNKNOWN
// RUN: not attn-opt %s -p 'convert-attn-to-accel{target="#accel.target<\"tpu\">"}' 2>&1 | filecheck %s --check-prefix=PRESET

// CHECK: accel.kernel
// CHECK-SAME: target #accel.target<"salo", clock_hz = 2000000000.0, pe_cols = 16, pe_rows = 16>
// CHECK-SAME: iteration #accel.band
// The 16x16 array with SALO's global row and column: 288 PEs x 6880.2 um2
// + 32 lanes x 30571.9 um2 + 2 MiB x 2.807 um2/B = 1.982 + 0.978 + 5.886 mm2:
// AREA: "area_mm2": 8.8458
// ZERO: attn-opt: error: invalid pass pipeline {{.*}}: convert-attn-to-accel: #accel.target: 'pe_rows' must be positive, got 0
// UNKNOWN: attn-opt: error: invalid pass pipeline {{.*}}: convert-attn-to-accel: #accel.target: unknown target parameter(s): pe_row
// PRESET: attn-opt: error: invalid pass pipeline {{.*}}: convert-attn-to-accel: unknown target 'tpu'; known: flat, fusemax, salo, spatten, vitcod

func.func @lf(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 8, right = 8>, #attn.global<[0]>]> : (tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32>
  func.return %o : tensor<1x1x64x16xf32>
}
