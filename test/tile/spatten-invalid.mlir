// Verifier rules of tile.progressive_attention (the rules it shares with
// attn.progressive_attention are in test/attn/spatten-invalid.mlir).
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics

// Query rows and positions come in pairs.
func.func @rows(%q: tensor<1x2x3x4xf32>, %km: tensor<1x2x8x4xi8>, %ks: tensor<1x2xf32>, %qrows: tensor<1x2xi64>, %qpos: tensor<1x1xi64>, %kept: tensor<1x4xi64>) {
  // expected-error @+1 {{'tile.progressive_attention' query rows and positions differ in length}}
  %o, %colsum, %requant = tile.progressive_attention %q, %km, %km, %ks, %km, %ks rows %qrows, %kept positions %qpos, %kept pattern #attn.causal {block_q = 1 : i64, block_k = 2 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64, scale = 0.5 : f64} : (tensor<1x2x3x4xf32>, tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x2xi64>, tensor<1x4xi64>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  func.return
}

// -----

// Key tiles hold at least one key.
func.func @blocks(%q: tensor<1x2x3x4xf32>, %km: tensor<1x2x8x4xi8>, %ks: tensor<1x2xf32>, %qrows: tensor<1x1xi64>, %kept: tensor<1x4xi64>) {
  // expected-error @+1 {{'tile.progressive_attention' block_k must be positive, got 0}}
  %o, %colsum, %requant = tile.progressive_attention %q, %km, %km, %ks, %km, %ks rows %qrows, %kept positions %qrows, %kept pattern #attn.causal {block_q = 1 : i64, block_k = 0 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64, scale = 0.5 : f64} : (tensor<1x2x3x4xf32>, tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  func.return
}

// -----

// Key rows and positions come in pairs too.
func.func @key_rows(%q: tensor<1x2x3x4xf32>, %km: tensor<1x2x8x4xi8>, %ks: tensor<1x2xf32>, %qrows: tensor<1x1xi64>, %krows: tensor<1x4xi64>, %kpos: tensor<1x3xi64>) {
  // expected-error @+1 {{'tile.progressive_attention' key rows and positions differ in length}}
  %o, %colsum, %requant = tile.progressive_attention %q, %km, %km, %ks, %km, %ks rows %qrows, %krows positions %qrows, %kpos pattern #attn.causal {block_q = 1 : i64, block_k = 2 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64, scale = 0.5 : f64} : (tensor<1x2x3x4xf32>, tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>, tensor<1x1xi64>, tensor<1x3xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x3xf64>, tensor<1x2x1xi1>)
  func.return
}
