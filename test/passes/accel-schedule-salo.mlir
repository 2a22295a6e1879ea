// accel-schedule-salo: SALO's data scheduler.  A kernel whose pattern is a
// sliding window (optionally with global tokens) gets an #accel.band
// iteration: query tiles of pe_rows rows, ceil((left + right + 1) / pe_cols)
// parts of pe_cols diagonals each, the window's dilation (one, or one per
// head) and the global tokens; its body computes each part (QK, scale, exp
// without a running max, row sum, normalise, PV) and merges it into the
// output by weight; global_rows runs the global queries on the global PE
// row.  The kernel is pipelined (merging part p overlaps part p + 1); its
// double_buffer flag is kept.  Any other pattern, a mask operand, or more
// global tokens than global PEs is an error at the kernel.
//
// Chunks with tile.attention are converted first; the schedule rebuilds a
// kernel's body from its operands, pattern, scale and target, so the other
// chunks give generic kernels with a one-instruction body.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics -p 'convert-attn-to-accel{target=salo},accel-schedule-salo' | filecheck %s
// The output parses back and a second run changes nothing (a kernel
// scheduled for SALO is left alone):
// RUN: attn-opt %s --split-input-file --verify-diagnostics -p 'convert-attn-to-accel{target=salo},accel-schedule-salo' > %t1 && attn-opt %t1 --split-input-file -p accel-schedule-salo > %t2 && diff %t1 %t2

// A window of 40 keys left and 39 right (80 keys: 3 parts of 32) with
// global token 0, N = 128, D = Dv = 16, on salo (32 x 32 PEs).  A part
// reads a band of 32 + 32 - 1 keys plus the global key (64 rows of k and
// v); its scores have a column for the global key (32 x 33).
// CHECK-LABEL: func.func @window_global
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.band<rows = 32, cols = 32, parts = 3, left = 40, right = 39, dilation = [1], globals = [0]> pattern #attn.union<[#attn.window<left = 40, right = 39>, #attn.global<[0]>]> {scale = 2.500000e-01 : f64, schedule = "salo", pipeline = true, double_buffer = false} : (tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32> {
// CHECK-NEXT:    ^bb0(%q_dram: memref<1x2x128x16xf32>, %k_dram: memref<1x2x128x16xf32>, %v_dram: memref<1x2x128x16xf32>, %o_dram: memref<1x2x128x16xf32>):
// CHECK-NEXT:      %q_tile = memref.alloc() : memref<32x16xf32>
// CHECK-NEXT:      %k_band = memref.alloc() : memref<64x16xf32>
// CHECK-NEXT:      %v_band = memref.alloc() : memref<64x16xf32>
// CHECK-NEXT:      %scores = memref.alloc() : memref<32x33xf32>
// CHECK-NEXT:      %part_sum = memref.alloc() : memref<32xf32>
// CHECK-NEXT:      %total = memref.alloc() : memref<32xf32>
// CHECK-NEXT:      %part_out = memref.alloc() : memref<32x16xf32>
// CHECK-NEXT:      %output = memref.alloc() : memref<32x16xf32>
// CHECK-NEXT:      accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x2x128x16xf32>, memref<32x16xf32>
// CHECK-NEXT:      accel.fill %total {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<32xf32>
// CHECK-NEXT:      accel.fill %output {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<32x16xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %k_dram, %k_band {tile = "k", unit = "DMA"} : memref<1x2x128x16xf32>, memref<64x16xf32>
// CHECK-NEXT:        accel.dma_load %v_dram, %v_band {tile = "v", unit = "DMA"} : memref<1x2x128x16xf32>, memref<64x16xf32>
// CHECK-NEXT:        accel.sddmm %q_tile, %k_band, %scores {unit = "PE2D"} : memref<32x16xf32>, memref<64x16xf32>, memref<32x33xf32>
// CHECK-NEXT:        accel.scale %scores {factor = 2.500000e-01 : f64, unit = "PE2D"} : memref<32x33xf32>
// CHECK-NEXT:        accel.exp %scores {unit = "PE2D"} : memref<32x33xf32>
// CHECK-NEXT:        accel.reduce %scores, %part_sum {kind = "sum", unit = "PE2D"} : memref<32x33xf32>, memref<32xf32>
// CHECK-NEXT:        accel.normalize %scores, %part_sum {unit = "PE2D"} : memref<32x33xf32>, memref<32xf32>
// CHECK-NEXT:        accel.spmm %scores, %v_band, %part_out {unit = "PE2D"} : memref<32x33xf32>, memref<64x16xf32>, memref<32x16xf32>
// CHECK-NEXT:        accel.merge %output, %total, %part_out, %part_sum {unit = "VEC1D"} : memref<32x16xf32>, memref<32xf32>, memref<32x16xf32>, memref<32xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.dma_store %output, %o_dram {unit = "DMA_OUT"} : memref<32x16xf32>, memref<1x2x128x16xf32>
// CHECK-NEXT:      accel.global_rows %q_dram, %k_dram, %v_dram, %o_dram {unit = "GLOBAL"} : memref<1x2x128x16xf32>, memref<1x2x128x16xf32>, memref<1x2x128x16xf32>, memref<1x2x128x16xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o
// CHECK-NOT:     accel.max_update
func.func @window_global(%q: tensor<1x2x128x16xf32>, %k: tensor<1x2x128x16xf32>, %v: tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32> {
  %o = tile.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 40, right = 39>, #attn.global<[0]>]> tables [#tile.table<ptr = array<i32: 0, 2, 5, 8, 10>, start = array<i32: 0, 1, 0, 1, 2, 0, 2, 3, 0, 3>, count = array<i32: 1, 3, 1, 1, 2, 2, 1, 1, 3, 1>, full = array<i8: 1, 0, 0, 1, 0, 0, 1, 0, 0, 1>>] {block_q = 32 : i64, block_k = 32 : i64, scale = 2.500000e-01 : f64} : (tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32>
  func.return %o : tensor<1x2x128x16xf32>
}

// -----

// Per-head dilation 1 and 3: one dilation per head in the band; a window
// of 9 keys is one part; without global tokens the scores have no global
// column and there is no global_rows.  A lane's rows are one residue class
// modulo the dilation, so the band is rows + cols - 1 (strided) keys.
// CHECK-LABEL: func.func @dilated
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.band<rows = 32, cols = 32, parts = 1, left = 4, right = 4, dilation = [1, 3], globals = []> pattern #attn.window<left = 4, right = 4, dilation = [1, 3]> {scale = 2.500000e-01 : f64, schedule = "salo", pipeline = true, double_buffer = false}
// CHECK:           %k_band = memref.alloc() : memref<63x16xf32>
// CHECK-NEXT:      %v_band = memref.alloc() : memref<63x16xf32>
// CHECK-NEXT:      %scores = memref.alloc() : memref<32x32xf32>
// CHECK:             accel.merge
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.dma_store %output, %o_dram
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o
func.func @dilated(%q: tensor<1x2x128x16xf32>, %k: tensor<1x2x128x16xf32>, %v: tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32> {
  %o = tile.attention %q, %k, %v pattern #attn.window<left = 4, right = 4, dilation = [1, 3]> tables [#tile.table<ptr = array<i32: 0, 1, 2, 3, 4>, start = array<i32: 0, 0, 1, 2>, count = array<i32: 2, 3, 3, 2>, full = array<i8: 0, 0, 0, 0>>, #tile.table<ptr = array<i32: 0, 1, 2, 3, 4>, start = array<i32: 0, 0, 1, 2>, count = array<i32: 2, 3, 3, 2>, full = array<i8: 0, 0, 0, 0>>] {block_q = 32 : i64, block_k = 32 : i64, scale = 2.500000e-01 : f64} : (tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>, tensor<1x2x128x16xf32>) -> tensor<1x2x128x16xf32>
  func.return %o : tensor<1x2x128x16xf32>
}

// -----

// The band follows the kernel's target, here salo with 16 x 8 PEs: a
// window of 20 keys (left 12, right 7) is 3 parts of 8 diagonals; a part
// reads 16 + 8 - 1 keys.  The kernel's double_buffer flag is kept; its
// tiles and tables (8 x 8) are replaced.
// CHECK-LABEL: func.func @override
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"salo", pe_cols = 8, pe_rows = 16> iteration #accel.band<rows = 16, cols = 8, parts = 3, left = 12, right = 7, dilation = [1], globals = []> pattern #attn.window<left = 12, right = 7> {scale = 1.250000e-01 : f64, schedule = "salo", pipeline = true, double_buffer = true}
// CHECK:           %q_tile = memref.alloc() : memref<16x8xf16>
// CHECK-NEXT:      %k_band = memref.alloc() : memref<23x8xf16>
// CHECK-NEXT:      %v_band = memref.alloc() : memref<23x8xf16>
// CHECK-NEXT:      %scores = memref.alloc() : memref<16x8xf32>
func.func @override(%q: tensor<1x1x32x8xf16>, %k: tensor<1x1x32x8xf16>, %v: tensor<1x1x32x8xf16>) -> tensor<1x1x32x8xf16> {
  %o = accel.kernel %q, %k, %v target #accel.target<"salo", pe_rows = 16, pe_cols = 8> iteration #accel.blocks<q = 32, k = 32, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.window<left = 12, right = 7> {scale = 0.125 : f64, schedule = "generic", double_buffer = true} : (tensor<1x1x32x8xf16>, tensor<1x1x32x8xf16>, tensor<1x1x32x8xf16>) -> tensor<1x1x32x8xf16> {
  ^bb0(%qd: memref<1x1x32x8xf16>, %kd: memref<1x1x32x8xf16>, %vd: memref<1x1x32x8xf16>, %od: memref<1x1x32x8xf16>):
    %kb = memref.alloc() : memref<32x8xf16>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x32x8xf16>, memref<32x8xf16>
    }
  }
  func.return %o : tensor<1x1x32x8xf16>
}

// -----

// Causal attention is no sliding window.
func.func @causal(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  // expected-error @+1 {{accel-schedule-salo: SALO schedules a sliding window with global tokens; the pattern is #attn.causal}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 64, k = 64, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.causal {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  ^bb0(%qd: memref<1x1x64x16xf32>, %kd: memref<1x1x64x16xf32>, %vd: memref<1x1x64x16xf32>, %od: memref<1x1x64x16xf32>):
    %kb = memref.alloc() : memref<64x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x64x16xf32>, memref<64x16xf32>
    }
  }
  func.return %o : tensor<1x1x64x16xf32>
}

// -----

// Two windows in one union are no single band.
func.func @two_windows(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  // expected-error @+1 {{accel-schedule-salo: SALO schedules a sliding window with global tokens; the pattern is #attn.union<[#attn.window<left = 2, right = 2>, #attn.window<left = 8, right = 0, dilation = 4>]>}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 64, k = 64, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.union<[#attn.window<left = 2, right = 2>, #attn.window<left = 8, right = 0, dilation = 4>]> {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  ^bb0(%qd: memref<1x1x64x16xf32>, %kd: memref<1x1x64x16xf32>, %vd: memref<1x1x64x16xf32>, %od: memref<1x1x64x16xf32>):
    %kb = memref.alloc() : memref<64x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x64x16xf32>, memref<64x16xf32>
    }
  }
  func.return %o : tensor<1x1x64x16xf32>
}

// -----

// salo has one global PE row and column: two global tokens do not fit.
func.func @two_globals(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  // expected-error @+1 {{accel-schedule-salo: 2 global tokens need more than the target's 1 global PE row(s)}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 64, k = 64, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.union<[#attn.window<left = 4, right = 4>, #attn.global<[0, 5]>]> {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  ^bb0(%qd: memref<1x1x64x16xf32>, %kd: memref<1x1x64x16xf32>, %vd: memref<1x1x64x16xf32>, %od: memref<1x1x64x16xf32>):
    %kb = memref.alloc() : memref<64x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x64x16xf32>, memref<64x16xf32>
    }
  }
  func.return %o : tensor<1x1x64x16xf32>
}

// -----

// With two global PE rows (an override), two global tokens fit: the
// scores get two global columns.
// CHECK-LABEL: func.func @two_globals_fit
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"salo", global_cols = 2, global_rows = 2> iteration #accel.band<rows = 32, cols = 32, parts = 1, left = 4, right = 4, dilation = [1], globals = [0, 5]>
// CHECK:           %k_band = memref.alloc() : memref<65x16xf32>
// CHECK:           %scores = memref.alloc() : memref<32x34xf32>
// CHECK:           accel.global_rows
func.func @two_globals_fit(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"salo", global_rows = 2, global_cols = 2> iteration #accel.blocks<q = 64, k = 64, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.union<[#attn.window<left = 4, right = 4>, #attn.global<[5, 0]>]> {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  ^bb0(%qd: memref<1x1x64x16xf32>, %kd: memref<1x1x64x16xf32>, %vd: memref<1x1x64x16xf32>, %od: memref<1x1x64x16xf32>):
    %kb = memref.alloc() : memref<64x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x64x16xf32>, memref<64x16xf32>
    }
  }
  func.return %o : tensor<1x1x64x16xf32>
}

// -----

// A mask operand cannot be scheduled as a band.
func.func @mask(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>, %m: tensor<1x1x64x64xi1>) -> tensor<1x1x64x16xf32> {
  // expected-error @+1 {{accel-schedule-salo: SALO schedules a sliding window with global tokens; the pattern is #attn.intersect<[#attn.window<left = 4, right = 4>, #attn.mask]>}}
  %o = accel.kernel %q, %k, %v, %m target #accel.target<"salo"> iteration #accel.blocks<q = 64, k = 64, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.intersect<[#attn.window<left = 4, right = 4>, #attn.mask]> {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x64xi1>) -> tensor<1x1x64x16xf32> {
  ^bb0(%qd: memref<1x1x64x16xf32>, %kd: memref<1x1x64x16xf32>, %vd: memref<1x1x64x16xf32>, %md: memref<1x1x64x64xi1>, %od: memref<1x1x64x16xf32>):
    %kb = memref.alloc() : memref<64x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x64x16xf32>, memref<64x16xf32>
    }
  }
  func.return %o : tensor<1x1x64x16xf32>
}
