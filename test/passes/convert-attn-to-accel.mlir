// convert-attn-to-accel{target=NAME}: tile.attention -> accel.kernel with
// the generic block-sparse body (FuseMax's 1-pass cascade per key tile):
// buffers as memref.allocs, the q tile loaded once per lane, per step the
// k and v (and mask) tiles, QK, scale, row max, running max, exp, row sum,
// PV and the running sums; the epilogue divides and stores.  The iteration
// is #accel.blocks with the op's tiles and tables; every instruction runs
// on the unit the target gives its kind, so only the units differ between
// targets.  A kernel whose buffers do not fit the target is an error at
// the op.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics -p 'convert-attn-to-accel{target=salo}' | filecheck %s --check-prefixes=CHECK,SALO
// The other targets: the last chunk (buffers that do not fit salo) is cut.
// RUN: sed '/^\/\/ END-OF-COMMON-CHUNKS/,$d' %s | attn-opt --split-input-file -p 'convert-attn-to-accel{target=fusemax}' | filecheck %s --check-prefixes=CHECK,FUSEMAX
// RUN: sed '/^\/\/ END-OF-COMMON-CHUNKS/,$d' %s | attn-opt --split-input-file -p 'convert-attn-to-accel{target=flat}' | filecheck %s --check-prefixes=CHECK,FLAT
// The output parses back, and converting it again changes nothing:
// RUN: sed '/^\/\/ END-OF-COMMON-CHUNKS/,$d' %s | attn-opt --split-input-file -p 'convert-attn-to-accel{target=salo}' > %t1 && attn-opt %t1 --split-input-file -p 'convert-attn-to-accel{target=salo}' > %t2 && diff %t1 %t2
// Buffer names, full message (the number of bytes: the largest buffer and
// the sum of all, against the target's buffer_bytes):
// RUN: not attn-opt %s --split-input-file -p 'convert-attn-to-accel{target=salo}' 2>&1 | filecheck %s --check-prefix=ERR
// A bad target name is a pipeline error:
// RUN: not attn-opt %s -p 'convert-attn-to-accel{target=tpu}' 2>&1 | filecheck %s --check-prefix=NAME
// NAME: attn-opt: error: invalid pass pipeline 'convert-attn-to-accel{target=tpu}': convert-attn-to-accel: unknown target 'tpu'; known: flat, fusemax, salo

// Causal, 8 tokens in tiles of 4, two heads sharing one table, D = 4,
// Dv = 2 (the v, output and numerator buffers are 2 wide).  The element
// type of the tiles loaded from DRAM is the tensors'; scores and running
// state are f32.
// CHECK-LABEL: func.func @causal
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v
// SALO-SAME:       target #accel.target<"salo">
// FUSEMAX-SAME:    target #accel.target<"fusemax">
// FLAT-SAME:       target #accel.target<"flat">
// CHECK-SAME:      iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1, 3>, start = array<i32: 0, 0, 1>, count = array<i32: 1, 1, 1>, full = array<i8: 0, 1, 0>>]> pattern #attn.causal {scale = 5.000000e-01 : f64, schedule = "generic"} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x2xf32>) -> tensor<1x2x8x2xf32> {
// CHECK-NEXT:    ^bb0(%q_dram: memref<1x2x8x4xf32>, %k_dram: memref<1x2x8x4xf32>, %v_dram: memref<1x2x8x2xf32>, %o_dram: memref<1x2x8x2xf32>):
// CHECK-NEXT:      %q_tile = memref.alloc() : memref<4x4xf32>
// CHECK-NEXT:      %k_tile = memref.alloc() : memref<4x4xf32>
// CHECK-NEXT:      %v_tile = memref.alloc() : memref<4x2xf32>
// CHECK-NEXT:      %scores = memref.alloc() : memref<4x4xf32>
// CHECK-NEXT:      %tile_max = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      %running_max = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      %rescale = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      %tile_sum = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      %running_sum = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      %tile_out = memref.alloc() : memref<4x2xf32>
// CHECK-NEXT:      %numerator = memref.alloc() : memref<4x2xf32>
// CHECK-NEXT:      accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x2x8x4xf32>, memref<4x4xf32>
// CHECK-NEXT:      accel.fill %running_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<4xf32>
// CHECK-NEXT:      accel.fill %running_sum {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4xf32>
// CHECK-NEXT:      accel.fill %numerator {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4x2xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x2x8x4xf32>, memref<4x4xf32>
// CHECK-NEXT:        accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x2x8x2xf32>, memref<4x2xf32>
// CHECK-NEXT:        accel.sddmm %q_tile, %k_tile, %scores {unit = "PE2D"} : memref<4x4xf32>, memref<4x4xf32>, memref<4x4xf32>
// CHECK-NEXT:        accel.scale %scores {factor = 5.000000e-01 : f64, unit = "PE2D"} : memref<4x4xf32>
// SALO-NEXT:         accel.reduce %scores, %tile_max {kind = "max", unit = "VEC1D"} : memref<4x4xf32>, memref<4xf32>
// FUSEMAX-NEXT:      accel.reduce %scores, %tile_max {kind = "max", unit = "PE2D"} : memref<4x4xf32>, memref<4xf32>
// FLAT-NEXT:         accel.reduce %scores, %tile_max {kind = "max", unit = "VEC1D"} : memref<4x4xf32>, memref<4xf32>
// CHECK-NEXT:        accel.max_update %running_max, %tile_max, %rescale {unit = "VEC1D"} : memref<4xf32>, memref<4xf32>, memref<4xf32>
// SALO-NEXT:         accel.exp %scores shift %running_max {unit = "PE2D"} : memref<4x4xf32>, memref<4xf32>
// FUSEMAX-NEXT:      accel.exp %scores shift %running_max {unit = "PE2D"} : memref<4x4xf32>, memref<4xf32>
// FLAT-NEXT:         accel.exp %scores shift %running_max {unit = "VEC1D"} : memref<4x4xf32>, memref<4xf32>
// SALO-NEXT:         accel.reduce %scores, %tile_sum {kind = "sum", unit = "PE2D"} : memref<4x4xf32>, memref<4xf32>
// FUSEMAX-NEXT:      accel.reduce %scores, %tile_sum {kind = "sum", unit = "PE2D"} : memref<4x4xf32>, memref<4xf32>
// FLAT-NEXT:         accel.reduce %scores, %tile_sum {kind = "sum", unit = "VEC1D"} : memref<4x4xf32>, memref<4xf32>
// CHECK-NEXT:        accel.spmm %scores, %v_tile, %tile_out {unit = "PE2D"} : memref<4x4xf32>, memref<4x2xf32>, memref<4x2xf32>
// CHECK-NEXT:        accel.accumulate %numerator, %running_sum, %rescale, %tile_out, %tile_sum {unit = "VEC1D"} : memref<4x2xf32>, memref<4xf32>, memref<4xf32>, memref<4x2xf32>, memref<4xf32>
// CHECK-NEXT:      }
// SALO-NEXT:       accel.normalize %numerator, %running_sum {unit = "PE2D"} : memref<4x2xf32>, memref<4xf32>
// FUSEMAX-NEXT:    accel.normalize %numerator, %running_sum {unit = "VEC1D"} : memref<4x2xf32>, memref<4xf32>
// FLAT-NEXT:       accel.normalize %numerator, %running_sum {unit = "VEC1D"} : memref<4x2xf32>, memref<4xf32>
// CHECK-NEXT:      accel.dma_store %numerator, %o_dram {unit = "DMA_OUT"} : memref<4x2xf32>, memref<1x2x8x2xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o : tensor<1x2x8x2xf32>
// CHECK-NOT:     tile.attention
func.func @causal(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x2xf32>) -> tensor<1x2x8x2xf32> {
  %o = tile.attention %q, %k, %v pattern #attn.causal tables [#tile.table<ptr = array<i32: 0, 1, 3>, start = array<i32: 0, 0, 1>, count = array<i32: 1, 1, 1>, full = array<i8: 0, 1, 0>>] {footprint_bytes = 288 : i64, block_q = 4 : i64, block_k = 4 : i64, scale = 5.000000e-01 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x2xf32>) -> tensor<1x2x8x2xf32>
  func.return %o : tensor<1x2x8x2xf32>
}

// -----

// A mask operand (broadcast over batch and heads) becomes a fourth DRAM
// argument; each step loads its mask tile and QK applies it.  Ragged
// tiles: 5 queries in tiles of 4, 3 keys in one key tile of 4 (buffers
// have the tile sizes).  f16 tensors: f16 q, k, v and mask tiles.
// CHECK-LABEL: func.func @mask
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v, %m target #accel.target<"{{salo|fusemax|flat}}"> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 1>, full = array<i8: 0, 0>>]> pattern #attn.mask {scale = 5.000000e-01 : f64, schedule = "generic"} : (tensor<2x2x5x8xf16>, tensor<2x2x3x8xf16>, tensor<2x2x3x8xf16>, tensor<1x1x5x3xi1>) -> tensor<2x2x5x8xf16> {
// CHECK-NEXT:    ^bb0(%q_dram: memref<2x2x5x8xf16>, %k_dram: memref<2x2x3x8xf16>, %v_dram: memref<2x2x3x8xf16>, %mask_dram: memref<1x1x5x3xi1>, %o_dram: memref<2x2x5x8xf16>):
// CHECK-NEXT:      %q_tile = memref.alloc() : memref<4x8xf16>
// CHECK-NEXT:      %k_tile = memref.alloc() : memref<4x8xf16>
// CHECK-NEXT:      %v_tile = memref.alloc() : memref<4x8xf16>
// CHECK-NEXT:      %mask_tile = memref.alloc() : memref<4x4xf16>
// CHECK-NEXT:      %scores = memref.alloc() : memref<4x4xf32>
// CHECK:           accel.step {
// CHECK-NEXT:        accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<2x2x3x8xf16>, memref<4x8xf16>
// CHECK-NEXT:        accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<2x2x3x8xf16>, memref<4x8xf16>
// CHECK-NEXT:        accel.dma_load %mask_dram, %mask_tile {tile = "mask", unit = "DMA"} : memref<1x1x5x3xi1>, memref<4x4xf16>
// CHECK-NEXT:        accel.sddmm %q_tile, %k_tile, %scores mask %mask_tile {unit = "PE2D"} : memref<4x8xf16>, memref<4x8xf16>, memref<4x4xf32>, memref<4x4xf16>
// CHECK-NEXT:        accel.scale %scores
// CHECK:             accel.spmm %scores, %v_tile, %tile_out {unit = "PE2D"} : memref<4x4xf32>, memref<4x8xf16>, memref<4x8xf32>
// CHECK:           accel.dma_store %numerator, %o_dram {unit = "DMA_OUT"} : memref<4x8xf32>, memref<2x2x5x8xf16>
func.func @mask(%q: tensor<2x2x5x8xf16>, %k: tensor<2x2x3x8xf16>, %v: tensor<2x2x3x8xf16>, %m: tensor<1x1x5x3xi1>) -> tensor<2x2x5x8xf16> {
  %o = tile.attention %q, %k, %v mask %m pattern #attn.mask tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 1>, full = array<i8: 0, 0>>] {block_q = 4 : i64, block_k = 4 : i64, scale = 0.5 : f64} : (tensor<2x2x5x8xf16>, tensor<2x2x3x8xf16>, tensor<2x2x3x8xf16>, tensor<1x1x5x3xi1>) -> tensor<2x2x5x8xf16>
  func.return %o : tensor<2x2x5x8xf16>
}

// -----

// One table per head (per-head dilation) goes to the iteration as it is;
// so do non-square tiles (2 query rows, 3 keys).
// CHECK-LABEL: func.func @per_head
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"{{salo|fusemax|flat}}"> iteration #accel.blocks<q = 2, k = 3, tables = [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 2>, full = array<i8: 0, 0>>, #tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 0, 0>>]> pattern #attn.window<left = 0, right = 1, dilation = [1, 3]> {scale = 1.000000e+00 : f64, schedule = "generic"}
// CHECK:           %q_tile = memref.alloc() : memref<2x4xf32>
// CHECK-NEXT:      %k_tile = memref.alloc() : memref<3x4xf32>
// CHECK-NEXT:      %v_tile = memref.alloc() : memref<3x2xf32>
// CHECK-NEXT:      %scores = memref.alloc() : memref<2x3xf32>
func.func @per_head(%q: tensor<1x2x4x4xf32>, %k: tensor<1x2x6x4xf32>, %v: tensor<1x2x6x2xf32>) -> tensor<1x2x4x2xf32> {
  %o = tile.attention %q, %k, %v pattern #attn.window<left = 0, right = 1, dilation = [1, 3]> tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 2>, full = array<i8: 0, 0>>, #tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 0, 0>>] {block_q = 2 : i64, block_k = 3 : i64, scale = 1.0 : f64} : (tensor<1x2x4x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x2xf32>) -> tensor<1x2x4x2xf32>
  func.return %o : tensor<1x2x4x2xf32>
}

// -----

// Without tile.attention the module is unchanged: attn.attention and the
// cascades are left to the attn passes.
// CHECK-LABEL: func.func @untiled
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.window<left = 1, right = 1> : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
// CHECK-NEXT:    %s = cascade.qk %q, %k pattern #attn.dense {scale = 5.000000e-01 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x4xf32>
// CHECK-NEXT:    func.return %o, %s : tensor<1x1x4x8xf32>, tensor<1x1x4x4xf32>
// CHECK-NEXT:  }
// CHECK-NOT:   accel.
func.func @untiled(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> (tensor<1x1x4x8xf32>, tensor<1x1x4x4xf32>) {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 1, right = 1> : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x4xf32>
  func.return %o, %s : tensor<1x1x4x8xf32>, tensor<1x1x4x4xf32>
}
// END-OF-COMMON-CHUNKS: the runs for fusemax and flat stop here.

// -----

// Tiles of 1024 x 1024 do not fit salo's 2 MiB: the f32 score tile alone
// is 1024 * 1024 * 4 = 4194304 bytes; with the q, k, v, tile output and
// numerator tiles (1024 * 16 * 4 = 65536 bytes each) and five rows of
// running state (1024 * 4 = 4096 bytes each), 4542464 bytes.
// ERR:      error: convert-attn-to-accel: buffers do not fit target 'salo': buffer 'scores' needs 4194304 bytes, all buffers need 4542464 bytes, 2097152 bytes are available
// ERR-NEXT: %o = tile.attention
func.func @too_big(%q: tensor<1x1x2048x16xf32>, %k: tensor<1x1x2048x16xf32>, %v: tensor<1x1x2048x16xf32>) -> tensor<1x1x2048x16xf32> {
  // expected-error @+1 {{convert-attn-to-accel: buffers do not fit target 'salo': buffer 'scores' needs 4194304 bytes}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 1024 : i64, block_k = 1024 : i64, scale = 0.25 : f64} : (tensor<1x1x2048x16xf32>, tensor<1x1x2048x16xf32>, tensor<1x1x2048x16xf32>) -> tensor<1x1x2048x16xf32>
  func.return %o : tensor<1x1x2048x16xf32>
}
