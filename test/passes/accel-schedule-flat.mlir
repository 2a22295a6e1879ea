// accel-schedule-flat: the FLAT baseline as the FuseMax paper's artifact
// models it.  A lane is a block of R = pe_rows query rows; its first
// accel.step loop streams the Q and K tile of every key tile of the lane's
// tile-table row (Q, K and V bypass the buffer), computes that slice of a
// row buffer of 2-byte scores (R x width * pe_cols, width the key tiles of
// the widest row) on the 2-D array, and folds it into the row max on the
// 1-D array (the max pass, streaming behind QK).  The exp and sum passes
// run over whole rows between the loops (the softmax scale folded into the
// exp); the second loop divides a slice (the divide pass) and multiplies it
// by its value tile.  overlap_lanes lets the next row block's first QK run
// ahead of this block's last PV.  Rows of scores that do not fit beside
// the other buffers spill (accel.spill: QK stores their slices, the exp and
// sum passes load and store them once, PV loads them again).  A row buffer
// whose lanes do not all visit every column is filled with -inf first.  A
// mask operand, or a buffer without room for two rows of scores, is an
// error at the kernel.
//
// Chunks with tile.attention are converted first; the schedule rebuilds a
// kernel's body from its operands, pattern, scale and target, so the other
// chunks give generic kernels with a one-instruction body.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics -p 'convert-attn-to-accel{target=flat},accel-schedule-flat' | filecheck %s
// The output parses back and a second run changes nothing (a kernel
// scheduled for FLAT is left alone):
// RUN: attn-opt %s --split-input-file --verify-diagnostics -p 'convert-attn-to-accel{target=flat},accel-schedule-flat' > %t1 && attn-opt %t1 --split-input-file -p accel-schedule-flat > %t2 && diff %t1 %t2

// Causal, N = 1024, D = Dv = 64 in f16, two heads, tiled 256 x 256: the
// last query tile touches all 4 key tiles, so the row buffer holds 1024
// scores per row; the first touches one, so the buffer is filled with -inf.
// 256 rows fit flat's 32 MiB: nothing spills.
// CHECK-LABEL: func.func @causal
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"flat"> iteration #accel.blocks<q = 256, k = 256, tables = [#tile.table<ptr = array<i32: 0, 1, 3, 5, 7>, start = array<i32: 0, 0, 1, 0, 2, 0, 3>, count = array<i32: 1, 1, 1, 2, 1, 3, 1>, full = array<i8: 0, 1, 0, 1, 0, 1, 0>>]> pattern #attn.causal {scale = 1.250000e-01 : f64, schedule = "flat", double_buffer = true, overlap_lanes = true} : (tensor<1x2x1024x64xf16>, tensor<1x2x1024x64xf16>, tensor<1x2x1024x64xf16>) -> tensor<1x2x1024x64xf16> {
// CHECK-NEXT:    ^bb0(%q_dram: memref<1x2x1024x64xf16>, %k_dram: memref<1x2x1024x64xf16>, %v_dram: memref<1x2x1024x64xf16>, %o_dram: memref<1x2x1024x64xf16>):
// CHECK-NEXT:      %q_tile = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %k_tile = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %v_tile = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %score_rows = memref.alloc() : memref<256x1024xf16>
// CHECK-NEXT:      %row_max = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %row_sum = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %output = memref.alloc() : memref<256x64xf32>
// CHECK-NEXT:      accel.fill %score_rows {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<256x1024xf16>
// CHECK-NEXT:      accel.fill %row_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<256xf32>
// CHECK-NEXT:      accel.fill %output {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<256x64xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x2x1024x64xf16>, memref<256x64xf16>
// CHECK-NEXT:        accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x2x1024x64xf16>, memref<256x64xf16>
// CHECK-NEXT:        accel.sddmm %q_tile, %k_tile, %score_rows {sliced = true, unit = "PE2D"} : memref<256x64xf16>, memref<256x64xf16>, memref<256x1024xf16>
// CHECK-NEXT:        accel.reduce %score_rows, %row_max {kind = "max", sliced = true, unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.exp %score_rows shift %row_max {factor = 1.250000e-01 : f64, unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
// CHECK-NEXT:      accel.reduce %score_rows, %row_sum {kind = "sum", unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.normalize %score_rows, %row_sum {sliced = true, unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
// CHECK-NEXT:        accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x2x1024x64xf16>, memref<256x64xf16>
// CHECK-NEXT:        accel.spmm %score_rows, %v_tile, %output {sliced = true, unit = "PE2D"} : memref<256x1024xf16>, memref<256x64xf16>, memref<256x64xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.dma_store %output, %o_dram {unit = "DMA_OUT"} : memref<256x64xf32>, memref<1x2x1024x64xf16>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o : tensor<1x2x1024x64xf16>
func.func @causal(%q: tensor<1x2x1024x64xf16>, %k: tensor<1x2x1024x64xf16>, %v: tensor<1x2x1024x64xf16>) -> tensor<1x2x1024x64xf16> {
  %o = tile.attention %q, %k, %v pattern #attn.causal tables [#tile.table<ptr = array<i32: 0, 1, 3, 5, 7>, start = array<i32: 0, 0, 1, 0, 2, 0, 3>, count = array<i32: 1, 1, 1, 2, 1, 3, 1>, full = array<i8: 0, 1, 0, 1, 0, 1, 0>>] {block_q = 256 : i64, block_k = 256 : i64, scale = 1.250000e-01 : f64} : (tensor<1x2x1024x64xf16>, tensor<1x2x1024x64xf16>, tensor<1x2x1024x64xf16>) -> tensor<1x2x1024x64xf16>
  func.return %o : tensor<1x2x1024x64xf16>
}

// -----

// The row buffer is as wide as the widest tile-table row, not the
// sequence: a window of 300 keys either side, N = 4096, reaches keys
// 256t - 300 .. 256t + 555 from query tile t, at most 5 key tiles, so
// 5 * 256 = 1280 scores per row (not 4096).
// CHECK-LABEL: func.func @window
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"flat"> iteration #accel.blocks<q = 256, k = 256, tables = [#tile.table<ptr = array<i32: 0, 2, 5, 8, {{.*}}, 44, 46>, {{.*}}>]> pattern #attn.window<left = 300, right = 300> {scale = 1.250000e-01 : f64, schedule = "flat", double_buffer = true, overlap_lanes = true}
// CHECK:           %score_rows = memref.alloc() : memref<256x1280xf16>
// CHECK:           accel.fill %score_rows {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<256x1280xf16>
// CHECK:             accel.sddmm %q_tile, %k_tile, %score_rows {sliced = true, unit = "PE2D"} : memref<256x64xf16>, memref<256x64xf16>, memref<256x1280xf16>
// CHECK:             accel.spmm %score_rows, %v_tile, %output {sliced = true, unit = "PE2D"} : memref<256x1280xf16>, memref<256x64xf16>, memref<256x64xf32>
func.func @window(%q: tensor<1x1x4096x64xf16>, %k: tensor<1x1x4096x64xf16>, %v: tensor<1x1x4096x64xf16>) -> tensor<1x1x4096x64xf16> {
  %o = accel.kernel %q, %k, %v target #accel.target<"flat"> iteration #accel.blocks<q = 4096, k = 4096, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.window<left = 300, right = 300> {scale = 0.125 : f64, schedule = "generic"} : (tensor<1x1x4096x64xf16>, tensor<1x1x4096x64xf16>, tensor<1x1x4096x64xf16>) -> tensor<1x1x4096x64xf16> {
  ^bb0(%qd: memref<1x1x4096x64xf16>, %kd: memref<1x1x4096x64xf16>, %vd: memref<1x1x4096x64xf16>, %od: memref<1x1x4096x64xf16>):
    %kb = memref.alloc() : memref<256x64xf16>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4096x64xf16>, memref<256x64xf16>
    }
  }
  func.return %o : tensor<1x1x4096x64xf16>
}

// -----

// Dense, N = 1024, on flat with half a MiB: the other buffers need 264192
// bytes (q, k and v tiles 2 * 256 * 64 * 2 each, row max and sum 1024
// each, output 256 * 64 * 4), leaving room for 127 rows of 1024 2-byte
// scores; one of them stages the spilled rows, so 256 - 126 = 130 rows
// spill.  Every lane visits every key tile: no -inf fill.
// CHECK-LABEL: func.func @spilled
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"flat", buffer_bytes = 524288> iteration #accel.blocks<q = 256, k = 256, tables = [#tile.table<ptr = array<i32: 0, 1, 2, 3, 4>, start = array<i32: 0, 0, 0, 0>, count = array<i32: 4, 4, 4, 4>, full = array<i8: 1, 1, 1, 1>>]> pattern #attn.dense {scale = 1.250000e-01 : f64, schedule = "flat", double_buffer = true, overlap_lanes = true} : (tensor<1x1x1024x64xf16>, tensor<1x1x1024x64xf16>, tensor<1x1x1024x64xf16>) -> tensor<1x1x1024x64xf16> {
// CHECK-NEXT:    ^bb0(%q_dram: memref<1x1x1024x64xf16>, %k_dram: memref<1x1x1024x64xf16>, %v_dram: memref<1x1x1024x64xf16>, %o_dram: memref<1x1x1024x64xf16>):
// CHECK-NEXT:      %q_tile = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %k_tile = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %v_tile = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %score_rows = memref.alloc() : memref<256x1024xf16>
// CHECK-NEXT:      %row_max = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %row_sum = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %output = memref.alloc() : memref<256x64xf32>
// CHECK-NEXT:      accel.fill %row_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<256xf32>
// CHECK-NEXT:      accel.fill %output {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<256x64xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x1x1024x64xf16>, memref<256x64xf16>
// CHECK-NEXT:        accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x1x1024x64xf16>, memref<256x64xf16>
// CHECK-NEXT:        accel.sddmm %q_tile, %k_tile, %score_rows {sliced = true, unit = "PE2D"} : memref<256x64xf16>, memref<256x64xf16>, memref<256x1024xf16>
// CHECK-NEXT:        accel.reduce %score_rows, %row_max {kind = "max", sliced = true, unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
// CHECK-NEXT:        accel.spill %score_rows {rows = 130 : i64, direction = "store", sliced = true, unit = "DMA"} : memref<256x1024xf16>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.spill %score_rows {rows = 130 : i64, direction = "load", unit = "DMA"} : memref<256x1024xf16>
// CHECK-NEXT:      accel.exp %score_rows shift %row_max {factor = 1.250000e-01 : f64, unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
// CHECK-NEXT:      accel.reduce %score_rows, %row_sum {kind = "sum", unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
// CHECK-NEXT:      accel.spill %score_rows {rows = 130 : i64, direction = "store", unit = "DMA"} : memref<256x1024xf16>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.spill %score_rows {rows = 130 : i64, direction = "load", sliced = true, unit = "DMA"} : memref<256x1024xf16>
// CHECK-NEXT:        accel.normalize %score_rows, %row_sum {sliced = true, unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
// CHECK-NEXT:        accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x1x1024x64xf16>, memref<256x64xf16>
// CHECK-NEXT:        accel.spmm %score_rows, %v_tile, %output {sliced = true, unit = "PE2D"} : memref<256x1024xf16>, memref<256x64xf16>, memref<256x64xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.dma_store %output, %o_dram {unit = "DMA_OUT"} : memref<256x64xf32>, memref<1x1x1024x64xf16>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o : tensor<1x1x1024x64xf16>
func.func @spilled(%q: tensor<1x1x1024x64xf16>, %k: tensor<1x1x1024x64xf16>, %v: tensor<1x1x1024x64xf16>) -> tensor<1x1x1024x64xf16> {
  %o = accel.kernel %q, %k, %v target #accel.target<"flat", buffer_bytes = 524288> iteration #accel.blocks<q = 1024, k = 1024, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.125 : f64, schedule = "generic"} : (tensor<1x1x1024x64xf16>, tensor<1x1x1024x64xf16>, tensor<1x1x1024x64xf16>) -> tensor<1x1x1024x64xf16> {
  ^bb0(%qd: memref<1x1x1024x64xf16>, %kd: memref<1x1x1024x64xf16>, %vd: memref<1x1x1024x64xf16>, %od: memref<1x1x1024x64xf16>):
    %kb = memref.alloc() : memref<256x64xf16>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x1024x64xf16>, memref<256x64xf16>
    }
  }
  func.return %o : tensor<1x1x1024x64xf16>
}

// -----

// 1000 bytes do not even hold the double-buffered tiles: q, k and v 2 * 256
// * 64 * 2 = 65536 each, row state 2048, output 256 * 64 * 4 = 65536.
func.func @too_small(%q: tensor<1x1x1024x64xf16>, %k: tensor<1x1x1024x64xf16>, %v: tensor<1x1x1024x64xf16>) -> tensor<1x1x1024x64xf16> {
  // expected-error @+1 {{accel-schedule-flat: buffers do not fit target 'flat': the FLAT schedule needs two rows of scores (4096 bytes) beside its other buffers (264192 bytes), 1000 bytes are available}}
  %o = accel.kernel %q, %k, %v target #accel.target<"flat", buffer_bytes = 1000> iteration #accel.blocks<q = 1024, k = 1024, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.125 : f64, schedule = "generic"} : (tensor<1x1x1024x64xf16>, tensor<1x1x1024x64xf16>, tensor<1x1x1024x64xf16>) -> tensor<1x1x1024x64xf16> {
  ^bb0(%qd: memref<1x1x1024x64xf16>, %kd: memref<1x1x1024x64xf16>, %vd: memref<1x1x1024x64xf16>, %od: memref<1x1x1024x64xf16>):
    %kb = memref.alloc() : memref<256x64xf16>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x1024x64xf16>, memref<256x64xf16>
    }
  }
  func.return %o : tensor<1x1x1024x64xf16>
}

// -----

func.func @mask(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>, %m: tensor<1x1x64x64xi1>) -> tensor<1x1x64x16xf32> {
  // expected-error @+1 {{accel-schedule-flat: the FLAT schedule does not take a mask operand}}
  %o = accel.kernel %q, %k, %v, %m target #accel.target<"flat"> iteration #accel.blocks<q = 64, k = 64, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.mask {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x64xi1>) -> tensor<1x1x64x16xf32> {
  ^bb0(%qd: memref<1x1x64x16xf32>, %kd: memref<1x1x64x16xf32>, %vd: memref<1x1x64x16xf32>, %md: memref<1x1x64x64xi1>, %od: memref<1x1x64x16xf32>):
    %kb = memref.alloc() : memref<64x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x64x16xf32>, memref<64x16xf32>
    }
  }
  func.return %o : tensor<1x1x64x16xf32>
}
