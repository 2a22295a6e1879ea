// attn-tile{q=Q k=K} on SpAtten's attention (passes/attn_tile_spatten.py):
// attn.progressive_attention -> tile.progressive_attention.  The gathers
// that compact K/V (and q) are folded into index lists, so the tiled op
// reads the stored planes; gathers left unused are erased.  With local
// value pruning a lane holds one query row; key tiles hold at most K
// listed keys.
//
// RUN: attn-opt %s --split-input-file -p 'attn-tile{q=8 k=2}' | filecheck %s
// The result verifies and is a fixed point of the pass:
// RUN: attn-opt %s --split-input-file -p 'attn-tile{q=8 k=2}' > %t1 && attn-opt %t1 --split-input-file -p 'attn-tile{q=8 k=2}' > %t2 && diff %t1 %t2

// A decoding step: the key planes are gathered by the kept tokens, q by
// its row; the tiled op lists them (rows %row, %kept) and the pattern
// sees the original positions (%qpos, %kept).
// CHECK-LABEL: func.func @decode
// CHECK:         %kept = attn.gather %tokens, %best {dim = 1 : i64}
// CHECK-NOT:     attn.gather
// CHECK:         %o, %colsum, %requant = tile.progressive_attention %q, %km, %kl, %ks, %vm, %vs rows %row, %kept positions %qpos, %kept pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 5.000000e-02 : f64, context = 8 : i64, block_q = 1 : i64, block_k = 2 : i64, scale = 5.000000e-01 : f64, value_keep = 5.000000e-01 : f64} : (tensor<1x2x3x4xf32>, tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
// CHECK-NEXT:    %imp2 = attn.token_importance %colsum at %kept into %imp
func.func @decode(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>, %imp: tensor<1x8xf64>) -> (tensor<1x2x1x4xf32>, tensor<1x8xf64>) {
    %km, %kl, %ks = attn.quantize %k {msb_bits = 6 : i64, lsb_bits = 4 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
    %vm, %vl, %vs = attn.quantize %v {msb_bits = 6 : i64, lsb_bits = 4 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
    %tokens = attn.token_range {start = 0 : i64} : tensor<1x8xi64>
    %scores = attn.gather %imp, %tokens {dim = 1 : i64} : (tensor<1x8xf64>, tensor<1x8xi64>) -> tensor<1x8xf64>
    %best = attn.topk %scores {k = 4 : i64} : tensor<1x8xf64> -> tensor<1x4xi64>
    %kept = attn.gather %tokens, %best {dim = 1 : i64} : (tensor<1x8xi64>, tensor<1x4xi64>) -> tensor<1x4xi64>
    %kmg = attn.gather %km, %kept {dim = 2 : i64} : (tensor<1x2x8x4xi8>, tensor<1x4xi64>) -> tensor<1x2x4x4xi8>
    %klg = attn.gather %kl, %kept {dim = 2 : i64} : (tensor<1x2x8x4xi8>, tensor<1x4xi64>) -> tensor<1x2x4x4xi8>
    %vmg = attn.gather %vm, %kept {dim = 2 : i64} : (tensor<1x2x8x4xi8>, tensor<1x4xi64>) -> tensor<1x2x4x4xi8>
    %row = attn.token_range {start = 2 : i64} : tensor<1x1xi64>
    %qg = attn.gather %q, %row {dim = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<1x1xi64>) -> tensor<1x2x1x4xf32>
    %qpos = attn.token_range {start = 7 : i64} : tensor<1x1xi64>
    %o, %colsum, %requant = attn.progressive_attention %qg, %kmg, %klg, %ks, %vmg, %vs positions %qpos, %kept pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, value_keep = 0.5 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
    %imp2 = attn.token_importance %colsum at %kept into %imp : (tensor<1x2x4xf64>, tensor<1x4xi64>, tensor<1x8xf64>) -> tensor<1x8xf64>
    func.return %o, %imp2 : tensor<1x2x1x4xf32>, tensor<1x8xf64>
}

// -----

// Heads pruned too (an encoder layer): every operand is gathered by the
// listed heads, then by the kept tokens; both fold, and without local value
// pruning Q query rows share a lane.
// CHECK-LABEL: func.func @heads
// CHECK-NOT:     attn.gather
// CHECK:         tile.progressive_attention %q, %km, %kl, %ks, %km, %ks rows %kept, %kept positions %kept, %kept heads %hs pattern #attn.dense {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 5.000000e-02 : f64, context = 8 : i64, block_q = 4 : i64, block_k = 2 : i64, scale = 5.000000e-01 : f64}
func.func @heads(%q: tensor<1x3x8x4xf32>, %km: tensor<1x3x8x4xi8>, %kl: tensor<1x3x8x4xi8>, %ks: tensor<1x3xf32>, %hs: tensor<1x2xi64>, %kept: tensor<1x4xi64>) -> tensor<1x2x4x4xf32> {
  %qh = attn.gather %q, %hs {dim = 1 : i64} : (tensor<1x3x8x4xf32>, tensor<1x2xi64>) -> tensor<1x2x8x4xf32>
  %kmh = attn.gather %km, %hs {dim = 1 : i64} : (tensor<1x3x8x4xi8>, tensor<1x2xi64>) -> tensor<1x2x8x4xi8>
  %klh = attn.gather %kl, %hs {dim = 1 : i64} : (tensor<1x3x8x4xi8>, tensor<1x2xi64>) -> tensor<1x2x8x4xi8>
  %ksh = attn.gather %ks, %hs {dim = 1 : i64} : (tensor<1x3xf32>, tensor<1x2xi64>) -> tensor<1x2xf32>
  %qg = attn.gather %qh, %kept {dim = 2 : i64} : (tensor<1x2x8x4xf32>, tensor<1x4xi64>) -> tensor<1x2x4x4xf32>
  %kmg = attn.gather %kmh, %kept {dim = 2 : i64} : (tensor<1x2x8x4xi8>, tensor<1x4xi64>) -> tensor<1x2x4x4xi8>
  %klg = attn.gather %klh, %kept {dim = 2 : i64} : (tensor<1x2x8x4xi8>, tensor<1x4xi64>) -> tensor<1x2x4x4xi8>
  %o, %colsum, %requant = attn.progressive_attention %qg, %kmg, %klg, %ksh, %kmg, %ksh positions %kept, %kept heads %hs pattern #attn.dense {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64, scale = 0.5 : f64} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x4xi64>, tensor<1x4xi64>, tensor<1x2xi64>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4xf64>, tensor<1x2x4xi1>)
  func.return %o : tensor<1x2x4x4xf32>
}

// -----

// Operands that are not gathers are read whole: identity index lists.
// CHECK-LABEL: func.func @whole
// CHECK-NEXT:    %all_keys = attn.token_range {start = 0 : i64} : tensor<1x4xi64>
// CHECK-NEXT:    %all_queries = attn.token_range {start = 0 : i64} : tensor<1x2xi64>
// CHECK-NEXT:    tile.progressive_attention %q, %km, %kl, %ks, %km, %ks rows %all_queries, %all_keys positions %qp, %kp pattern #attn.causal
func.func @whole(%q: tensor<1x1x2x4xf32>, %km: tensor<1x1x4x4xi8>, %kl: tensor<1x1x4x4xi8>, %ks: tensor<1x1xf32>, %qp: tensor<1x2xi64>, %kp: tensor<1x4xi64>) -> tensor<1x1x2x4xf32> {
  %o, %colsum, %requant = attn.progressive_attention %q, %km, %kl, %ks, %km, %ks positions %qp, %kp pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64} : (tensor<1x1x2x4xf32>, tensor<1x1x4x4xi8>, tensor<1x1x4x4xi8>, tensor<1x1xf32>, tensor<1x1x4x4xi8>, tensor<1x1xf32>, tensor<1x2xi64>, tensor<1x4xi64>) -> (tensor<1x1x2x4xf32>, tensor<1x1x4xf64>, tensor<1x1x2xi1>)
  func.return %o : tensor<1x1x2x4xf32>
}
