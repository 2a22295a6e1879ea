// attn-tile on Sparse Flash Attention: the full-length attentions are
// compacted (as attn-compact-tokens does) and attn.indexed_attention
// becomes tile.indexed_attention over tiles of q x k, whose tile table is
// found at run time from the tiles' ranges of original indices and
// buckets.  The footprint of a 4 x 4 step with D = Dv = 8 in f32 is
// tile.attention's (Q, K, V tiles 3 * 128, scores 64, state 160: 608)
// plus the indices of the query and key tiles, (4 + 4) * 4 bytes, twice
// when hashing (buckets too): 640 and 672.  The pipeline runs the cascade
// passes first: they leave these ops alone.
//
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=4 k=4}' | filecheck %s
// RUN: attn-opt %s --split-input-file -p 'attn-tile{q=4 k=4}' > %t1 && attn-opt %t1 --split-input-file -p 'attn-tile{q=4 k=4}' > %t2 && diff %t1 %t2

// CHECK-LABEL: func.func @qk_drop
// CHECK:         %o_kept = tile.indexed_attention %q_kept, %k_kept, %v_kept positions %qk, %kk {footprint_bytes = 640 : i64, block_q = 4 : i64, block_k = 4 : i64, scale = 0.35355339059327373 : f64} : (tensor<1x2x8x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x8xi32>, tensor<1x2x12xi32>) -> tensor<1x2x8x8xf32>
// CHECK-NEXT:    %o = attn.scatter_tokens %o_kept, %qk
func.func @qk_drop(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>, %qk: tensor<1x2x8xi32>, %kk: tensor<1x2x12xi32>) -> tensor<1x2x16x8xf32> {
  %o = attn.qk_drop_attention %q, %k, %v keep %qk, %kk : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x8xi32>, tensor<1x2x12xi32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// CHECK-LABEL: func.func @hash
// CHECK:         %o_sorted = tile.indexed_attention %q_sorted, %k_sorted, %v_sorted positions %q_order, %k_order buckets %q_sorted_bucket, %k_sorted_bucket {footprint_bytes = 672 : i64, block_q = 4 : i64, block_k = 4 : i64, scale = 0.35355339059327373 : f64}
// CHECK-NEXT:    %o = attn.scatter_tokens %o_sorted, %q_order
func.func @hash(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.hash_attention %q, %k, %v {buckets = 4 : i64, seed = 7 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// An indexed attention written by hand is tiled as it is.
// CHECK-LABEL: func.func @indexed
// CHECK-NEXT:    %o = tile.indexed_attention %q, %q, %q positions %p, %p {footprint_bytes = 640 : i64, block_q = 4 : i64, block_k = 4 : i64, scale = 2.500000e-01 : f64}
func.func @indexed(%q: tensor<1x1x6x8xf32>, %p: tensor<1x1x6xi32>) -> tensor<1x1x6x8xf32> {
  %o = attn.indexed_attention %q, %q, %q positions %p, %p {scale = 0.25 : f64} : (tensor<1x1x6x8xf32>, tensor<1x1x6x8xf32>, tensor<1x1x6x8xf32>, tensor<1x1x6xi32>, tensor<1x1x6xi32>) -> tensor<1x1x6x8xf32>
  func.return %o : tensor<1x1x6x8xf32>
}
