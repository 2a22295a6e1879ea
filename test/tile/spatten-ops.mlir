// Round trip of tile.progressive_attention (attn_ir.dialects.spatten.tile):
// whole q, K and V planes with the index lists of the rows to fetch, the
// original positions, optionally the heads; block sizes and the scale are
// explicit at this level.
//
// RUN: attn-opt %s | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | attn-opt | filecheck %s

// CHECK-LABEL: func.func @tiled
// CHECK-NEXT:    %o, %colsum, %requant = tile.progressive_attention %q, %km, %kl, %ks, %vm, %vs rows %qrows, %kept positions %qpos, %kept pattern #attn.causal {block_q = 1 : i64, block_k = 2 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 5.000000e-02 : f64, value_keep = 5.000000e-01 : f64, context = 8 : i64, scale = 5.000000e-01 : f64} : (tensor<1x2x3x4xf32>, tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
// CHECK-NEXT:    %o2, %colsum2, %requant2 = tile.progressive_attention %q, %km, %kl, %ks, %vm, %vs rows %qrows, %kept positions %qpos, %kept heads %hs pattern #attn.causal {block_q = 1 : i64, block_k = 4 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 5.000000e-02 : f64, context = 8 : i64, scale = 5.000000e-01 : f64} : (tensor<1x2x3x4xf32>, tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>, tensor<1x1xi64>, tensor<1x4xi64>, tensor<1x1xi64>) -> (tensor<1x1x1x4xf32>, tensor<1x1x4xf64>, tensor<1x1x1xi1>)
func.func @tiled(%q: tensor<1x2x3x4xf32>, %km: tensor<1x2x8x4xi8>, %kl: tensor<1x2x8x4xi8>, %ks: tensor<1x2xf32>, %vm: tensor<1x2x8x4xi8>, %vs: tensor<1x2xf32>, %qrows: tensor<1x1xi64>, %qpos: tensor<1x1xi64>, %kept: tensor<1x4xi64>, %hs: tensor<1x1xi64>) {
  %o, %colsum, %requant = tile.progressive_attention %q, %km, %kl, %ks, %vm, %vs rows %qrows, %kept positions %qpos, %kept pattern #attn.causal {block_q = 1 : i64, block_k = 2 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, value_keep = 0.5 : f64, context = 8 : i64, scale = 0.5 : f64} : (tensor<1x2x3x4xf32>, tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  %o2, %colsum2, %requant2 = tile.progressive_attention %q, %km, %kl, %ks, %vm, %vs rows %qrows, %kept positions %qpos, %kept heads %hs pattern #attn.causal {block_q = 1 : i64, block_k = 4 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64, scale = 0.5 : f64} : (tensor<1x2x3x4xf32>, tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>, tensor<1x1xi64>, tensor<1x4xi64>, tensor<1x1xi64>) -> (tensor<1x1x1x4xf32>, tensor<1x1x4xf64>, tensor<1x1x1xi1>)
  func.return
}
