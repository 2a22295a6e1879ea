// accel-schedule-fusemax: FuseMax's schedule and binding (Nelson et al.,
// MICRO'24, as its artifact counts it).  A kernel is rebuilt on tiles of the
// 2-D array (P0 = pe_rows queries, M0 = pe_cols keys: 256 x 256 on fusemax)
// with the pattern's tile tables for those tiles.  Each step runs the 1-pass
// cascade's Einsums: on the 2-D array QK (sddmm), LM (reduce max), SLN (exp
// of the scores less the running max), SLD (reduce sum) and SLNV (spmm); on
// the 1-D array RM (running_max), PRM (exp of the previous max less the new
// one, bound to VEC1D), SPD and SPNV (rescale) and RD and RNV (add); the
// epilogue divides (AV).  A positive softmax scale is folded into both exps
// (factor).  The working buffers are pipelined and the K/V loads
// double-buffered.  The Q tile and running state (running max, sum and
// numerator, in the target's state_bits: f16 on fusemax) of query_block = P1
// query tiles stay on chip while K and V stream once per block; P1 is the
// largest divisor of the query tiles whose block fits beside the working
// buffers.  Buffers that do not fit the target are an error at the kernel.
//
// Chunks with tile.attention are converted first; the schedule rebuilds a
// kernel's body from its operands, pattern, scale and target, so the other
// chunks give generic kernels with a one-instruction body.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics -p 'convert-attn-to-accel{target=fusemax},accel-schedule-fusemax' | filecheck %s
// The output parses back and a second run changes nothing (a kernel
// scheduled for FuseMax is left alone):
// RUN: attn-opt %s --split-input-file --verify-diagnostics -p 'convert-attn-to-accel{target=fusemax},accel-schedule-fusemax' > %t1 && attn-opt %t1 --split-input-file -p accel-schedule-fusemax > %t2 && diff %t1 %t2

// Causal, N = 64, D = Dv = 16, tiled 32 x 32 by attn-tile: the schedule
// retiles to 256 x 256, so the whole sequence is one partial tile and the
// block is that one tile (query_block = 1).
// CHECK-LABEL: func.func @causal
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"fusemax"> iteration #accel.blocks<q = 256, k = 256, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.causal {scale = 2.500000e-01 : f64, schedule = "fusemax", pipeline = true, double_buffer = true, query_block = 1 : i64} : (tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32> {
// CHECK-NEXT:    ^bb0(%q_dram: memref<1x2x64x16xf32>, %k_dram: memref<1x2x64x16xf32>, %v_dram: memref<1x2x64x16xf32>, %o_dram: memref<1x2x64x16xf32>):
// CHECK-NEXT:      %q_tile = memref.alloc() : memref<256x16xf32>
// CHECK-NEXT:      %k_tile = memref.alloc() : memref<256x16xf32>
// CHECK-NEXT:      %v_tile = memref.alloc() : memref<256x16xf32>
// CHECK-NEXT:      %running_max = memref.alloc() : memref<256xf16>
// CHECK-NEXT:      %running_sum = memref.alloc() : memref<256xf16>
// CHECK-NEXT:      %numerator = memref.alloc() : memref<256x16xf16>
// CHECK-NEXT:      %scores = memref.alloc() : memref<256x256xf32>
// CHECK-NEXT:      %tile_max = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %rescale = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %tile_sum = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %tile_out = memref.alloc() : memref<256x16xf32>
// CHECK-NEXT:      accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x2x64x16xf32>, memref<256x16xf32>
// CHECK-NEXT:      accel.fill %running_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<256xf16>
// CHECK-NEXT:      accel.fill %running_sum {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<256xf16>
// CHECK-NEXT:      accel.fill %numerator {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<256x16xf16>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x2x64x16xf32>, memref<256x16xf32>
// CHECK-NEXT:        accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x2x64x16xf32>, memref<256x16xf32>
// CHECK-NEXT:        accel.sddmm %q_tile, %k_tile, %scores {unit = "PE2D"} : memref<256x16xf32>, memref<256x16xf32>, memref<256x256xf32>
// CHECK-NEXT:        accel.reduce %scores, %tile_max {kind = "max", unit = "PE2D"} : memref<256x256xf32>, memref<256xf32>
// CHECK-NEXT:        accel.running_max %running_max, %tile_max, %rescale {unit = "VEC1D"} : memref<256xf16>, memref<256xf32>, memref<256xf32>
// CHECK-NEXT:        accel.exp %scores shift %running_max {factor = 2.500000e-01 : f64, unit = "PE2D"} : memref<256x256xf32>, memref<256xf16>
// CHECK-NEXT:        accel.exp %rescale shift %running_max {factor = 2.500000e-01 : f64, unit = "VEC1D"} : memref<256xf32>, memref<256xf16>
// CHECK-NEXT:        accel.reduce %scores, %tile_sum {kind = "sum", unit = "PE2D"} : memref<256x256xf32>, memref<256xf32>
// CHECK-NEXT:        accel.rescale %running_sum, %rescale {unit = "VEC1D"} : memref<256xf16>, memref<256xf32>
// CHECK-NEXT:        accel.add %running_sum, %tile_sum {unit = "VEC1D"} : memref<256xf16>, memref<256xf32>
// CHECK-NEXT:        accel.spmm %scores, %v_tile, %tile_out {unit = "PE2D"} : memref<256x256xf32>, memref<256x16xf32>, memref<256x16xf32>
// CHECK-NEXT:        accel.rescale %numerator, %rescale {unit = "VEC1D"} : memref<256x16xf16>, memref<256xf32>
// CHECK-NEXT:        accel.add %numerator, %tile_out {unit = "VEC1D"} : memref<256x16xf16>, memref<256x16xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.normalize %numerator, %running_sum {unit = "VEC1D"} : memref<256x16xf16>, memref<256xf16>
// CHECK-NEXT:      accel.dma_store %numerator, %o_dram {unit = "DMA_OUT"} : memref<256x16xf16>, memref<1x2x64x16xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o : tensor<1x2x64x16xf32>
func.func @causal(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>, %v: tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32> {
  %o = tile.attention %q, %k, %v pattern #attn.causal tables [#tile.table<ptr = array<i32: 0, 1, 3>, start = array<i32: 0, 0, 1>, count = array<i32: 1, 1, 1>, full = array<i8: 0, 1, 0>>] {block_q = 32 : i64, block_k = 32 : i64, scale = 2.500000e-01 : f64} : (tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32>
  func.return %o : tensor<1x2x64x16xf32>
}

// -----

// Query-block residency.  N = 1024, D = Dv = 16 in f32: four query tiles.
// The working buffers, doubled, need 628736 bytes: k and v tiles (256 * 16
// * 4 = 16384 each), scores (256 * 256 * 4), three [256] f32 rows and the
// tile output (16384), all twice.  Each query tile keeps its Q tile (16384)
// and its f16 state (512 + 512 + 256 * 16 * 2 = 9216): 25600 bytes.  With
// 731136 bytes all four tiles are one block (K and V stream once); with one
// byte less only three fit, and the largest divisor of 4 that fits is 2.
// CHECK-LABEL: func.func @block_of_four
// CHECK-NEXT:    accel.kernel {{.*}} {scale = 2.500000e-01 : f64, schedule = "fusemax", pipeline = true, double_buffer = true, query_block = 4 : i64}
// CHECK-LABEL: func.func @block_of_two
// CHECK-NEXT:    accel.kernel {{.*}} {scale = 2.500000e-01 : f64, schedule = "fusemax", pipeline = true, double_buffer = true, query_block = 2 : i64}
func.func @block_of_four(%q: tensor<1x1x1024x16xf32>, %k: tensor<1x1x1024x16xf32>, %v: tensor<1x1x1024x16xf32>) -> tensor<1x1x1024x16xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax", buffer_bytes = 731136> iteration #accel.blocks<q = 1024, k = 1024, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x1024x16xf32>, tensor<1x1x1024x16xf32>, tensor<1x1x1024x16xf32>) -> tensor<1x1x1024x16xf32> {
  ^bb0(%qd: memref<1x1x1024x16xf32>, %kd: memref<1x1x1024x16xf32>, %vd: memref<1x1x1024x16xf32>, %od: memref<1x1x1024x16xf32>):
    %kb = memref.alloc() : memref<256x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x1024x16xf32>, memref<256x16xf32>
    }
  }
  func.return %o : tensor<1x1x1024x16xf32>
}
func.func @block_of_two(%q: tensor<1x1x1024x16xf32>, %k: tensor<1x1x1024x16xf32>, %v: tensor<1x1x1024x16xf32>) -> tensor<1x1x1024x16xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax", buffer_bytes = 731135> iteration #accel.blocks<q = 1024, k = 1024, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x1024x16xf32>, tensor<1x1x1024x16xf32>, tensor<1x1x1024x16xf32>) -> tensor<1x1x1024x16xf32> {
  ^bb0(%qd: memref<1x1x1024x16xf32>, %kd: memref<1x1x1024x16xf32>, %vd: memref<1x1x1024x16xf32>, %od: memref<1x1x1024x16xf32>):
    %kb = memref.alloc() : memref<256x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x1024x16xf32>, memref<256x16xf32>
    }
  }
  func.return %o : tensor<1x1x1024x16xf32>
}

// -----

// A long sequence on the preset: N = 65536, D = Dv = 64 in f16, 256 query
// tiles.  The tiles (and so the working buffers) do not grow with N; a
// query tile's block share is 256 * (64 + 1 + 1 + 64) * 2 = 66560 bytes, so
// about 240 fit in 16 MiB and the largest divisor of 256 below is 128: two
// blocks, K and V read twice.  The table has one run of 256 full tiles per
// query tile.
// CHECK-LABEL: func.func @long
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"fusemax"> iteration #accel.blocks<q = 256, k = 256, tables = [#tile.table<ptr = array<i32: 0, 1, 2, {{.*}}, 255, 256>, start = array<i32: 0, 0, {{.*}}>, count = array<i32: 256, 256, {{.*}}>, full = array<i8: 1, 1, {{.*}}>>]> pattern #attn.dense {scale = 1.250000e-01 : f64, schedule = "fusemax", pipeline = true, double_buffer = true, query_block = 128 : i64} :
// CHECK:           %q_tile = memref.alloc() : memref<256x64xf16>
// CHECK:           %numerator = memref.alloc() : memref<256x64xf16>
// CHECK:           %scores = memref.alloc() : memref<256x256xf32>
func.func @long(%q: tensor<1x1x65536x64xf16>, %k: tensor<1x1x65536x64xf16>, %v: tensor<1x1x65536x64xf16>) -> tensor<1x1x65536x64xf16> {
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax"> iteration #accel.blocks<q = 65536, k = 65536, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.125 : f64, schedule = "generic"} : (tensor<1x1x65536x64xf16>, tensor<1x1x65536x64xf16>, tensor<1x1x65536x64xf16>) -> tensor<1x1x65536x64xf16> {
  ^bb0(%qd: memref<1x1x65536x64xf16>, %kd: memref<1x1x65536x64xf16>, %vd: memref<1x1x65536x64xf16>, %od: memref<1x1x65536x64xf16>):
    %kb = memref.alloc() : memref<256x64xf16>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x65536x64xf16>, memref<256x64xf16>
    }
  }
  func.return %o : tensor<1x1x65536x64xf16>
}

// -----

// With half a MiB the doubled working buffers and one query tile's share
// (654336 bytes) do not fit.
func.func @too_small(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  // expected-error @+1 {{accel-schedule-fusemax: buffers do not fit target 'fusemax': buffer 'scores' needs 524288 bytes, all buffers need 654336 bytes, 524288 bytes are available}}
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax", buffer_bytes = 524288> iteration #accel.blocks<q = 64, k = 64, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.causal {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  ^bb0(%qd: memref<1x1x64x16xf32>, %kd: memref<1x1x64x16xf32>, %vd: memref<1x1x64x16xf32>, %od: memref<1x1x64x16xf32>):
    %kb = memref.alloc() : memref<64x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x64x16xf32>, memref<64x16xf32>
    }
  }
  func.return %o : tensor<1x1x64x16xf32>
}
