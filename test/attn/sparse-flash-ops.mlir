// Round trip of the Sparse Flash Attention ops of the attn dialect
// (QK-dropping and hash buckets, causal on original positions), in the
// custom and the generic form.
//
// RUN: attn-opt %s | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC
// RUN: attn-opt %s | attn-opt > %t1 && attn-opt %t1 | attn-opt > %t2 && diff %t1 %t2

// QK-dropping: keep arrays as operands (8 of 16 queries per head) or from
// the seeded selection op (12 of 16 keys), default scale.
// CHECK-LABEL: func.func @qk_drop
// CHECK-NEXT:    %kk = attn.keep_random {length = 16 : i64, seed = 2 : i64} : tensor<1x2x12xi32>
// CHECK-NEXT:    %o = attn.qk_drop_attention %q, %k, %v keep %qk, %kk : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x8xi32>, tensor<1x2x12xi32>) -> tensor<1x2x16x8xf32>
// GENERIC-LABEL: "func.func"() <{sym_name = "qk_drop"
// GENERIC:         %kk = "attn.keep_random"() <{length = 16 : i64, seed = 2 : i64}> : () -> tensor<1x2x12xi32>
// GENERIC-NEXT:    %o = "attn.qk_drop_attention"(%q, %k, %v, %qk, %kk) : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x8xi32>, tensor<1x2x12xi32>) -> tensor<1x2x16x8xf32>
func.func @qk_drop(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %qk: tensor<1x2x8xi32>) -> tensor<1x2x16x8xf32> {
  %kk = attn.keep_random {length = 16 : i64, seed = 2 : i64} : tensor<1x2x12xi32>
  %o = attn.qk_drop_attention %q, %k, %v keep %qk, %kk : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x8xi32>, tensor<1x2x12xi32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// Hash attention with an explicit scale; q and k of different lengths and
// v of another width.
// CHECK-LABEL: func.func @hash
// CHECK-NEXT:    %o = attn.hash_attention %q, %k, %v {buckets = 8 : i64, seed = 3 : i64, scale = 5.000000e-01 : f64} : (tensor<2x3x10x8xf16>, tensor<2x3x12x8xf16>, tensor<2x3x12x4xf16>) -> tensor<2x3x10x4xf16>
// GENERIC-LABEL: "func.func"() <{sym_name = "hash"
// GENERIC:         "attn.hash_attention"(%q, %k, %v) <{buckets = 8 : i64, seed = 3 : i64, scale = 5.000000e-01 : f64}>
func.func @hash(%q: tensor<2x3x10x8xf16>, %k: tensor<2x3x12x8xf16>, %v: tensor<2x3x12x4xf16>) -> tensor<2x3x10x4xf16> {
  %o = attn.hash_attention %q, %k, %v {buckets = 8 : i64, seed = 3 : i64, scale = 0.5 : f64} : (tensor<2x3x10x8xf16>, tensor<2x3x12x8xf16>, tensor<2x3x12x4xf16>) -> tensor<2x3x10x4xf16>
  func.return %o : tensor<2x3x10x4xf16>
}

// The compacted form: hashing, the stable sort by bucket, compaction,
// attention on original positions (with and without buckets) and the
// scatter back.
// CHECK-LABEL: func.func @compacted
// CHECK-NEXT:    %qb = attn.hash_buckets %q {buckets = 4 : i64, seed = 0 : i64} : tensor<1x2x16x8xf32> -> tensor<1x2x16xi32>
// CHECK-NEXT:    %order, %sorted = attn.sort_by_bucket %qb : tensor<1x2x16xi32> -> tensor<1x2x16xi32>, tensor<1x2x16xi32>
// CHECK-NEXT:    %qs = attn.gather_tokens %q, %order : (tensor<1x2x16x8xf32>, tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:    %os = attn.indexed_attention %qs, %qs, %qs positions %order, %order buckets %sorted, %sorted : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:    %od = attn.indexed_attention %qs, %qs, %qs positions %order, %order {scale = 2.500000e-01 : f64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32>
// CHECK-NEXT:    %o = attn.scatter_tokens %os, %order : (tensor<1x2x16x8xf32>, tensor<1x2x16xi32>) -> tensor<1x2x20x8xf32>
// GENERIC-LABEL: "func.func"() <{sym_name = "compacted"
// GENERIC:         %os = "attn.indexed_attention"(%qs, %qs, %qs, %order, %order, %sorted, %sorted) : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32>
func.func @compacted(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x20x8xf32> {
  %qb = attn.hash_buckets %q {buckets = 4 : i64, seed = 0 : i64} : tensor<1x2x16x8xf32> -> tensor<1x2x16xi32>
  %order, %sorted = attn.sort_by_bucket %qb : tensor<1x2x16xi32> -> tensor<1x2x16xi32>, tensor<1x2x16xi32>
  %qs = attn.gather_tokens %q, %order : (tensor<1x2x16x8xf32>, tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32>
  %os = attn.indexed_attention %qs, %qs, %qs positions %order, %order buckets %sorted, %sorted : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32>
  %od = attn.indexed_attention %qs, %qs, %qs positions %order, %order {scale = 0.25 : f64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32>
  %o = attn.scatter_tokens %os, %order : (tensor<1x2x16x8xf32>, tensor<1x2x16xi32>) -> tensor<1x2x20x8xf32>
  func.return %o : tensor<1x2x20x8xf32>
}

// The tiled form (tile dialect): no static table, the tile sizes and scale
// as properties.
// CHECK-LABEL: func.func @tiled
// CHECK-NEXT:    %o = tile.indexed_attention %q, %q, %q positions %p, %p buckets %b, %b {block_q = 4 : i64, block_k = 8 : i64, scale = 5.000000e-01 : f64} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xi32>, tensor<1x1x8xi32>, tensor<1x1x8xi32>, tensor<1x1x8xi32>) -> tensor<1x1x8x8xf32>
// GENERIC-LABEL: "func.func"() <{sym_name = "tiled"
// GENERIC:         "tile.indexed_attention"(%q, %q, %q, %p, %p, %b, %b) <{block_q = 4 : i64, block_k = 8 : i64, scale = 5.000000e-01 : f64}>
func.func @tiled(%q: tensor<1x1x8x8xf32>, %p: tensor<1x1x8xi32>, %b: tensor<1x1x8xi32>) -> tensor<1x1x8x8xf32> {
  %o = tile.indexed_attention %q, %q, %q positions %p, %p buckets %b, %b {block_q = 4 : i64, block_k = 8 : i64, scale = 0.5 : f64} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8xi32>, tensor<1x1x8xi32>, tensor<1x1x8xi32>, tensor<1x1x8xi32>) -> tensor<1x1x8x8xf32>
  func.return %o : tensor<1x1x8x8xf32>
}
