// One chunk per verifier rule of SpAtten's accel kernels and instructions;
// each message is the text the tool prints.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics

// A gather names what it fetches.
func.func @tile(%s: tensor<1x8xf64>) -> tensor<1x4xi64> {
  %b = accel.token_kernel %s target #accel.target<"spatten"> : (tensor<1x8xf64>) -> tensor<1x4xi64> {
  ^bb0(%sd: memref<1x8xf64>, %od: memref<1x4xi64>):
    %sb = memref.alloc() : memref<1x8xf64>
    // expected-error @+1 {{'accel.dma_gather' tile must be one of list, lane_list, batch, scale, q, k_msb, k_lsb, v_msb, got 'mask'}}
    accel.dma_gather %sd, %sb {tile = "mask", unit = "DMA"} : memref<1x8xf64>, memref<1x8xf64>
  }
  func.return %b : tensor<1x4xi64>
}

// -----

// Rows of K need the index list that names them.
func.func @index(%k: tensor<1x1x8x4xi8>) -> tensor<1x4xi64> {
  %b = accel.token_kernel %k target #accel.target<"spatten"> : (tensor<1x1x8x4xi8>) -> tensor<1x4xi64> {
  ^bb0(%kd: memref<1x1x8x4xi8>, %od: memref<1x4xi64>):
    %kb = memref.alloc() : memref<4x4xi8>
    // expected-error @+1 {{'accel.dma_gather' needs an index exactly for tiles q, k_msb, k_lsb, v_msb}}
    accel.dma_gather %kd, %kb {tile = "k_msb", bits = 6 : i64, unit = "DMA"} : memref<1x1x8x4xi8>, memref<4x4xi8>
  }
  func.return %b : tensor<1x4xi64>
}

// -----

// The top-k engine is the TOPK unit's; units are the target's.
func.func @unit(%s: tensor<1x8xf64>) -> tensor<1x4xi64> {
  %b = accel.token_kernel %s target #accel.target<"spatten"> : (tensor<1x8xf64>) -> tensor<1x4xi64> {
  ^bb0(%sd: memref<1x8xf64>, %od: memref<1x4xi64>):
    %sb = memref.alloc() : memref<1x8xf64>
    %bb = memref.alloc() : memref<1x4xi64>
    // expected-error @+1 {{'accel.topk' unit 'SORTER' is not one of DMA, DMA_OUT, PE2D, GLOBAL, VEC1D, TOPK, CODEC, PE2D_AV}}
    accel.topk %sb, %bb {k = 4 : i64, unit = "SORTER"} : memref<1x8xf64>, memref<1x4xi64>
  }
  func.return %b : tensor<1x4xi64>
}

// -----

// Stores name what they write.
func.func @store(%s: tensor<1x8xf64>) -> tensor<1x8xf64> {
  %b = accel.token_kernel %s target #accel.target<"spatten"> : (tensor<1x8xf64>) -> tensor<1x8xf64> {
  ^bb0(%sd: memref<1x8xf64>, %od: memref<1x8xf64>):
    %sb = memref.alloc() : memref<8xf64>
    // expected-error @+1 {{'accel.dma_store_rows' tile must be one of o, requant, colsum, list, got 'k'}}
    accel.dma_store_rows %sb, %od {tile = "k", unit = "DMA_OUT"} : memref<8xf64>, memref<1x8xf64>
  }
  func.return %b : tensor<1x8xf64>
}

// -----

// A token kernel's body mirrors its DRAM operands and results.
func.func @dram(%s: tensor<1x8xf64>) -> tensor<1x4xi64> {
  // expected-error @+1 {{'accel.token_kernel' DRAM argument for 'input 0' must be a memref of 1x8xf64}}
  %b = accel.token_kernel %s target #accel.target<"spatten"> : (tensor<1x8xf64>) -> tensor<1x4xi64> {
  ^bb0(%sd: memref<1x8xf32>, %od: memref<1x4xi64>):
  }
  func.return %b : tensor<1x4xi64>
}

// -----

// A token kernel runs once per batch entry: no steps.
func.func @steps(%s: tensor<1x8xf64>) -> tensor<1x4xi64> {
  // expected-error @+1 {{'accel.token_kernel' body has no steps}}
  %b = accel.token_kernel %s target #accel.target<"spatten"> : (tensor<1x8xf64>) -> tensor<1x4xi64> {
  ^bb0(%sd: memref<1x8xf64>, %od: memref<1x4xi64>):
    accel.step {
      %x = memref.alloc() : memref<1xf32>
    }
  }
  func.return %b : tensor<1x4xi64>
}

// -----

// Local value pruning fetches each row's own values: one row per lane.
func.func @value_keep(%q: tensor<1x1x2x4xf32>, %km: tensor<1x1x4x4xi8>, %ks: tensor<1x1xf32>, %rows: tensor<1x2xi64>, %keys: tensor<1x4xi64>) {
  // expected-error @+1 {{'accel.progressive_kernel' local value pruning (value_keep) needs block_q = 1: each query row fetches its own values}}
  %o, %c, %r = accel.progressive_kernel %q, %km, %km, %ks, %km, %ks, %rows, %keys, %rows, %keys target #accel.target<"spatten"> pattern #attn.causal {block_q = 2 : i64, block_k = 2 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, value_keep = 0.5 : f64, context = 8 : i64, scale = 0.5 : f64} : (tensor<1x1x2x4xf32>, tensor<1x1x4x4xi8>, tensor<1x1x4x4xi8>, tensor<1x1xf32>, tensor<1x1x4x4xi8>, tensor<1x1xf32>, tensor<1x2xi64>, tensor<1x4xi64>, tensor<1x2xi64>, tensor<1x4xi64>) -> (tensor<1x1x2x4xf32>, tensor<1x1x4xf64>, tensor<1x1x2xi1>) {
  ^bb0(%a0: memref<1x1x2x4xf32>, %a1: memref<1x1x4x4xi8>, %a2: memref<1x1x4x4xi8>, %a3: memref<1x1xf32>, %a4: memref<1x1x4x4xi8>, %a5: memref<1x1xf32>, %a6: memref<1x2xi64>, %a7: memref<1x4xi64>, %a8: memref<1x2xi64>, %a9: memref<1x4xi64>, %r0: memref<1x1x2x4xf32>, %r1: memref<1x1x4xf64>, %r2: memref<1x1x2xi1>):
  }
  func.return
}

// -----

// Ten or eleven DRAM operands, in order.
func.func @operands(%q: tensor<1x1x2x4xf32>) {
  // expected-error @+1 {{'accel.progressive_kernel' takes q, k_msb, k_lsb, k_scale, v_msb, v_scale, q_rows, k_rows, q_pos, k_pos and optionally heads}}
  %o, %c, %r = accel.progressive_kernel %q target #accel.target<"spatten"> pattern #attn.causal {block_q = 1 : i64, block_k = 2 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64, scale = 0.5 : f64} : (tensor<1x1x2x4xf32>) -> (tensor<1x1x2x4xf32>, tensor<1x1x4xf64>, tensor<1x1x2xi1>) {
  ^bb0(%a0: memref<1x1x2x4xf32>, %r0: memref<1x1x2x4xf32>, %r1: memref<1x1x4xf64>, %r2: memref<1x1x2xi1>):
  }
  func.return
}

// -----

// One body argument per DRAM operand and result: the result's is missing.
func.func @dram_count(%s: tensor<1x8xf64>) -> tensor<1x4xi64> {
  // expected-error @+1 {{'accel.token_kernel' body needs one DRAM argument per input and result (2), got 1}}
  %b = accel.token_kernel %s target #accel.target<"spatten"> : (tensor<1x8xf64>) -> tensor<1x4xi64> {
  ^bb0(%sd: memref<1x8xf64>):
  }
  func.return %b : tensor<1x4xi64>
}

// -----

// The progressive kernel has three results: o, colsum, requant.
func.func @results(%q: tensor<1x1x2x4xf32>, %km: tensor<1x1x4x4xi8>, %ks: tensor<1x1xf32>, %rows: tensor<1x2xi64>, %keys: tensor<1x4xi64>) {
  // expected-error @+1 {{'accel.progressive_kernel' returns o, colsum and requant}}
  %o, %c = accel.progressive_kernel %q, %km, %km, %ks, %km, %ks, %rows, %keys, %rows, %keys target #accel.target<"spatten"> pattern #attn.causal {block_q = 1 : i64, block_k = 2 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64, scale = 0.5 : f64} : (tensor<1x1x2x4xf32>, tensor<1x1x4x4xi8>, tensor<1x1x4x4xi8>, tensor<1x1xf32>, tensor<1x1x4x4xi8>, tensor<1x1xf32>, tensor<1x2xi64>, tensor<1x4xi64>, tensor<1x2xi64>, tensor<1x4xi64>) -> (tensor<1x1x2x4xf32>, tensor<1x1x4xf64>) {
  ^bb0(%a0: memref<1x1x2x4xf32>, %a1: memref<1x1x4x4xi8>, %a2: memref<1x1x4x4xi8>, %a3: memref<1x1xf32>, %a4: memref<1x1x4x4xi8>, %a5: memref<1x1xf32>, %a6: memref<1x2xi64>, %a7: memref<1x4xi64>, %a8: memref<1x2xi64>, %a9: memref<1x4xi64>, %r0: memref<1x1x2x4xf32>, %r1: memref<1x1x4xf64>):
  }
  func.return
}

// -----

// Empty key tiles.
func.func @block_k(%q: tensor<1x1x2x4xf32>, %km: tensor<1x1x4x4xi8>, %ks: tensor<1x1xf32>, %rows: tensor<1x2xi64>, %keys: tensor<1x4xi64>) {
  // expected-error @+1 {{'accel.progressive_kernel' block_k must be positive}}
  %o, %c, %r = accel.progressive_kernel %q, %km, %km, %ks, %km, %ks, %rows, %keys, %rows, %keys target #accel.target<"spatten"> pattern #attn.causal {block_q = 1 : i64, block_k = 0 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64, scale = 0.5 : f64} : (tensor<1x1x2x4xf32>, tensor<1x1x4x4xi8>, tensor<1x1x4x4xi8>, tensor<1x1xf32>, tensor<1x1x4x4xi8>, tensor<1x1xf32>, tensor<1x2xi64>, tensor<1x4xi64>, tensor<1x2xi64>, tensor<1x4xi64>) -> (tensor<1x1x2x4xf32>, tensor<1x1x4xf64>, tensor<1x1x2xi1>) {
  ^bb0(%a0: memref<1x1x2x4xf32>, %a1: memref<1x1x4x4xi8>, %a2: memref<1x1x4x4xi8>, %a3: memref<1x1xf32>, %a4: memref<1x1x4x4xi8>, %a5: memref<1x1xf32>, %a6: memref<1x2xi64>, %a7: memref<1x4xi64>, %a8: memref<1x2xi64>, %a9: memref<1x4xi64>, %r0: memref<1x1x2x4xf32>, %r1: memref<1x1x4xf64>, %r2: memref<1x1x2xi1>):
  }
  func.return
}

// -----

// Listed rows come from a [B, H, N, D] tensor into a rows x D buffer.
func.func @gather_rank(%k: tensor<1x1x8x4xi8>, %i: tensor<1x4xi64>) -> tensor<1x4xi64> {
  %b = accel.token_kernel %k, %i target #accel.target<"spatten"> : (tensor<1x1x8x4xi8>, tensor<1x4xi64>) -> tensor<1x4xi64> {
  ^bb0(%kd: memref<1x1x8x4xi8>, %id: memref<1x4xi64>, %od: memref<1x4xi64>):
    %kb = memref.alloc() : memref<16xi8>
    %ib = memref.alloc() : memref<1x4xi64>
    // expected-error @+1 {{'accel.dma_gather' gathers rows of a rank-4 tensor into a 2-D buffer}}
    accel.dma_gather %kd, %kb index %ib {tile = "k_msb", bits = 6 : i64, unit = "DMA"} : memref<1x1x8x4xi8>, memref<16xi8>, memref<1x4xi64>
  }
  func.return %b : tensor<1x4xi64>
}
