// Round trip of SpAtten's ops in the attn dialect (attn_ir.dialects.spatten.attn):
// quantisation into MSB/LSB planes, index lists, top-k by count and by
// ratio, gather and scatter, the progressive attention (with and without
// heads and local value pruning) and the importance accumulators, in the
// custom and the generic form.
//
// RUN: attn-opt %s | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | attn-opt | filecheck %s
// RUN: attn-opt %s | attn-opt > %t1 && attn-opt %t1 | attn-opt > %t2 && diff %t1 %t2

// One decoding step of a two-head layer: prune 8 tokens to 4 by importance,
// attend from the MSBs, accumulate the column sums, place the row back.
// CHECK-LABEL: func.func @decode_step
// CHECK-NEXT:    %km, %kl, %ks = attn.quantize %k {msb_bits = 6 : i64, lsb_bits = 4 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
// CHECK-NEXT:    %vm, %vl, %vs = attn.quantize %v {msb_bits = 6 : i64, lsb_bits = 4 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
// CHECK-NEXT:    %tokens = attn.token_range {start = 0 : i64} : tensor<1x8xi64>
// CHECK-NEXT:    %scores = attn.gather %imp, %tokens {dim = 1 : i64} : (tensor<1x8xf64>, tensor<1x8xi64>) -> tensor<1x8xf64>
// CHECK-NEXT:    %best = attn.topk %scores {k = 4 : i64} : tensor<1x8xf64> -> tensor<1x4xi64>
// CHECK-NEXT:    %half = attn.topk %scores {keep = 5.000000e-01 : f64} : tensor<1x8xf64> -> tensor<1x4xi64>
// CHECK-NEXT:    %kept = attn.gather %tokens, %best {dim = 1 : i64} : (tensor<1x8xi64>, tensor<1x4xi64>) -> tensor<1x4xi64>
// CHECK-NEXT:    %kmg = attn.gather %km, %kept {dim = 2 : i64} : (tensor<1x2x8x4xi8>, tensor<1x4xi64>) -> tensor<1x2x4x4xi8>
// CHECK-NEXT:    %klg = attn.gather %kl, %kept {dim = 2 : i64} : (tensor<1x2x8x4xi8>, tensor<1x4xi64>) -> tensor<1x2x4x4xi8>
// CHECK-NEXT:    %vmg = attn.gather %vm, %kept {dim = 2 : i64} : (tensor<1x2x8x4xi8>, tensor<1x4xi64>) -> tensor<1x2x4x4xi8>
// CHECK-NEXT:    %qpos = attn.token_range {start = 7 : i64} : tensor<1x1xi64>
// CHECK-NEXT:    %o, %colsum, %requant = attn.progressive_attention %q, %kmg, %klg, %ks, %vmg, %vs positions %qpos, %kept pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 5.000000e-02 : f64, value_keep = 5.000000e-01 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
// CHECK-NEXT:    %imp2 = attn.token_importance %colsum at %kept into %imp : (tensor<1x2x4xf64>, tensor<1x4xi64>, tensor<1x8xf64>) -> tensor<1x8xf64>
// CHECK-NEXT:    %first = attn.token_importance %colsum at %kept : (tensor<1x2x4xf64>, tensor<1x4xi64>) -> tensor<1x8xf64>
// CHECK-NEXT:    %row = attn.token_range {start = 3 : i64} : tensor<1x1xi64>
// CHECK-NEXT:    %placed = attn.scatter %o, %row {dim = 2 : i64} : (tensor<1x2x1x4xf32>, tensor<1x1xi64>) -> tensor<1x2x8x4xf32>
// CHECK-NEXT:    %again = attn.scatter %o, %row into %placed {dim = 2 : i64} : (tensor<1x2x1x4xf32>, tensor<1x1xi64>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
// CHECK-NEXT:    func.return %again, %imp2, %requant : tensor<1x2x8x4xf32>, tensor<1x8xf64>, tensor<1x2x1xi1>
func.func @decode_step(%q: tensor<1x2x1x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>, %imp: tensor<1x8xf64>) -> (tensor<1x2x8x4xf32>, tensor<1x8xf64>, tensor<1x2x1xi1>) {
  %km, %kl, %ks = attn.quantize %k {msb_bits = 6 : i64, lsb_bits = 4 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
  %vm, %vl, %vs = attn.quantize %v {msb_bits = 6 : i64, lsb_bits = 4 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
  %tokens = attn.token_range {start = 0 : i64} : tensor<1x8xi64>
  %scores = attn.gather %imp, %tokens {dim = 1 : i64} : (tensor<1x8xf64>, tensor<1x8xi64>) -> tensor<1x8xf64>
  %best = attn.topk %scores {k = 4 : i64} : tensor<1x8xf64> -> tensor<1x4xi64>
  %half = attn.topk %scores {keep = 0.5 : f64} : tensor<1x8xf64> -> tensor<1x4xi64>
  %kept = attn.gather %tokens, %best {dim = 1 : i64} : (tensor<1x8xi64>, tensor<1x4xi64>) -> tensor<1x4xi64>
  %kmg = attn.gather %km, %kept {dim = 2 : i64} : (tensor<1x2x8x4xi8>, tensor<1x4xi64>) -> tensor<1x2x4x4xi8>
  %klg = attn.gather %kl, %kept {dim = 2 : i64} : (tensor<1x2x8x4xi8>, tensor<1x4xi64>) -> tensor<1x2x4x4xi8>
  %vmg = attn.gather %vm, %kept {dim = 2 : i64} : (tensor<1x2x8x4xi8>, tensor<1x4xi64>) -> tensor<1x2x4x4xi8>
  %qpos = attn.token_range {start = 7 : i64} : tensor<1x1xi64>
  %o, %colsum, %requant = attn.progressive_attention %q, %kmg, %klg, %ks, %vmg, %vs positions %qpos, %kept pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, value_keep = 0.5 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  %imp2 = attn.token_importance %colsum at %kept into %imp : (tensor<1x2x4xf64>, tensor<1x4xi64>, tensor<1x8xf64>) -> tensor<1x8xf64>
  %first = attn.token_importance %colsum at %kept : (tensor<1x2x4xf64>, tensor<1x4xi64>) -> tensor<1x8xf64>
  %row = attn.token_range {start = 3 : i64} : tensor<1x1xi64>
  %placed = attn.scatter %o, %row {dim = 2 : i64} : (tensor<1x2x1x4xf32>, tensor<1x1xi64>) -> tensor<1x2x8x4xf32>
  %again = attn.scatter %o, %row into %placed {dim = 2 : i64} : (tensor<1x2x1x4xf32>, tensor<1x1xi64>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %again, %imp2, %requant : tensor<1x2x8x4xf32>, tensor<1x8xf64>, tensor<1x2x1xi1>
}

// An encoder layer with head pruning: heads listed, gathered along dim 1,
// the pattern told the original heads, head importance accumulated; a
// 12-bit single-plane code (no LSBs: no refetch) and an explicit scale.
// CHECK-LABEL: func.func @heads
// CHECK:         %o, %colsum, %requant = attn.progressive_attention %qg, %km, %kl, %ks, %vm, %vs positions %tokens, %tokens heads %hs pattern #attn.dense {msb_bits = 12 : i64, lsb_bits = 0 : i64, threshold = 0.000000e+00 : f64, context = 4 : i64, scale = 2.500000e-01 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xi16>, tensor<1x1x4x4xi16>, tensor<1x1xf32>, tensor<1x1x4x4xi16>, tensor<1x1xf32>, tensor<1x4xi64>, tensor<1x4xi64>, tensor<1x1xi64>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4xf64>, tensor<1x1x4xi1>)
// CHECK-NEXT:    %h = attn.head_importance %o heads %hs : (tensor<1x1x4x4xf32>, tensor<1x1xi64>) -> tensor<1x3xf64>
// CHECK-NEXT:    %h2 = attn.head_importance %o heads %hs into %h : (tensor<1x1x4x4xf32>, tensor<1x1xi64>, tensor<1x3xf64>) -> tensor<1x3xf64>
func.func @heads(%q: tensor<1x3x4x4xf32>, %kmf: tensor<1x3x4x4xi16>, %klf: tensor<1x3x4x4xi16>, %ksf: tensor<1x3xf32>, %hs: tensor<1x1xi64>) -> tensor<1x3xf64> {
  %qg = attn.gather %q, %hs {dim = 1 : i64} : (tensor<1x3x4x4xf32>, tensor<1x1xi64>) -> tensor<1x1x4x4xf32>
  %km = attn.gather %kmf, %hs {dim = 1 : i64} : (tensor<1x3x4x4xi16>, tensor<1x1xi64>) -> tensor<1x1x4x4xi16>
  %kl = attn.gather %klf, %hs {dim = 1 : i64} : (tensor<1x3x4x4xi16>, tensor<1x1xi64>) -> tensor<1x1x4x4xi16>
  %ks = attn.gather %ksf, %hs {dim = 1 : i64} : (tensor<1x3xf32>, tensor<1x1xi64>) -> tensor<1x1xf32>
  %vm = attn.gather %kmf, %hs {dim = 1 : i64} : (tensor<1x3x4x4xi16>, tensor<1x1xi64>) -> tensor<1x1x4x4xi16>
  %vs = attn.gather %ksf, %hs {dim = 1 : i64} : (tensor<1x3xf32>, tensor<1x1xi64>) -> tensor<1x1xf32>
  %tokens = attn.token_range {start = 0 : i64} : tensor<1x4xi64>
  %o, %colsum, %requant = attn.progressive_attention %qg, %km, %kl, %ks, %vm, %vs positions %tokens, %tokens heads %hs pattern #attn.dense {msb_bits = 12 : i64, lsb_bits = 0 : i64, threshold = 0.0 : f64, context = 4 : i64, scale = 0.25 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xi16>, tensor<1x1x4x4xi16>, tensor<1x1xf32>, tensor<1x1x4x4xi16>, tensor<1x1xf32>, tensor<1x4xi64>, tensor<1x4xi64>, tensor<1x1xi64>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4xf64>, tensor<1x1x4xi1>)
  %h = attn.head_importance %o heads %hs : (tensor<1x1x4x4xf32>, tensor<1x1xi64>) -> tensor<1x3xf64>
  %h2 = attn.head_importance %o heads %hs into %h : (tensor<1x1x4x4xf32>, tensor<1x1xi64>, tensor<1x3xf64>) -> tensor<1x3xf64>
  func.return %h2 : tensor<1x3xf64>
}
