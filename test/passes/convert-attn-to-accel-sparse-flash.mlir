// convert-attn-to-accel on Sparse Flash Attention: tile.indexed_attention ->
// accel.indexed_kernel.  A lane (batch, head, query tile) loads its q tile
// and its queries' original indices, streams every key's index past them
// (accel.tile_scan: the run-time tile test; skipped key tiles are not
// steps), then per surviving key tile loads k, v and the keys' indices and
// runs FuseMax's 1-pass cascade (masked on partial tiles).  K/V loads are
// double-buffered and steps pipelined.  With buckets (hashing) the bucket
// ids are loaded and scanned beside the indices.  (Buffers that do not fit
// the target: convert-attn-to-accel-sparse-flash-invalid.mlir.)
//
// RUN: attn-opt %s --split-input-file -p 'convert-attn-to-accel{target=fusemax}' | filecheck %s
// The kernel parses back and prints the same:
// RUN: attn-opt %s --split-input-file -p 'convert-attn-to-accel{target=fusemax}' > %t1 && attn-opt %t1 --split-input-file > %t2 && diff %t1 %t2
// RUN: attn-opt %s --split-input-file -p 'convert-attn-to-accel{target=fusemax}' --print-op-generic | attn-opt --split-input-file > %t3 && diff %t1 %t3

// QK-dropping: 10 kept queries in tiles of 4, 12 kept keys in tiles of 8.
// CHECK-LABEL: func.func @qk_drop
// CHECK:       %o = accel.indexed_kernel %q, %k, %v, %qp, %kp target #accel.target<"fusemax"> {block_q = 4 : i64, block_k = 8 : i64, scale = 5.000000e-01 : f64, schedule = "sparse-flash", double_buffer = true, pipeline = true} : (tensor<1x2x10x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x10xi32>, tensor<1x2x12xi32>) -> tensor<1x2x10x8xf32> {
// CHECK-NEXT:  ^bb0(%q_dram: memref<1x2x10x8xf32>, %k_dram: memref<1x2x12x8xf32>, %v_dram: memref<1x2x12x8xf32>, %q_pos_dram: memref<1x2x10xi32>, %k_pos_dram: memref<1x2x12xi32>, %o_dram: memref<1x2x10x8xf32>):
// CHECK-NEXT:    %q_tile = memref.alloc() : memref<4x8xf32>
// CHECK-NEXT:    %k_tile = memref.alloc() : memref<8x8xf32>
// CHECK-NEXT:    %v_tile = memref.alloc() : memref<8x8xf32>
// CHECK-NEXT:    %q_pos_tile = memref.alloc() : memref<4xi32>
// CHECK-NEXT:    %k_pos_tile = memref.alloc() : memref<8xi32>
// CHECK-NEXT:    %scores = memref.alloc() : memref<4x8xf32>
// CHECK-NEXT:    %tile_max = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    %running_max = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    %rescale = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    %tile_sum = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    %running_sum = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    %tile_out = memref.alloc() : memref<4x8xf32>
// CHECK-NEXT:    %numerator = memref.alloc() : memref<4x8xf32>
// CHECK-NEXT:    accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x2x10x8xf32>, memref<4x8xf32>
// CHECK-NEXT:    accel.dma_load_index %q_pos_dram, %q_pos_tile {tile = "q", unit = "DMA"} : memref<1x2x10xi32>, memref<4xi32>
// CHECK-NEXT:    accel.tile_scan %k_pos_dram, %q_pos_tile {unit = "DMA"} : memref<1x2x12xi32>, memref<4xi32>
// CHECK-NEXT:    accel.fill %running_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<4xf32>
// CHECK-NEXT:    accel.fill %running_sum {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4xf32>
// CHECK-NEXT:    accel.fill %numerator {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4x8xf32>
// CHECK-NEXT:    accel.step {
// CHECK-NEXT:      accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x2x12x8xf32>, memref<8x8xf32>
// CHECK-NEXT:      accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x2x12x8xf32>, memref<8x8xf32>
// CHECK-NEXT:      accel.dma_load_index %k_pos_dram, %k_pos_tile {tile = "k", unit = "DMA"} : memref<1x2x12xi32>, memref<8xi32>
// CHECK-NEXT:      accel.sddmm %q_tile, %k_tile, %scores {unit = "PE2D"} : memref<4x8xf32>, memref<8x8xf32>, memref<4x8xf32>
// CHECK-NEXT:      accel.scale %scores {factor = 5.000000e-01 : f64, unit = "PE2D"} : memref<4x8xf32>
// CHECK-NEXT:      accel.reduce %scores, %tile_max {kind = "max", unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
// CHECK-NEXT:      accel.max_update %running_max, %tile_max, %rescale {unit = "VEC1D"} : memref<4xf32>, memref<4xf32>, memref<4xf32>
// CHECK-NEXT:      accel.exp %scores shift %running_max {unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
// CHECK-NEXT:      accel.reduce %scores, %tile_sum {kind = "sum", unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
// CHECK-NEXT:      accel.spmm %scores, %v_tile, %tile_out {unit = "PE2D"} : memref<4x8xf32>, memref<8x8xf32>, memref<4x8xf32>
// CHECK-NEXT:      accel.accumulate %numerator, %running_sum, %rescale, %tile_out, %tile_sum {unit = "VEC1D"} : memref<4x8xf32>, memref<4xf32>, memref<4xf32>, memref<4x8xf32>, memref<4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    accel.normalize %numerator, %running_sum {unit = "VEC1D"} : memref<4x8xf32>, memref<4xf32>
// CHECK-NEXT:    accel.dma_store %numerator, %o_dram {unit = "DMA_OUT"} : memref<4x8xf32>, memref<1x2x10x8xf32>
// CHECK-NEXT:  }
// CHECK-NEXT:  func.return %o : tensor<1x2x10x8xf32>
func.func @qk_drop(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x12x8xf32>, %v: tensor<1x2x12x8xf32>, %qp: tensor<1x2x10xi32>, %kp: tensor<1x2x12xi32>) -> tensor<1x2x10x8xf32> {
  %o = tile.indexed_attention %q, %k, %v positions %qp, %kp {block_q = 4 : i64, block_k = 8 : i64, scale = 0.5 : f64} : (tensor<1x2x10x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x10xi32>, tensor<1x2x12xi32>) -> tensor<1x2x10x8xf32>
  func.return %o : tensor<1x2x10x8xf32>
}

// -----

// Hashing: the bucket ids of queries and keys are operands 6 and 7.
// CHECK-LABEL: func.func @hash
// CHECK:         %o = accel.indexed_kernel %q, %q, %q, %p, %p, %b, %b target #accel.target<"fusemax"> {block_q = 4 : i64, block_k = 4 : i64
// CHECK:           accel.dma_load_index %q_pos_dram, %q_pos_tile {tile = "q", unit = "DMA"} : memref<1x1x8xi32>, memref<4xi32>
// CHECK-NEXT:      accel.dma_load_index %q_bucket_dram, %q_bucket_tile {tile = "q", unit = "DMA"} : memref<1x1x8xi32>, memref<4xi32>
// CHECK-NEXT:      accel.tile_scan %k_pos_dram, %q_pos_tile, %k_bucket_dram, %q_bucket_tile {unit = "DMA"} : memref<1x1x8xi32>, memref<4xi32>, memref<1x1x8xi32>, memref<4xi32>
// CHECK:           accel.step {
// CHECK:             accel.dma_load_index %k_pos_dram, %k_pos_tile {tile = "k", unit = "DMA"} : memref<1x1x8xi32>, memref<4xi32>
// CHECK-NEXT:        accel.dma_load_index %k_bucket_dram, %k_bucket_tile {tile = "k", unit = "DMA"} : memref<1x1x8xi32>, memref<4xi32>
func.func @hash(%q: tensor<1x1x8x8xf32>, %p: tensor<1x1x8xi32>, %b: tensor<1x1x8xi32>) -> tensor<1x1x8x8xf32> {
  %o = tile.indexed_attention %q, %q, %q positions %p, %p buckets %b, %b {block_q = 4 : i64, block_k = 4 : i64, scale = 0.5 : f64} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xi32>, tensor<1x1x8xi32>, tensor<1x1x8xi32>, tensor<1x1x8xi32>) -> tensor<1x1x8x8xf32>
  func.return %o : tensor<1x1x8x8xf32>
}
