// accel-schedule-flat: the FLAT baseline as the FuseMax paper models it.
// For a block of R query rows the kernel runs two accel.step loops over
// the key tiles of the lane's tile-table row: the first computes the scores
// against every key tile into a row buffer (R x width * pe_cols, width the
// key tiles of the widest row), then softmax runs over whole rows on the
// 1-D array, then the second loop multiplies by every value tile.  QK and
// PV are sliced (each step owns its pe_cols columns of the row buffer) and
// weight-stationary (dataflow = "ws").  R is the largest power of two up
// to pe_rows whose buffers fit the target; K/V loads are double-buffered,
// nothing is pipelined.  A mask operand, or buffers that do not fit even
// at R = 1, are errors at the kernel.
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
// scores per row.  256 rows fit flat's 32 MiB.  Units: scale on the 2-D
// array, the softmax on the 1-D array.
// CHECK-LABEL: func.func @causal
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"flat"> iteration #accel.blocks<q = 256, k = 256, tables = [#tile.table<ptr = array<i32: 0, 1, 3, 5, 7>, start = array<i32: 0, 0, 1, 0, 2, 0, 3>, count = array<i32: 1, 1, 1, 2, 1, 3, 1>, full = array<i8: 0, 1, 0, 1, 0, 1, 0>>]> pattern #attn.causal {scale = 1.250000e-01 : f64, schedule = "flat", double_buffer = true} : (tensor<1x2x1024x64xf16>, tensor<1x2x1024x64xf16>, tensor<1x2x1024x64xf16>) -> tensor<1x2x1024x64xf16> {
// CHECK-NEXT:    ^bb0(%q_dram: memref<1x2x1024x64xf16>, %k_dram: memref<1x2x1024x64xf16>, %v_dram: memref<1x2x1024x64xf16>, %o_dram: memref<1x2x1024x64xf16>):
// CHECK-NEXT:      %q_rows = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %k_tile = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %v_tile = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %score_rows = memref.alloc() : memref<256x1024xf32>
// CHECK-NEXT:      %row_max = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %row_sum = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %output = memref.alloc() : memref<256x64xf32>
// CHECK-NEXT:      accel.dma_load %q_dram, %q_rows {tile = "q", unit = "DMA"} : memref<1x2x1024x64xf16>, memref<256x64xf16>
// CHECK-NEXT:      accel.fill %score_rows {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<256x1024xf32>
// CHECK-NEXT:      accel.fill %output {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<256x64xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x2x1024x64xf16>, memref<256x64xf16>
// CHECK-NEXT:        accel.sddmm %q_rows, %k_tile, %score_rows {sliced = true, dataflow = "ws", unit = "PE2D"} : memref<256x64xf16>, memref<256x64xf16>, memref<256x1024xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.scale %score_rows {factor = 1.250000e-01 : f64, unit = "PE2D"} : memref<256x1024xf32>
// CHECK-NEXT:      accel.reduce %score_rows, %row_max {kind = "max", unit = "VEC1D"} : memref<256x1024xf32>, memref<256xf32>
// CHECK-NEXT:      accel.exp %score_rows shift %row_max {unit = "VEC1D"} : memref<256x1024xf32>, memref<256xf32>
// CHECK-NEXT:      accel.reduce %score_rows, %row_sum {kind = "sum", unit = "VEC1D"} : memref<256x1024xf32>, memref<256xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x2x1024x64xf16>, memref<256x64xf16>
// CHECK-NEXT:        accel.spmm %score_rows, %v_tile, %output {sliced = true, dataflow = "ws", unit = "PE2D"} : memref<256x1024xf32>, memref<256x64xf16>, memref<256x64xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.normalize %output, %row_sum {unit = "VEC1D"} : memref<256x64xf32>, memref<256xf32>
// CHECK-NEXT:      accel.dma_store %output, %o_dram {unit = "DMA_OUT"} : memref<256x64xf32>, memref<1x2x1024x64xf16>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o
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
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"flat"> iteration #accel.blocks<q = 256, k = 256, tables = [#tile.table<ptr = array<i32: 0, 2, 5, 8, {{.*}}, 44, 46>, {{.*}}>]> pattern #attn.window<left = 300, right = 300> {scale = 1.250000e-01 : f64, schedule = "flat", double_buffer = true}
// CHECK:           %score_rows = memref.alloc() : memref<256x1280xf32>
// CHECK:             accel.sddmm %q_rows, %k_tile, %score_rows {sliced = true, dataflow = "ws", unit = "PE2D"} : memref<256x64xf16>, memref<256x64xf16>, memref<256x1280xf32>
// CHECK:             accel.spmm %score_rows, %v_tile, %output {sliced = true, dataflow = "ws", unit = "PE2D"} : memref<256x1280xf32>, memref<256x64xf16>, memref<256x64xf32>
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

// Dense, N = 1024, on flat with a 1 MiB buffer: 256 rows of 1024 f32
// scores are 1 MiB alone, so R halves to 128 (scores 524288 bytes, the
// doubled q rows 32768, k and v tiles 131072, row state 1024, output
// 32768: 721920 bytes).  The key tiles stay 256 wide; the table is
// recomputed for 128-row query tiles.
// CHECK-LABEL: func.func @halved
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"flat", buffer_bytes = 1048576> iteration #accel.blocks<q = 128, k = 256, tables = [#tile.table<ptr = array<i32: 0, 1, 2, 3, 4, 5, 6, 7, 8>, start = array<i32: 0, 0, 0, 0, 0, 0, 0, 0>, count = array<i32: 4, 4, 4, 4, 4, 4, 4, 4>, full = array<i8: 1, 1, 1, 1, 1, 1, 1, 1>>]> pattern #attn.dense {scale = 1.250000e-01 : f64, schedule = "flat", double_buffer = true}
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      %q_rows = memref.alloc() : memref<128x64xf16>
// CHECK-NEXT:      %k_tile = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %v_tile = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %score_rows = memref.alloc() : memref<128x1024xf32>
func.func @halved(%q: tensor<1x1x1024x64xf16>, %k: tensor<1x1x1024x64xf16>, %v: tensor<1x1x1024x64xf16>) -> tensor<1x1x1024x64xf16> {
  %o = accel.kernel %q, %k, %v target #accel.target<"flat", buffer_bytes = 1048576> iteration #accel.blocks<q = 1024, k = 1024, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.125 : f64, schedule = "generic"} : (tensor<1x1x1024x64xf16>, tensor<1x1x1024x64xf16>, tensor<1x1x1024x64xf16>) -> tensor<1x1x1024x64xf16> {
  ^bb0(%qd: memref<1x1x1024x64xf16>, %kd: memref<1x1x1024x64xf16>, %vd: memref<1x1x1024x64xf16>, %od: memref<1x1x1024x64xf16>):
    %kb = memref.alloc() : memref<256x64xf16>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x1024x64xf16>, memref<256x64xf16>
    }
  }
  func.return %o : tensor<1x1x1024x64xf16>
}

// -----

// 1000 bytes do not even hold the double-buffered 256-key tiles at R = 1:
// q rows 2 * 1 * 64 * 2 = 256, k and v tiles 2 * 256 * 64 * 2 = 65536 each,
// scores 1 * 1024 * 4 = 4096, row state 8, output 256: 135688 bytes.
func.func @too_small(%q: tensor<1x1x1024x64xf16>, %k: tensor<1x1x1024x64xf16>, %v: tensor<1x1x1024x64xf16>) -> tensor<1x1x1024x64xf16> {
  // expected-error @+1 {{accel-schedule-flat: buffers do not fit target 'flat': buffer 'k_tile' needs 65536 bytes, all buffers need 135688 bytes, 1000 bytes are available}}
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
