// accel-schedule-fusemax: FuseMax's schedule.  A kernel is rebuilt with the
// generic 1-pass body on tiles of the 2-D array (P0 = pe_rows queries,
// M0 = pe_cols keys: 256 x 256 on fusemax) and the pattern's tile tables for
// those tiles; it is pipelined across key tiles (pipeline: every buffer a
// step writes has two copies) and its K/V loads are double-buffered.  When
// one head's K and V fit on chip beside the doubled buffers (at the
// element types of K and V) the kernel keeps them there: kv_resident.
// Buffers that do not fit the target are an error at the kernel.
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
// retiles to 256 x 256, so the whole sequence is one partial tile.  One
// head's K and V (64 * 32 * 4 bytes) fit easily: kv_resident.  Units:
// exp, scale and both reductions in the 2-D PEs, the running max, rescale
// and normalisation on the 1-D array.
// CHECK-LABEL: func.func @causal
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"fusemax"> iteration #accel.blocks<q = 256, k = 256, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.causal {scale = 2.500000e-01 : f64, schedule = "fusemax", pipeline = true, double_buffer = true, kv_resident = true} : (tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32> {
// CHECK-NEXT:    ^bb0(%q_dram: memref<1x2x64x16xf32>, %k_dram: memref<1x2x64x16xf32>, %v_dram: memref<1x2x64x16xf32>, %o_dram: memref<1x2x64x16xf32>):
// CHECK-NEXT:      %q_tile = memref.alloc() : memref<256x16xf32>
// CHECK-NEXT:      %k_tile = memref.alloc() : memref<256x16xf32>
// CHECK-NEXT:      %v_tile = memref.alloc() : memref<256x16xf32>
// CHECK-NEXT:      %scores = memref.alloc() : memref<256x256xf32>
// CHECK-NEXT:      %tile_max = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %running_max = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %rescale = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %tile_sum = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %running_sum = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %tile_out = memref.alloc() : memref<256x16xf32>
// CHECK-NEXT:      %numerator = memref.alloc() : memref<256x16xf32>
// CHECK-NEXT:      accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x2x64x16xf32>, memref<256x16xf32>
// CHECK-NEXT:      accel.fill %running_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<256xf32>
// CHECK-NEXT:      accel.fill %running_sum {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<256xf32>
// CHECK-NEXT:      accel.fill %numerator {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<256x16xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x2x64x16xf32>, memref<256x16xf32>
// CHECK-NEXT:        accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x2x64x16xf32>, memref<256x16xf32>
// CHECK-NEXT:        accel.sddmm %q_tile, %k_tile, %scores {unit = "PE2D"} : memref<256x16xf32>, memref<256x16xf32>, memref<256x256xf32>
// CHECK-NEXT:        accel.scale %scores {factor = 2.500000e-01 : f64, unit = "PE2D"} : memref<256x256xf32>
// CHECK-NEXT:        accel.reduce %scores, %tile_max {kind = "max", unit = "PE2D"} : memref<256x256xf32>, memref<256xf32>
// CHECK-NEXT:        accel.max_update %running_max, %tile_max, %rescale {unit = "VEC1D"} : memref<256xf32>, memref<256xf32>, memref<256xf32>
// CHECK-NEXT:        accel.exp %scores shift %running_max {unit = "PE2D"} : memref<256x256xf32>, memref<256xf32>
// CHECK-NEXT:        accel.reduce %scores, %tile_sum {kind = "sum", unit = "PE2D"} : memref<256x256xf32>, memref<256xf32>
// CHECK-NEXT:        accel.spmm %scores, %v_tile, %tile_out {unit = "PE2D"} : memref<256x256xf32>, memref<256x16xf32>, memref<256x16xf32>
// CHECK-NEXT:        accel.accumulate %numerator, %running_sum, %rescale, %tile_out, %tile_sum {unit = "VEC1D"} : memref<256x16xf32>, memref<256xf32>, memref<256xf32>, memref<256x16xf32>, memref<256xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.normalize %numerator, %running_sum {unit = "VEC1D"} : memref<256x16xf32>, memref<256xf32>
// CHECK-NEXT:      accel.dma_store %numerator, %o_dram {unit = "DMA_OUT"} : memref<256x16xf32>, memref<1x2x64x16xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o
func.func @causal(%q: tensor<1x2x64x16xf32>, %k: tensor<1x2x64x16xf32>, %v: tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32> {
  %o = tile.attention %q, %k, %v pattern #attn.causal tables [#tile.table<ptr = array<i32: 0, 1, 3>, start = array<i32: 0, 0, 1>, count = array<i32: 1, 1, 1>, full = array<i8: 0, 1, 0>>] {block_q = 32 : i64, block_k = 32 : i64, scale = 2.500000e-01 : f64} : (tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>, tensor<1x2x64x16xf32>) -> tensor<1x2x64x16xf32>
  func.return %o : tensor<1x2x64x16xf32>
}

// -----

// The same kernel's buffers, doubled as the schedule does, need 698368
// bytes: the q, k and v tiles (256 * 16 * 4 = 16384 bytes each, loaded by
// DMA: double_buffer), the scores (256 * 256 * 4 = 262144), the five rows
// of state (1024 each) and the tile output and numerator (16384 each), all
// twice.  K and V of one head add 64 * (16 + 16) * 4 = 8192 bytes in their
// f32 element type: with 706560 bytes they stay on chip, with 706559 not.
// CHECK-LABEL: func.func @resident_fits
// CHECK-NEXT:    accel.kernel {{.*}} {scale = 2.500000e-01 : f64, schedule = "fusemax", pipeline = true, double_buffer = true, kv_resident = true}
// CHECK-LABEL: func.func @resident_does_not_fit
// CHECK-NEXT:    accel.kernel {{.*}} {scale = 2.500000e-01 : f64, schedule = "fusemax", pipeline = true, double_buffer = true} :
func.func @resident_fits(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax", buffer_bytes = 706560> iteration #accel.blocks<q = 64, k = 64, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.causal {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  ^bb0(%qd: memref<1x1x64x16xf32>, %kd: memref<1x1x64x16xf32>, %vd: memref<1x1x64x16xf32>, %od: memref<1x1x64x16xf32>):
    %kb = memref.alloc() : memref<64x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x64x16xf32>, memref<64x16xf32>
    }
  }
  func.return %o : tensor<1x1x64x16xf32>
}
func.func @resident_does_not_fit(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax", buffer_bytes = 706559> iteration #accel.blocks<q = 64, k = 64, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.causal {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  ^bb0(%qd: memref<1x1x64x16xf32>, %kd: memref<1x1x64x16xf32>, %vd: memref<1x1x64x16xf32>, %od: memref<1x1x64x16xf32>):
    %kb = memref.alloc() : memref<64x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x64x16xf32>, memref<64x16xf32>
    }
  }
  func.return %o : tensor<1x1x64x16xf32>
}

// -----

// A long sequence on the preset: N = 65536, D = Dv = 64 in f16.  The
// tiles (and so the buffers) do not grow with N, but one head's K and V
// are 65536 * 128 * 2 bytes = 16 MiB, the whole buffer: not resident.
// The table has one run of 256 full tiles per query tile.
// CHECK-LABEL: func.func @long
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"fusemax"> iteration #accel.blocks<q = 256, k = 256, tables = [#tile.table<ptr = array<i32: 0, 1, 2, {{.*}}, 255, 256>, start = array<i32: 0, 0, {{.*}}>, count = array<i32: 256, 256, {{.*}}>, full = array<i8: 1, 1, {{.*}}>>]> pattern #attn.dense {scale = 1.250000e-01 : f64, schedule = "fusemax", pipeline = true, double_buffer = true} :
// CHECK:           %q_tile = memref.alloc() : memref<256x64xf16>
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

// With half a MiB the doubled buffers (698368 bytes, see above) do not fit.
func.func @too_small(%q: tensor<1x1x64x16xf32>, %k: tensor<1x1x64x16xf32>, %v: tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  // expected-error @+1 {{accel-schedule-fusemax: buffers do not fit target 'fusemax': buffer 'scores' needs 524288 bytes, all buffers need 698368 bytes, 524288 bytes are available}}
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax", buffer_bytes = 524288> iteration #accel.blocks<q = 64, k = 64, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.causal {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>, tensor<1x1x64x16xf32>) -> tensor<1x1x64x16xf32> {
  ^bb0(%qd: memref<1x1x64x16xf32>, %kd: memref<1x1x64x16xf32>, %vd: memref<1x1x64x16xf32>, %od: memref<1x1x64x16xf32>):
    %kb = memref.alloc() : memref<64x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x64x16xf32>, memref<64x16xf32>
    }
  }
  func.return %o : tensor<1x1x64x16xf32>
}
