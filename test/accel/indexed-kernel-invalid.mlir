// One chunk per verifier rule of the Sparse Flash Attention kernel and its
// instructions (accel.indexed_kernel, accel.dma_load_index,
// accel.tile_scan), each on the kernel convert-attn-to-accel makes.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics

// accel.dma_load_index loads the indices of query rows or key tiles only.
func.func @qk_drop(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x12x8xf32>, %v: tensor<1x2x12x8xf32>, %qp: tensor<1x2x10xi32>, %kp: tensor<1x2x12xi32>) -> tensor<1x2x10x8xf32> {
  %o = accel.indexed_kernel %q, %k, %v, %qp, %kp target #accel.target<"fusemax"> {block_q = 4 : i64, block_k = 8 : i64, scale = 5.000000e-01 : f64, schedule = "sparse-flash", double_buffer = true, pipeline = true} : (tensor<1x2x10x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x10xi32>, tensor<1x2x12xi32>) -> tensor<1x2x10x8xf32> {
  ^bb0(%q_dram: memref<1x2x10x8xf32>, %k_dram: memref<1x2x12x8xf32>, %v_dram: memref<1x2x12x8xf32>, %q_pos_dram: memref<1x2x10xi32>, %k_pos_dram: memref<1x2x12xi32>, %o_dram: memref<1x2x10x8xf32>):
    %q_tile = memref.alloc() : memref<4x8xf32>
    %k_tile = memref.alloc() : memref<8x8xf32>
    %v_tile = memref.alloc() : memref<8x8xf32>
    %q_pos_tile = memref.alloc() : memref<4xi32>
    %k_pos_tile = memref.alloc() : memref<8xi32>
    %scores = memref.alloc() : memref<4x8xf32>
    %tile_max = memref.alloc() : memref<4xf32>
    %running_max = memref.alloc() : memref<4xf32>
    %rescale = memref.alloc() : memref<4xf32>
    %tile_sum = memref.alloc() : memref<4xf32>
    %running_sum = memref.alloc() : memref<4xf32>
    %tile_out = memref.alloc() : memref<4x8xf32>
    %numerator = memref.alloc() : memref<4x8xf32>
    accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x2x10x8xf32>, memref<4x8xf32>
    // expected-error @+1 {{'accel.dma_load_index' tile must be q or k, got 'v'}}
    accel.dma_load_index %q_pos_dram, %q_pos_tile {tile = "v", unit = "DMA"} : memref<1x2x10xi32>, memref<4xi32>
    accel.tile_scan %k_pos_dram, %q_pos_tile {unit = "DMA"} : memref<1x2x12xi32>, memref<4xi32>
    accel.fill %running_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<4xf32>
    accel.fill %running_sum {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4xf32>
    accel.fill %numerator {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4x8xf32>
    accel.step {
      accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x2x12x8xf32>, memref<8x8xf32>
      accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x2x12x8xf32>, memref<8x8xf32>
      accel.dma_load_index %k_pos_dram, %k_pos_tile {tile = "k", unit = "DMA"} : memref<1x2x12xi32>, memref<8xi32>
      accel.sddmm %q_tile, %k_tile, %scores {unit = "PE2D"} : memref<4x8xf32>, memref<8x8xf32>, memref<4x8xf32>
      accel.scale %scores {factor = 5.000000e-01 : f64, unit = "PE2D"} : memref<4x8xf32>
      accel.reduce %scores, %tile_max {kind = "max", unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
      accel.max_update %running_max, %tile_max, %rescale {unit = "VEC1D"} : memref<4xf32>, memref<4xf32>, memref<4xf32>
      accel.exp %scores shift %running_max {unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
      accel.reduce %scores, %tile_sum {kind = "sum", unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
      accel.spmm %scores, %v_tile, %tile_out {unit = "PE2D"} : memref<4x8xf32>, memref<8x8xf32>, memref<4x8xf32>
      accel.accumulate %numerator, %running_sum, %rescale, %tile_out, %tile_sum {unit = "VEC1D"} : memref<4x8xf32>, memref<4xf32>, memref<4xf32>, memref<4x8xf32>, memref<4xf32>
    }
    accel.normalize %numerator, %running_sum {unit = "VEC1D"} : memref<4x8xf32>, memref<4xf32>
    accel.dma_store %numerator, %o_dram {unit = "DMA_OUT"} : memref<4x8xf32>, memref<1x2x10x8xf32>
  }
  func.return %o : tensor<1x2x10x8xf32>
}

// -----

// accel.tile_scan takes key and query operands in pairs.
func.func @qk_drop(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x12x8xf32>, %v: tensor<1x2x12x8xf32>, %qp: tensor<1x2x10xi32>, %kp: tensor<1x2x12xi32>) -> tensor<1x2x10x8xf32> {
  %o = accel.indexed_kernel %q, %k, %v, %qp, %kp target #accel.target<"fusemax"> {block_q = 4 : i64, block_k = 8 : i64, scale = 5.000000e-01 : f64, schedule = "sparse-flash", double_buffer = true, pipeline = true} : (tensor<1x2x10x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x10xi32>, tensor<1x2x12xi32>) -> tensor<1x2x10x8xf32> {
  ^bb0(%q_dram: memref<1x2x10x8xf32>, %k_dram: memref<1x2x12x8xf32>, %v_dram: memref<1x2x12x8xf32>, %q_pos_dram: memref<1x2x10xi32>, %k_pos_dram: memref<1x2x12xi32>, %o_dram: memref<1x2x10x8xf32>):
    %q_tile = memref.alloc() : memref<4x8xf32>
    %k_tile = memref.alloc() : memref<8x8xf32>
    %v_tile = memref.alloc() : memref<8x8xf32>
    %q_pos_tile = memref.alloc() : memref<4xi32>
    %k_pos_tile = memref.alloc() : memref<8xi32>
    %scores = memref.alloc() : memref<4x8xf32>
    %tile_max = memref.alloc() : memref<4xf32>
    %running_max = memref.alloc() : memref<4xf32>
    %rescale = memref.alloc() : memref<4xf32>
    %tile_sum = memref.alloc() : memref<4xf32>
    %running_sum = memref.alloc() : memref<4xf32>
    %tile_out = memref.alloc() : memref<4x8xf32>
    %numerator = memref.alloc() : memref<4x8xf32>
    accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x2x10x8xf32>, memref<4x8xf32>
    accel.dma_load_index %q_pos_dram, %q_pos_tile {tile = "q", unit = "DMA"} : memref<1x2x10xi32>, memref<4xi32>
    // expected-error @+1 {{'accel.tile_scan' takes the key indices and the query tile's indices, then optionally the key and query buckets}}
    accel.tile_scan %k_pos_dram, %q_pos_tile, %k_pos_dram {unit = "DMA"} : memref<1x2x12xi32>, memref<4xi32>, memref<1x2x12xi32>
    accel.fill %running_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<4xf32>
    accel.fill %running_sum {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4xf32>
    accel.fill %numerator {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4x8xf32>
    accel.step {
      accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x2x12x8xf32>, memref<8x8xf32>
      accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x2x12x8xf32>, memref<8x8xf32>
      accel.dma_load_index %k_pos_dram, %k_pos_tile {tile = "k", unit = "DMA"} : memref<1x2x12xi32>, memref<8xi32>
      accel.sddmm %q_tile, %k_tile, %scores {unit = "PE2D"} : memref<4x8xf32>, memref<8x8xf32>, memref<4x8xf32>
      accel.scale %scores {factor = 5.000000e-01 : f64, unit = "PE2D"} : memref<4x8xf32>
      accel.reduce %scores, %tile_max {kind = "max", unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
      accel.max_update %running_max, %tile_max, %rescale {unit = "VEC1D"} : memref<4xf32>, memref<4xf32>, memref<4xf32>
      accel.exp %scores shift %running_max {unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
      accel.reduce %scores, %tile_sum {kind = "sum", unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
      accel.spmm %scores, %v_tile, %tile_out {unit = "PE2D"} : memref<4x8xf32>, memref<8x8xf32>, memref<4x8xf32>
      accel.accumulate %numerator, %running_sum, %rescale, %tile_out, %tile_sum {unit = "VEC1D"} : memref<4x8xf32>, memref<4xf32>, memref<4xf32>, memref<4x8xf32>, memref<4xf32>
    }
    accel.normalize %numerator, %running_sum {unit = "VEC1D"} : memref<4x8xf32>, memref<4xf32>
    accel.dma_store %numerator, %o_dram {unit = "DMA_OUT"} : memref<4x8xf32>, memref<1x2x10x8xf32>
  }
  func.return %o : tensor<1x2x10x8xf32>
}

// -----

// A kernel with empty query tiles.
func.func @qk_drop(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x12x8xf32>, %v: tensor<1x2x12x8xf32>, %qp: tensor<1x2x10xi32>, %kp: tensor<1x2x12xi32>) -> tensor<1x2x10x8xf32> {
  // expected-error @+1 {{'accel.indexed_kernel' tile sizes must be positive, got 0x8}}
  %o = accel.indexed_kernel %q, %k, %v, %qp, %kp target #accel.target<"fusemax"> {block_q = 0 : i64, block_k = 8 : i64, scale = 5.000000e-01 : f64, schedule = "sparse-flash", double_buffer = true, pipeline = true} : (tensor<1x2x10x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x10xi32>, tensor<1x2x12xi32>) -> tensor<1x2x10x8xf32> {
  ^bb0(%q_dram: memref<1x2x10x8xf32>, %k_dram: memref<1x2x12x8xf32>, %v_dram: memref<1x2x12x8xf32>, %q_pos_dram: memref<1x2x10xi32>, %k_pos_dram: memref<1x2x12xi32>, %o_dram: memref<1x2x10x8xf32>):
    %q_tile = memref.alloc() : memref<4x8xf32>
    %k_tile = memref.alloc() : memref<8x8xf32>
    %v_tile = memref.alloc() : memref<8x8xf32>
    %q_pos_tile = memref.alloc() : memref<4xi32>
    %k_pos_tile = memref.alloc() : memref<8xi32>
    %scores = memref.alloc() : memref<4x8xf32>
    %tile_max = memref.alloc() : memref<4xf32>
    %running_max = memref.alloc() : memref<4xf32>
    %rescale = memref.alloc() : memref<4xf32>
    %tile_sum = memref.alloc() : memref<4xf32>
    %running_sum = memref.alloc() : memref<4xf32>
    %tile_out = memref.alloc() : memref<4x8xf32>
    %numerator = memref.alloc() : memref<4x8xf32>
    accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x2x10x8xf32>, memref<4x8xf32>
    accel.dma_load_index %q_pos_dram, %q_pos_tile {tile = "q", unit = "DMA"} : memref<1x2x10xi32>, memref<4xi32>
    accel.tile_scan %k_pos_dram, %q_pos_tile {unit = "DMA"} : memref<1x2x12xi32>, memref<4xi32>
    accel.fill %running_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<4xf32>
    accel.fill %running_sum {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4xf32>
    accel.fill %numerator {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4x8xf32>
    accel.step {
      accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x2x12x8xf32>, memref<8x8xf32>
      accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x2x12x8xf32>, memref<8x8xf32>
      accel.dma_load_index %k_pos_dram, %k_pos_tile {tile = "k", unit = "DMA"} : memref<1x2x12xi32>, memref<8xi32>
      accel.sddmm %q_tile, %k_tile, %scores {unit = "PE2D"} : memref<4x8xf32>, memref<8x8xf32>, memref<4x8xf32>
      accel.scale %scores {factor = 5.000000e-01 : f64, unit = "PE2D"} : memref<4x8xf32>
      accel.reduce %scores, %tile_max {kind = "max", unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
      accel.max_update %running_max, %tile_max, %rescale {unit = "VEC1D"} : memref<4xf32>, memref<4xf32>, memref<4xf32>
      accel.exp %scores shift %running_max {unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
      accel.reduce %scores, %tile_sum {kind = "sum", unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
      accel.spmm %scores, %v_tile, %tile_out {unit = "PE2D"} : memref<4x8xf32>, memref<8x8xf32>, memref<4x8xf32>
      accel.accumulate %numerator, %running_sum, %rescale, %tile_out, %tile_sum {unit = "VEC1D"} : memref<4x8xf32>, memref<4xf32>, memref<4xf32>, memref<4x8xf32>, memref<4xf32>
    }
    accel.normalize %numerator, %running_sum {unit = "VEC1D"} : memref<4x8xf32>, memref<4xf32>
    accel.dma_store %numerator, %o_dram {unit = "DMA_OUT"} : memref<4x8xf32>, memref<1x2x10x8xf32>
  }
  func.return %o : tensor<1x2x10x8xf32>
}

// -----

// Query indices of a float type.
func.func @qk_drop(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x12x8xf32>, %v: tensor<1x2x12x8xf32>, %qp: tensor<1x2x10xf32>, %kp: tensor<1x2x12xi32>) -> tensor<1x2x10x8xf32> {
  // expected-error @+1 {{'accel.indexed_kernel' q_pos must be a rank-3 i32 tensor, got tensor<1x2x10xf32>}}
  %o = accel.indexed_kernel %q, %k, %v, %qp, %kp target #accel.target<"fusemax"> {block_q = 4 : i64, block_k = 8 : i64, scale = 5.000000e-01 : f64, schedule = "sparse-flash", double_buffer = true, pipeline = true} : (tensor<1x2x10x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x10xf32>, tensor<1x2x12xi32>) -> tensor<1x2x10x8xf32> {
  ^bb0(%q_dram: memref<1x2x10x8xf32>, %k_dram: memref<1x2x12x8xf32>, %v_dram: memref<1x2x12x8xf32>, %q_pos_dram: memref<1x2x10xi32>, %k_pos_dram: memref<1x2x12xi32>, %o_dram: memref<1x2x10x8xf32>):
    %q_tile = memref.alloc() : memref<4x8xf32>
    %k_tile = memref.alloc() : memref<8x8xf32>
    %v_tile = memref.alloc() : memref<8x8xf32>
    %q_pos_tile = memref.alloc() : memref<4xi32>
    %k_pos_tile = memref.alloc() : memref<8xi32>
    %scores = memref.alloc() : memref<4x8xf32>
    %tile_max = memref.alloc() : memref<4xf32>
    %running_max = memref.alloc() : memref<4xf32>
    %rescale = memref.alloc() : memref<4xf32>
    %tile_sum = memref.alloc() : memref<4xf32>
    %running_sum = memref.alloc() : memref<4xf32>
    %tile_out = memref.alloc() : memref<4x8xf32>
    %numerator = memref.alloc() : memref<4x8xf32>
    accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x2x10x8xf32>, memref<4x8xf32>
    accel.dma_load_index %q_pos_dram, %q_pos_tile {tile = "q", unit = "DMA"} : memref<1x2x10xi32>, memref<4xi32>
    accel.tile_scan %k_pos_dram, %q_pos_tile {unit = "DMA"} : memref<1x2x12xi32>, memref<4xi32>
    accel.fill %running_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<4xf32>
    accel.fill %running_sum {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4xf32>
    accel.fill %numerator {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4x8xf32>
    accel.step {
      accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x2x12x8xf32>, memref<8x8xf32>
      accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x2x12x8xf32>, memref<8x8xf32>
      accel.dma_load_index %k_pos_dram, %k_pos_tile {tile = "k", unit = "DMA"} : memref<1x2x12xi32>, memref<8xi32>
      accel.sddmm %q_tile, %k_tile, %scores {unit = "PE2D"} : memref<4x8xf32>, memref<8x8xf32>, memref<4x8xf32>
      accel.scale %scores {factor = 5.000000e-01 : f64, unit = "PE2D"} : memref<4x8xf32>
      accel.reduce %scores, %tile_max {kind = "max", unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
      accel.max_update %running_max, %tile_max, %rescale {unit = "VEC1D"} : memref<4xf32>, memref<4xf32>, memref<4xf32>
      accel.exp %scores shift %running_max {unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
      accel.reduce %scores, %tile_sum {kind = "sum", unit = "PE2D"} : memref<4x8xf32>, memref<4xf32>
      accel.spmm %scores, %v_tile, %tile_out {unit = "PE2D"} : memref<4x8xf32>, memref<8x8xf32>, memref<4x8xf32>
      accel.accumulate %numerator, %running_sum, %rescale, %tile_out, %tile_sum {unit = "VEC1D"} : memref<4x8xf32>, memref<4xf32>, memref<4xf32>, memref<4x8xf32>, memref<4xf32>
    }
    accel.normalize %numerator, %running_sum {unit = "VEC1D"} : memref<4x8xf32>, memref<4xf32>
    accel.dma_store %numerator, %o_dram {unit = "DMA_OUT"} : memref<4x8xf32>, memref<1x2x10x8xf32>
  }
  func.return %o : tensor<1x2x10x8xf32>
}

// -----

// Five or seven operands.
func.func @f(%q: tensor<1x2x8x8xf32>, %qp: tensor<1x2x8xi32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{'accel.indexed_kernel' takes q, k, v, the query and key indices and optionally their bucket ids (5 or 7 operands), got 6}}
  %o = accel.indexed_kernel %q, %q, %q, %qp, %qp, %qp target #accel.target<"fusemax"> {block_q = 4 : i64, block_k = 4 : i64, scale = 5.000000e-01 : f64} : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xi32>, tensor<1x2x8xi32>, tensor<1x2x8xi32>) -> tensor<1x2x8x8xf32> {
  ^bb0(%qd: memref<1x2x8x8xf32>, %kd: memref<1x2x8x8xf32>, %vd: memref<1x2x8x8xf32>, %qpd: memref<1x2x8xi32>, %kpd: memref<1x2x8xi32>, %xd: memref<1x2x8xi32>, %od: memref<1x2x8x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x2x8x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x2x8x8xf32>
}

// -----

// The body has no argument for the result.
func.func @f(%q: tensor<1x2x8x8xf32>, %qp: tensor<1x2x8xi32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{'accel.indexed_kernel' body needs one DRAM argument per input and one for the result (6), got 5}}
  %o = accel.indexed_kernel %q, %q, %q, %qp, %qp target #accel.target<"fusemax"> {block_q = 4 : i64, block_k = 4 : i64, scale = 5.000000e-01 : f64} : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xi32>, tensor<1x2x8xi32>) -> tensor<1x2x8x8xf32> {
  ^bb0(%qd: memref<1x2x8x8xf32>, %kd: memref<1x2x8x8xf32>, %vd: memref<1x2x8x8xf32>, %qpd: memref<1x2x8xi32>, %kpd: memref<1x2x8xi32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x2x8x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x2x8x8xf32>
}

// -----

// A DRAM argument of another shape than its operand.
func.func @f(%q: tensor<1x2x8x8xf32>, %qp: tensor<1x2x8xi32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{'accel.indexed_kernel' DRAM argument kpd must be a memref of shape 1x2x8}}
  %o = accel.indexed_kernel %q, %q, %q, %qp, %qp target #accel.target<"fusemax"> {block_q = 4 : i64, block_k = 4 : i64, scale = 5.000000e-01 : f64} : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xi32>, tensor<1x2x8xi32>) -> tensor<1x2x8x8xf32> {
  ^bb0(%qd: memref<1x2x8x8xf32>, %kd: memref<1x2x8x8xf32>, %vd: memref<1x2x8x8xf32>, %qpd: memref<1x2x8xi32>, %kpd: memref<1x2x4xi32>, %od: memref<1x2x8x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x2x8x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x2x8x8xf32>
}

// -----

// Nothing runs per key tile.
func.func @f(%q: tensor<1x2x8x8xf32>, %qp: tensor<1x2x8xi32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{'accel.indexed_kernel' body needs at least one accel.step}}
  %o = accel.indexed_kernel %q, %q, %q, %qp, %qp target #accel.target<"fusemax"> {block_q = 4 : i64, block_k = 4 : i64, scale = 5.000000e-01 : f64} : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8xi32>, tensor<1x2x8xi32>) -> tensor<1x2x8x8xf32> {
  ^bb0(%qd: memref<1x2x8x8xf32>, %kd: memref<1x2x8x8xf32>, %vd: memref<1x2x8x8xf32>, %qpd: memref<1x2x8xi32>, %kpd: memref<1x2x8xi32>, %od: memref<1x2x8x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x2x8x8xf32>, memref<4x8xf32>
  }
  func.return %o : tensor<1x2x8x8xf32>
}

// -----

// Indices come from a [B, H, M] array into one index per row or key.
func.func @load_index_shape(%d: memref<1x2x10xi32>) {
  %b = memref.alloc() : memref<4x1xi32>
  // expected-error @+1 {{'accel.dma_load_index' source must be an index array [B, H, M] and dest a buffer of one index per row or key}}
  accel.dma_load_index %d, %b {tile = "q", unit = "DMA"} : memref<1x2x10xi32>, memref<4x1xi32>
  func.return
}

// -----

// The scan streams the keys' indices from DRAM past the query tile's.
func.func @tile_scan_shape(%d: memref<1x2x12xi32>) {
  %b = memref.alloc() : memref<4xi32>
  // expected-error @+1 {{'accel.tile_scan' key operands must be index arrays [B, H, M] in DRAM and query operands one index per row}}
  accel.tile_scan %b, %d {unit = "DMA"} : memref<4xi32>, memref<1x2x12xi32>
  func.return
}
