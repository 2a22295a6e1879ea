// One chunk per verifier rule of the Sparse Flash Attention ops (attn and
// tile levels); each message is the full text the tool prints.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics

// attn.keep_random keeps more tokens than the sequence has.
func.func @f() -> tensor<1x2x20xi32> {
  // expected-error @+1 {{'attn.keep_random' cannot keep 20 of 16 tokens}}
  %k = attn.keep_random {length = 16 : i64, seed = 0 : i64} : tensor<1x2x20xi32>
  func.return %k : tensor<1x2x20xi32>
}

// -----

// Keep indices are i32.
func.func @f() -> tensor<1x2x4xi64> {
  // expected-error @+1 {{'attn.keep_random' result must have element type i32 (token indices), got i64}}
  %k = attn.keep_random {length = 16 : i64, seed = 0 : i64} : tensor<1x2x4xi64>
  func.return %k : tensor<1x2x4xi64>
}

// -----

// A negative seed.
func.func @f() -> tensor<1x2x4xi32> {
  // expected-error @+1 {{'attn.keep_random' seed must be non-negative, got -1}}
  %k = attn.keep_random {length = 16 : i64, seed = -1 : i64} : tensor<1x2x4xi32>
  func.return %k : tensor<1x2x4xi32>
}

// -----

// An odd number of buckets.
func.func @f(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16xi32> {
  // expected-error @+1 {{'attn.hash_buckets' buckets must be even and at least 2 (the hash is the argmax over buckets / 2 random directions and their negations), got 5}}
  %b = attn.hash_buckets %q {buckets = 5 : i64, seed = 0 : i64} : tensor<1x2x16x8xf32> -> tensor<1x2x16xi32>
  func.return %b : tensor<1x2x16xi32>
}

// -----

// One bucket per token.
func.func @f(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x15xi32> {
  // expected-error @+1 {{'attn.hash_buckets' result must have shape 1x2x16 (one bucket per token), got 1x2x15}}
  %b = attn.hash_buckets %q {buckets = 4 : i64, seed = 0 : i64} : tensor<1x2x16x8xf32> -> tensor<1x2x15xi32>
  func.return %b : tensor<1x2x15xi32>
}

// -----

// Both results of the sort have the buckets' shape.
func.func @f(%b: tensor<1x2x16xi32>) -> tensor<1x2x16xi32> {
  // expected-error @+1 {{'attn.sort_by_bucket' sorted must have shape 1x2x16, got 1x2x8}}
  %o, %s = attn.sort_by_bucket %b : tensor<1x2x16xi32> -> tensor<1x2x16xi32>, tensor<1x2x8xi32>
  func.return %o : tensor<1x2x16xi32>
}

// -----

// The index array has another head count.
func.func @f(%q: tensor<1x2x16x8xf32>, %i: tensor<1x3x4xi32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{'attn.gather_tokens' index must be 1x2xMxi32 to match the batch and heads, got 1x3x4}}
  %g = attn.gather_tokens %q, %i : (tensor<1x2x16x8xf32>, tensor<1x3x4xi32>) -> tensor<1x2x4x8xf32>
  func.return %g : tensor<1x2x4x8xf32>
}

// -----

// The compacted result has one row per index.
func.func @f(%q: tensor<1x2x16x8xf32>, %i: tensor<1x2x4xi32>) -> tensor<1x2x5x8xf32> {
  // expected-error @+1 {{'attn.gather_tokens' result must have shape 1x2x4x8, got 1x2x5x8}}
  %g = attn.gather_tokens %q, %i : (tensor<1x2x16x8xf32>, tensor<1x2x4xi32>) -> tensor<1x2x5x8xf32>
  func.return %g : tensor<1x2x5x8xf32>
}

// -----

// Index arrays are integers.
func.func @f(%q: tensor<1x2x16x8xf32>, %i: tensor<1x2x4xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{'attn.gather_tokens' index must have element type i32 (token indices), got f32}}
  %g = attn.gather_tokens %q, %i : (tensor<1x2x16x8xf32>, tensor<1x2x4xf32>) -> tensor<1x2x4x8xf32>
  func.return %g : tensor<1x2x4x8xf32>
}

// -----

// One index per scattered row.
func.func @f(%y: tensor<1x2x4x8xf32>, %i: tensor<1x2x5xi32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'attn.scatter_tokens' index must have 4 entries per head (one per token), got 5}}
  %s = attn.scatter_tokens %y, %i : (tensor<1x2x4x8xf32>, tensor<1x2x5xi32>) -> tensor<1x2x16x8xf32>
  func.return %s : tensor<1x2x16x8xf32>
}

// -----

// The scatter keeps the row width.
func.func @f(%y: tensor<1x2x4x8xf32>, %i: tensor<1x2x4xi32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.scatter_tokens' result must have shape 1x2xNx8, got 1x2x16x4}}
  %s = attn.scatter_tokens %y, %i : (tensor<1x2x4x8xf32>, tensor<1x2x4xi32>) -> tensor<1x2x16x4xf32>
  func.return %s : tensor<1x2x16x4xf32>
}

// -----

// Bucket ids for the queries only.
func.func @f(%q: tensor<1x2x16x8xf32>, %p: tensor<1x2x16xi32>, %b: tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'attn.indexed_attention' takes bucket ids for both queries and keys, or none, got 1 bucket operands}}
  %o = attn.indexed_attention %q, %q, %q positions %p, %p buckets %b : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// Positions must cover every slot.
func.func @f(%q: tensor<1x2x16x8xf32>, %p: tensor<1x2x15xi32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'attn.indexed_attention' q positions must have 16 entries per head (one per token), got 15}}
  %o = attn.indexed_attention %q, %q, %q positions %p, %p : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x15xi32>, tensor<1x2x15xi32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// k has another head dimension.
func.func @f(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x4xf32>, %p: tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'attn.indexed_attention' head dimension of k (4) must equal that of q (8)}}
  %o = attn.indexed_attention %q, %k, %q positions %p, %p : (tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// A negative scale.
func.func @f(%q: tensor<1x2x16x8xf32>, %p: tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'attn.indexed_attention' scale must be positive, got -1.0}}
  %o = attn.indexed_attention %q, %q, %q positions %p, %p {scale = -1.0 : f64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// More kept queries than queries.
func.func @f(%q: tensor<1x2x16x8xf32>, %qk: tensor<1x2x20xi32>, %kk: tensor<1x2x4xi32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'attn.qk_drop_attention' q keep keeps 20 tokens per head, more than the 16 of the sequence}}
  %o = attn.qk_drop_attention %q, %q, %q keep %qk, %kk : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x20xi32>, tensor<1x2x4xi32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// Keep arrays of another batch.
func.func @f(%q: tensor<1x2x16x8xf32>, %qk: tensor<2x2x4xi32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'attn.qk_drop_attention' q keep must be 1x2xMxi32 to match the batch and heads, got 2x2x4}}
  %o = attn.qk_drop_attention %q, %q, %q keep %qk, %qk : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<2x2x4xi32>, tensor<2x2x4xi32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// Element types disagree.
func.func @f(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf16>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'attn.hash_attention' q, k, v and result must share one element type, got f32, f16, f32, f32}}
  %o = attn.hash_attention %q, %k, %q {buckets = 4 : i64, seed = 0 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf16>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// Zero buckets.
func.func @f(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'attn.hash_attention' buckets must be even and at least 2 (the hash is the argmax over buckets / 2 random directions and their negations), got 0}}
  %o = attn.hash_attention %q, %q, %q {buckets = 0 : i64, seed = 0 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// The result has the queries' full length.
func.func @f(%q: tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32> {
  // expected-error @+1 {{'attn.hash_attention' result must have shape 1x2x16x8, got 1x2x8x8}}
  %o = attn.hash_attention %q, %q, %q {buckets = 4 : i64, seed = 0 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x8x8xf32>
  func.return %o : tensor<1x2x8x8xf32>
}

// -----

// tile.indexed_attention with an empty tile.
func.func @f(%q: tensor<1x2x16x8xf32>, %p: tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'tile.indexed_attention' tile sizes must be positive, got 0x4}}
  %o = tile.indexed_attention %q, %q, %q positions %p, %p {block_q = 0 : i64, block_k = 4 : i64, scale = 0.5 : f64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// tile.indexed_attention with i64 positions.
func.func @f(%q: tensor<1x2x16x8xf32>, %p: tensor<1x2x16xi64>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'tile.indexed_attention' q positions must have element type i32 (token indices), got i64}}
  %o = tile.indexed_attention %q, %q, %q positions %p, %p {block_q = 4 : i64, block_k = 4 : i64, scale = 0.5 : f64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xi64>, tensor<1x2x16xi64>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// tile.indexed_attention carries its scale; it must be positive.
func.func @f(%q: tensor<1x2x16x8xf32>, %p: tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'tile.indexed_attention' scale must be positive, got 0.0}}
  %o = tile.indexed_attention %q, %q, %q positions %p, %p {block_q = 4 : i64, block_k = 4 : i64, scale = 0.0 : f64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16xi32>, tensor<1x2x16xi32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// A selection out of no tokens.
func.func @f() -> tensor<1x2x0xi32> {
  // expected-error @+1 {{'attn.keep_random' length must be positive, got 0}}
  %k = attn.keep_random {length = 0 : i64, seed = 0 : i64} : tensor<1x2x0xi32>
  func.return %k : tensor<1x2x0xi32>
}

// -----

// The hash's seed is non-negative too.
func.func @f(%x: tensor<1x2x16x8xf32>) -> tensor<1x2x16xi32> {
  // expected-error @+1 {{'attn.hash_buckets' seed must be non-negative, got -3}}
  %b = attn.hash_buckets %x {buckets = 4 : i64, seed = -3 : i64} : tensor<1x2x16x8xf32> -> tensor<1x2x16xi32>
  func.return %b : tensor<1x2x16xi32>
}

// -----

// Compaction keeps the element type.
func.func @f(%q: tensor<1x2x16x8xf32>, %i: tensor<1x2x4xi32>) -> tensor<1x2x4x8xf16> {
  // expected-error @+1 {{'attn.gather_tokens' result must have the input's element type}}
  %g = attn.gather_tokens %q, %i : (tensor<1x2x16x8xf32>, tensor<1x2x4xi32>) -> tensor<1x2x4x8xf16>
  func.return %g : tensor<1x2x4x8xf16>
}

// -----

// So does the scatter back.
func.func @f(%y: tensor<1x2x4x8xf32>, %i: tensor<1x2x4xi32>) -> tensor<1x2x16x8xf16> {
  // expected-error @+1 {{'attn.scatter_tokens' result must have the input's element type}}
  %s = attn.scatter_tokens %y, %i : (tensor<1x2x4x8xf32>, tensor<1x2x4xi32>) -> tensor<1x2x16x8xf16>
  func.return %s : tensor<1x2x16x8xf16>
}

// -----

// v has another head count than q and k.
func.func @f(%q: tensor<1x2x16x8xf32>, %v: tensor<1x3x16x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'attn.hash_attention' q, k and v must have the same batch and heads, got 1x2, 1x2 and 1x3}}
  %o = attn.hash_attention %q, %q, %v {buckets = 4 : i64, seed = 0 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x3x16x8xf32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// -----

// One value per key.
func.func @f(%q: tensor<1x2x16x8xf32>, %v: tensor<1x2x12x8xf32>) -> tensor<1x2x16x8xf32> {
  // expected-error @+1 {{'attn.hash_attention' k and v must have the same sequence length, got 16 and 12}}
  %o = attn.hash_attention %q, %q, %v {buckets = 4 : i64, seed = 0 : i64} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x12x8xf32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}
