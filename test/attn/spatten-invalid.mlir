// One chunk per verifier rule of SpAtten's attn ops; each message is the
// full text the tool prints.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics

// MSB bits must be positive.
func.func @f(%k: tensor<1x2x8x4xf32>) {
  // expected-error @+1 {{'attn.quantize' msb_bits must be at least 1, got 0}}
  %m, %l, %s = attn.quantize %k {msb_bits = 0 : i64, lsb_bits = 4 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
  func.return
}

// -----

// A 12-bit MSB plane does not fit i8.
func.func @f(%k: tensor<1x2x8x4xf32>) {
  // expected-error @+1 {{'attn.quantize' msb plane element type i8 is narrower than its 12 bits}}
  %m, %l, %s = attn.quantize %k {msb_bits = 12 : i64, lsb_bits = 0 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
  func.return
}

// -----

// One scale per (batch, head).
func.func @f(%k: tensor<1x2x8x4xf32>) {
  // expected-error @+1 {{'attn.quantize' scale must have shape 1x2, got 1x2x8}}
  %m, %l, %s = attn.quantize %k {msb_bits = 6 : i64, lsb_bits = 4 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2x8xf32>)
  func.return
}

// -----

// Index lists start at a position.
func.func @f() {
  // expected-error @+1 {{'attn.token_range' start must not be negative, got -1}}
  %t = attn.token_range {start = -1 : i64} : tensor<1x8xi64>
  func.return
}

// -----

// Index lists are i64.
func.func @f() {
  // expected-error @+1 {{'attn.token_range' result must be an index list of i64, got i32}}
  %t = attn.token_range {start = 0 : i64} : tensor<1x8xi32>
  func.return
}

// -----

// k and keep are exclusive.
func.func @f(%s: tensor<1x8xf64>) {
  // expected-error @+1 {{'attn.topk' needs exactly one of 'k' (a count) and 'keep' (a ratio)}}
  %b = attn.topk %s {k = 4 : i64, keep = 0.5 : f64} : tensor<1x8xf64> -> tensor<1x4xi64>
  func.return
}

// -----

// k within the scores.
func.func @f(%s: tensor<1x8xf64>) {
  // expected-error @+1 {{'attn.topk' k must be between 1 and the 8 scores, got 9}}
  %b = attn.topk %s {k = 9 : i64} : tensor<1x8xf64> -> tensor<1x9xi64>
  func.return
}

// -----

// keep is a ratio.
func.func @f(%s: tensor<1x8xf64>) {
  // expected-error @+1 {{'attn.topk' keep must be a ratio in (0, 1], got 1.5}}
  %b = attn.topk %s {keep = 1.5 : f64} : tensor<1x8xf64> -> tensor<1x4xi64>
  func.return
}

// -----

// keep = 0.3 of 8 scores keeps floor(2.4) = 2.
func.func @f(%s: tensor<1x8xf64>) {
  // expected-error @+1 {{'attn.topk' result must have shape 1x2, got 1x3}}
  %b = attn.topk %s {keep = 0.3 : f64} : tensor<1x8xf64> -> tensor<1x3xi64>
  func.return
}

// -----

// The batch is never gathered.
func.func @f(%x: tensor<1x2x8x4xf32>, %i: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.gather' dim must index a dimension after the batch (1..3), got 0}}
  %g = attn.gather %x, %i {dim = 0 : i64} : (tensor<1x2x8x4xf32>, tensor<1x4xi64>) -> tensor<1x2x8x4xf32>
  func.return
}

// -----

// One index list per batch entry.
func.func @f(%x: tensor<2x2x8x4xf32>, %i: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.gather' index has batch 1, expected 2}}
  %g = attn.gather %x, %i {dim = 2 : i64} : (tensor<2x2x8x4xf32>, tensor<1x4xi64>) -> tensor<2x2x4x4xf32>
  func.return
}

// -----

// Gathering 4 rows gives 4 rows.
func.func @f(%x: tensor<1x2x8x4xf32>, %i: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.gather' result must have shape 1x2x4x4, got 1x2x8x4}}
  %g = attn.gather %x, %i {dim = 2 : i64} : (tensor<1x2x8x4xf32>, tensor<1x4xi64>) -> tensor<1x2x8x4xf32>
  func.return
}

// -----

// One index per slice placed.
func.func @f(%x: tensor<1x2x3x4xf32>, %i: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.scatter' index has 4 entries, the source's dimension 2 has 3}}
  %g = attn.scatter %x, %i {dim = 2 : i64} : (tensor<1x2x3x4xf32>, tensor<1x4xi64>) -> tensor<1x2x8x4xf32>
  func.return
}

// -----

// 'into' is what the result updates.
func.func @f(%x: tensor<1x2x4x4xf32>, %i: tensor<1x4xi64>, %into: tensor<1x2x9x4xf32>) {
  // expected-error @+1 {{'attn.scatter' 'into' must have the result type tensor<1x2x8x4xf32>, got tensor<1x2x9x4xf32>}}
  %g = attn.scatter %x, %i into %into {dim = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<1x4xi64>, tensor<1x2x9x4xf32>) -> tensor<1x2x8x4xf32>
  func.return
}

// -----

// Keys and queries share the head dimension.
func.func @f(%q: tensor<1x2x1x4xf32>, %km: tensor<1x2x4x8xi8>, %ks: tensor<1x2xf32>, %qp: tensor<1x1xi64>, %kp: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.progressive_attention' k msb plane must be 1x2xNkx4 to match q, got 1x2x4x8}}
  %o, %c, %r = attn.progressive_attention %q, %km, %km, %ks, %km, %ks positions %qp, %kp pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x8xi8>, tensor<1x2x4x8xi8>, tensor<1x2xf32>, tensor<1x2x4x8xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x8xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  func.return
}

// -----

// One original position per compacted key.
func.func @f(%q: tensor<1x2x1x4xf32>, %km: tensor<1x2x4x4xi8>, %ks: tensor<1x2xf32>, %qp: tensor<1x1xi64>, %kp: tensor<1x5xi64>) {
  // expected-error @+1 {{'attn.progressive_attention' has 5 key positions for 4 keys}}
  %o, %c, %r = attn.progressive_attention %q, %km, %km, %ks, %km, %ks positions %qp, %kp pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x5xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x5xf64>, tensor<1x2x1xi1>)
  func.return
}

// -----

// The threshold is a probability.
func.func @f(%q: tensor<1x2x1x4xf32>, %km: tensor<1x2x4x4xi8>, %ks: tensor<1x2xf32>, %qp: tensor<1x1xi64>, %kp: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.progressive_attention' threshold must be a probability in [0, 1], got 2.0}}
  %o, %c, %r = attn.progressive_attention %q, %km, %km, %ks, %km, %ks positions %qp, %kp pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 2.0 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  func.return
}

// -----

// Local value pruning keeps a fraction of the keys.
func.func @f(%q: tensor<1x2x1x4xf32>, %km: tensor<1x2x4x4xi8>, %ks: tensor<1x2xf32>, %qp: tensor<1x1xi64>, %kp: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.progressive_attention' value_keep must be a ratio in (0, 1], got 0.0}}
  %o, %c, %r = attn.progressive_attention %q, %km, %km, %ks, %km, %ks positions %qp, %kp pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, value_keep = 0.0 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  func.return
}

// -----

// The pattern is validated against the original sequence (context).
func.func @f(%q: tensor<1x2x1x4xf32>, %km: tensor<1x2x4x4xi8>, %ks: tensor<1x2xf32>, %qp: tensor<1x1xi64>, %kp: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.progressive_attention' #attn.global: token 9 is out of range for sequence length 8}}
  %o, %c, %r = attn.progressive_attention %q, %km, %km, %ks, %km, %ks positions %qp, %kp pattern #attn.global<[9]> {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  func.return
}

// -----

// Compacted positions cannot index a mask operand.
func.func @f(%q: tensor<1x2x1x4xf32>, %km: tensor<1x2x4x4xi8>, %ks: tensor<1x2xf32>, %qp: tensor<1x1xi64>, %kp: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.progressive_attention' cannot use #attn.mask: positions are compacted}}
  %o, %c, %r = attn.progressive_attention %q, %km, %km, %ks, %km, %ks positions %qp, %kp pattern #attn.mask {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  func.return
}

// -----

// Column sums are f64 (every backend takes the same decisions).
func.func @f(%q: tensor<1x2x1x4xf32>, %km: tensor<1x2x4x4xi8>, %ks: tensor<1x2xf32>, %qp: tensor<1x1xi64>, %kp: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.progressive_attention' column sums must have f64 element type, got f32}}
  %o, %c, %r = attn.progressive_attention %q, %km, %km, %ks, %km, %ks positions %qp, %kp pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf32>, tensor<1x2x1xi1>)
  func.return
}

// -----

// One key position per column sum.
func.func @f(%c: tensor<1x2x4xf64>, %kp: tensor<1x3xi64>) {
  // expected-error @+1 {{'attn.token_importance' needs one key position per column (4)}}
  %i = attn.token_importance %c at %kp : (tensor<1x2x4xf64>, tensor<1x3xi64>) -> tensor<1x8xf64>
  func.return
}

// -----

// One head index per head of the output.
func.func @f(%o: tensor<1x2x1x4xf32>, %h: tensor<1x3xi64>) {
  // expected-error @+1 {{'attn.head_importance' needs one head index per head (2)}}
  %i = attn.head_importance %o heads %h : (tensor<1x2x1x4xf32>, tensor<1x3xi64>) -> tensor<1x12xf64>
  func.return
}

// -----

// The LSB plane holds a non-negative number of bits.
func.func @f(%k: tensor<1x2x8x4xf32>) {
  // expected-error @+1 {{'attn.quantize' lsb_bits must not be negative, got -1}}
  %m, %l, %s = attn.quantize %k {msb_bits = 6 : i64, lsb_bits = -1 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
  func.return
}

// -----

// One code of at most 32 bits.
func.func @f(%k: tensor<1x2x8x4xf32>) {
  // expected-error @+1 {{'attn.quantize' msb_bits + lsb_bits must be at most 32, got 36}}
  %m, %l, %s = attn.quantize %k {msb_bits = 20 : i64, lsb_bits = 16 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi32>, tensor<1x2x8x4xi32>, tensor<1x2xf32>)
  func.return
}

// -----

// Planes are integers.
func.func @f(%k: tensor<1x2x8x4xf32>) {
  // expected-error @+1 {{'attn.quantize' msb plane must have an integer element type, got f32}}
  %m, %l, %s = attn.quantize %k {msb_bits = 6 : i64, lsb_bits = 4 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
  func.return
}

// -----

// Compaction keeps the element type.
func.func @f(%x: tensor<1x2x8x4xf32>, %i: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.gather' result element type f16 differs from the source's f32}}
  %g = attn.gather %x, %i {dim = 2 : i64} : (tensor<1x2x8x4xf32>, tensor<1x4xi64>) -> tensor<1x2x4x4xf16>
  func.return
}

// -----

// The batch is never scattered.
func.func @f(%x: tensor<1x2x4x4xf32>, %i: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.scatter' dim must index a dimension after the batch (1..3), got 0}}
  %g = attn.scatter %x, %i {dim = 0 : i64} : (tensor<1x2x4x4xf32>, tensor<1x4xi64>) -> tensor<1x2x8x4xf32>
  func.return
}

// -----

// Four slices do not fit three places.
func.func @f(%x: tensor<1x2x4x4xf32>, %i: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.scatter' cannot place 4 slices into 3}}
  %g = attn.scatter %x, %i {dim = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<1x4xi64>) -> tensor<1x2x3x4xf32>
  func.return
}

// -----

// The scatter keeps the element type.
func.func @f(%x: tensor<1x2x4x4xf32>, %i: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.scatter' result element type f16 differs from the source's f32}}
  %g = attn.scatter %x, %i {dim = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<1x4xi64>) -> tensor<1x2x8x4xf16>
  func.return
}

// -----

// One value row per key.
func.func @f(%q: tensor<1x2x1x4xf32>, %km: tensor<1x2x4x4xi8>, %ks: tensor<1x2xf32>, %qp: tensor<1x1xi64>, %kp: tensor<1x4xi64>, %vm: tensor<1x2x5x4xi8>) {
  // expected-error @+1 {{'attn.progressive_attention' v msb plane must be 1x2x4xDv to match the keys, got 1x2x5x4}}
  %o, %c, %r = attn.progressive_attention %q, %km, %km, %ks, %vm, %ks positions %qp, %kp pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x5x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  func.return
}

// -----

// One original position per compacted query.
func.func @f(%q: tensor<1x2x1x4xf32>, %km: tensor<1x2x4x4xi8>, %ks: tensor<1x2xf32>, %qp: tensor<1x2xi64>, %kp: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.progressive_attention' has 2 query positions for 1 queries}}
  %o, %c, %r = attn.progressive_attention %q, %km, %km, %ks, %km, %ks positions %qp, %kp pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  func.return
}

// -----

// Compacted heads: one index per head of q.
func.func @f(%q: tensor<1x2x1x4xf32>, %km: tensor<1x2x4x4xi8>, %ks: tensor<1x2xf32>, %qp: tensor<1x1xi64>, %kp: tensor<1x4xi64>, %h: tensor<1x3xi64>) {
  // expected-error @+1 {{'attn.progressive_attention' lists 3 heads for 2 heads of q}}
  %o, %c, %r = attn.progressive_attention %q, %km, %km, %ks, %km, %ks positions %qp, %kp heads %h pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>, tensor<1x3xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  func.return
}

// -----

// The original sequence has tokens.
func.func @f(%q: tensor<1x2x1x4xf32>, %km: tensor<1x2x4x4xi8>, %ks: tensor<1x2xf32>, %qp: tensor<1x1xi64>, %kp: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.progressive_attention' context must be positive, got 0}}
  %o, %c, %r = attn.progressive_attention %q, %km, %km, %ks, %km, %ks positions %qp, %kp pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 0 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  func.return
}

// -----

// The output has q's element type.
func.func @f(%q: tensor<1x2x1x4xf32>, %km: tensor<1x2x4x4xi8>, %ks: tensor<1x2xf32>, %qp: tensor<1x1xi64>, %kp: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.progressive_attention' result must have q's element type f32}}
  %o, %c, %r = attn.progressive_attention %q, %km, %km, %ks, %km, %ks positions %qp, %kp pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf16>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  func.return
}

// -----

// The requantised rows are flags.
func.func @f(%q: tensor<1x2x1x4xf32>, %km: tensor<1x2x4x4xi8>, %ks: tensor<1x2xf32>, %qp: tensor<1x1xi64>, %kp: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.progressive_attention' requantised rows must be i1, got i8}}
  %o, %c, %r = attn.progressive_attention %q, %km, %km, %ks, %km, %ks positions %qp, %kp pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 0.05 : f64, context = 8 : i64} : (tensor<1x2x1x4xf32>, tensor<1x2x4x4xi8>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x2x4x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi8>)
  func.return
}

// -----

// Importance per batch entry.
func.func @f(%c: tensor<1x2x4xf64>, %kp: tensor<1x4xi64>) {
  // expected-error @+1 {{'attn.token_importance' result has batch 2, expected 1}}
  %i = attn.token_importance %c at %kp : (tensor<1x2x4xf64>, tensor<1x4xi64>) -> tensor<2x8xf64>
  func.return
}

// -----

// 'into' is what the result updates.
func.func @f(%c: tensor<1x2x4xf64>, %kp: tensor<1x4xi64>, %into: tensor<1x9xf64>) {
  // expected-error @+1 {{'attn.token_importance' 'into' must have the result type tensor<1x8xf64>, got tensor<1x9xf64>}}
  %i = attn.token_importance %c at %kp into %into : (tensor<1x2x4xf64>, tensor<1x4xi64>, tensor<1x9xf64>) -> tensor<1x8xf64>
  func.return
}

// -----

// Head importance per batch entry.
func.func @f(%o: tensor<1x2x1x4xf32>, %h: tensor<1x2xi64>) {
  // expected-error @+1 {{'attn.head_importance' result has batch 2, expected 1}}
  %i = attn.head_importance %o heads %h : (tensor<1x2x1x4xf32>, tensor<1x2xi64>) -> tensor<2x12xf64>
  func.return
}

// -----

// 'into' is what the result updates.
func.func @f(%o: tensor<1x2x1x4xf32>, %h: tensor<1x2xi64>, %into: tensor<1x6xf64>) {
  // expected-error @+1 {{'attn.head_importance' 'into' must have the result type tensor<1x12xf64>, got tensor<1x6xf64>}}
  %i = attn.head_importance %o heads %h into %into : (tensor<1x2x1x4xf32>, tensor<1x2xi64>, tensor<1x6xf64>) -> tensor<1x12xf64>
  func.return
}
