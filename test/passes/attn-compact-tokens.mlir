// attn-compact-tokens: Sparse Flash Attention's full-length attentions ->
// the compacted form (Pagliardini et al. 2023, Section 3).  QK-dropping
// gathers the kept queries, keys and values, attends on their original
// indices (the keep arrays) and scatters the result back (dropped queries
// get 0).  Hashing buckets queries and keys with one seed, sorts each by
// bucket (stable: the order is the original indices), gathers, attends on
// the orders within equal buckets and scatters back.  An explicit scale is
// kept; the default one stays implicit (D does not change).
//
// RUN: attn-opt %s --split-input-file -p attn-compact-tokens | filecheck %s
// The output verifies and a second run changes nothing:
// RUN: attn-opt %s --split-input-file -p attn-compact-tokens > %t1 && attn-opt %t1 --split-input-file -p attn-compact-tokens > %t2 && diff %t1 %t2

// CHECK-LABEL: func.func @qk_drop
// CHECK-NEXT:    %q_kept = attn.gather_tokens %q, %qk : (tensor<1x2x16x8xf32>, tensor<1x2x8xi32>) -> tensor<1x2x8x8xf32>
// CHECK-NEXT:    %k_kept = attn.gather_tokens %k, %kk : (tensor<1x2x16x8xf32>, tensor<1x2x12xi32>) -> tensor<1x2x12x8xf32>
// CHECK-NEXT:    %v_kept = attn.gather_tokens %v, %kk : (tensor<1x2x16x8xf32>, tensor<1x2x12xi32>) -> tensor<1x2x12x8xf32>
// CHECK-NEXT:    %o_kept = attn.indexed_attention %q_kept, %k_kept, %v_kept positions %qk, %kk {scale = 5.000000e-01 : f64} : (tensor<1x2x8x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x8xi32>, tensor<1x2x12xi32>) -> tensor<1x2x8x8xf32>
// CHECK-NEXT:    %o = attn.scatter_tokens %o_kept, %qk : (tensor<1x2x8x8xf32>, tensor<1x2x8xi32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x8xf32>
func.func @qk_drop(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %qk: tensor<1x2x8xi32>, %kk: tensor<1x2x12xi32>) -> tensor<1x2x16x8xf32> {
  %o = attn.qk_drop_attention %q, %k, %v keep %qk, %kk {scale = 0.5 : f64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x8xi32>, tensor<1x2x12xi32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// CHECK-LABEL: func.func @hash
// CHECK-NEXT:    %q_bucket = attn.hash_buckets %q {buckets = 4 : i64, seed = 7 : i64} : tensor<1x2x16x8xf32> -> tensor<1x2x16xi32>
// CHECK-NEXT:    %k_bucket = attn.hash_buckets %k {buckets = 4 : i64, seed = 7 : i64} : tensor<1x2x12x8xf32> -> tensor<1x2x12xi32>
// CHECK-NEXT:    %q_order, %q_sorted_bucket = attn.sort_by_bucket %q_bucket : tensor<1x2x16xi32> -> tensor<1x2x16xi32>, tensor<1x2x16xi32>
// CHECK-NEXT:    %k_order, %k_sorted_bucket = attn.sort_by_bucket %k_bucket : tensor<1x2x12xi32> -> tensor<1x2x12xi32>, tensor<1x2x12xi32>
// CHECK-NEXT:    %q_sorted = attn.gather_tokens %q, %q_order : (tensor<1x2x16x8xf32>, tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:    %k_sorted = attn.gather_tokens %k, %k_order : (tensor<1x2x12x8xf32>, tensor<1x2x12xi32>) -> tensor<1x2x12x8xf32>
// CHECK-NEXT:    %v_sorted = attn.gather_tokens %v, %k_order : (tensor<1x2x12x4xf32>, tensor<1x2x12xi32>) -> tensor<1x2x12x4xf32>
// CHECK-NEXT:    %o_sorted = attn.indexed_attention %q_sorted, %k_sorted, %v_sorted positions %q_order, %k_order buckets %q_sorted_bucket, %k_sorted_bucket : (tensor<1x2x16x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x4xf32>, tensor<1x2x16xi32>, tensor<1x2x12xi32>, tensor<1x2x16xi32>, tensor<1x2x12xi32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    %o = attn.scatter_tokens %o_sorted, %q_order : (tensor<1x2x16x4xf32>, tensor<1x2x16xi32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @hash(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x12x8xf32>, %v: tensor<1x2x12x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.hash_attention %q, %k, %v {buckets = 4 : i64, seed = 7 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}
