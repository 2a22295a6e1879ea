// One chunk per verifier or parser rule of attn.attention and its pattern
// attributes; each message is the full text the tool prints.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics

// q is not rank 4.
func.func @f(%q: tensor<2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' q must be a rank-4 tensor, got tensor<2x16x4xf32>}}
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// v is not rank 4.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x1x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' v must be a rank-4 tensor, got tensor<1x2x1x16x4xf32>}}
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x1x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Dynamic shape.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x?x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' k must have a static shape, got tensor<1x2x?x4xf32>}}
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x?x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Non-float element type.
func.func @f(%q: tensor<1x2x16x4xi32>, %k: tensor<1x2x16x4xi32>, %v: tensor<1x2x16x4xi32>) -> tensor<1x2x16x4xi32> {
  // expected-error @+1 {{'attn.attention' q must have a float element type, got i32}}
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xi32>, tensor<1x2x16x4xi32>, tensor<1x2x16x4xi32>) -> tensor<1x2x16x4xi32>
  func.return %o : tensor<1x2x16x4xi32>
}

// -----

// Element types disagree.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf16>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' q, k, v and result must share one element type, got f32, f16, f32, f32}}
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf16>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Result element type disagrees.
func.func @f(%q: tensor<1x2x16x4xf16>, %k: tensor<1x2x16x4xf16>, %v: tensor<1x2x16x4xf16>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' q, k, v and result must share one element type, got f16, f16, f16, f32}}
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf16>, tensor<1x2x16x4xf16>, tensor<1x2x16x4xf16>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Batch mismatch.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<2x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' batch sizes disagree: q has 1, k has 2, v has 1}}
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Head count mismatch.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x4x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' head counts disagree: q has 2, k has 2, v has 4}}
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x4x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Head dimension mismatch.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' head dimension of k (8) must equal that of q (4)}}
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// k and v lengths disagree.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x12x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' k and v must have the same sequence length, got 16 and 12}}
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x12x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Wrong result shape.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x5xf32> {
  // expected-error @+1 {{'attn.attention' result must have shape 1x2x16x4, got 1x2x16x5}}
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x5xf32>
  func.return %o : tensor<1x2x16x5xf32>
}

// -----

// Wrong result shape (cross attention: Nq rows).
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' result must have shape 1x2x8x4, got 1x2x16x4}}
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x8x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Operand that is not a tensor (checked while parsing).
func.func @f(%q: memref<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{memref<1x2x16x4xf32> should be of base attribute tensor}}
  %o = attn.attention %q, %k, %v pattern #attn.dense : (memref<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Scale that is not a float.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{1 : i32 should be of base attribute float}}
  %o = attn.attention %q, %k, %v pattern #attn.dense {scale = 1 : i32} : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Mask with a wrong element type.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>, %m: tensor<1x1x16x16xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' mask must have element type i1, got f32}}
  %o = attn.attention %q, %k, %v mask %m pattern #attn.mask : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x1x16x16xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Mask shape not broadcastable (key length).
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>, %m: tensor<1x1x16x8xi1>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' mask shape 1x1x16x8 does not broadcast to 1x2x16x16}}
  %o = attn.attention %q, %k, %v mask %m pattern #attn.mask : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x1x16x8xi1>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Mask shape not broadcastable (batch).
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>, %m: tensor<3x1x16x16xi1>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' mask shape 3x1x16x16 does not broadcast to 1x2x16x16}}
  %o = attn.attention %q, %k, %v mask %m pattern #attn.mask : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<3x1x16x16xi1>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Mask that is not rank 4.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>, %m: tensor<16x16xi1>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' mask must be a rank-4 tensor, got tensor<16x16xi1>}}
  %o = attn.attention %q, %k, %v mask %m pattern #attn.mask : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<16x16xi1>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Mask operand without #attn.mask.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>, %m: tensor<1x1x16x16xi1>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' has a mask operand but its pattern does not use #attn.mask}}
  %o = attn.attention %q, %k, %v mask %m pattern #attn.causal : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x1x16x16xi1>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// #attn.mask without mask operand.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' pattern uses #attn.mask but the op has no mask operand}}
  %o = attn.attention %q, %k, %v pattern #attn.mask : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// #attn.mask inside a combination, without mask operand.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' pattern uses #attn.mask but the op has no mask operand}}
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.causal, #attn.mask]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Negative window left.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.window: left must be non-negative, got -1}}
  %o = attn.attention %q, %k, %v pattern #attn.window<left = -1, right = 2> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Negative window right.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.window: right must be non-negative, got -3}}
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 2, right = -3> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Dilation 0.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.window: dilation must be positive, got 0}}
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 2, right = 2, dilation = 0> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Negative per-head dilation.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.window: dilation must be positive, got -2}}
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 2, right = 2, dilation = [1, -2]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Empty dilation list.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.window: dilation needs at least one value}}
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 2, right = 2, dilation = []> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Per-head dilation with the wrong number of entries.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.window: per-head dilation has 3 entries but the attention has 2 heads}}
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 2, right = 2, dilation = [1, 2, 4]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Global token out of range.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.global: token 16 is out of range for sequence length 16}}
  %o = attn.attention %q, %k, %v pattern #attn.global<[0, 16]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Negative global token.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.global: token -1 is out of range for sequence length 16}}
  %o = attn.attention %q, %k, %v pattern #attn.global<[-1]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Global token out of range for the shorter sequence (cross attention).
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.global: token 8 is out of range for sequence length 8}}
  %o = attn.attention %q, %k, %v pattern #attn.global<[8]> : (tensor<1x2x8x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// -----

// Duplicated global token.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.global: token 3 is listed twice}}
  %o = attn.attention %q, %k, %v pattern #attn.global<[3, 5, 3]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// window2d with an even window.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.window2d: window sizes must be positive and odd, got 2}}
  %o = attn.attention %q, %k, %v pattern #attn.window2d<grid = [4, 4], window = [3, 2]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// window2d grid larger than the sequence.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.window2d: a 4x5 grid at offset 0 needs 20 tokens, the sequence has 16}}
  %o = attn.attention %q, %k, %v pattern #attn.window2d<grid = [4, 5], window = [3, 3]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// window2d grid that no longer fits once offset.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.window2d: a 4x4 grid at offset 1 needs 17 tokens, the sequence has 16}}
  %o = attn.attention %q, %k, %v pattern #attn.window2d<grid = [4, 4], window = [3, 3], offset = 1> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// window2d grid with one entry.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.window2d: grid must have 2 entries (rows, columns), got 1}}
  %o = attn.attention %q, %k, %v pattern #attn.window2d<grid = [16], window = [3, 3]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// window2d window with three entries.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.window2d: window must have 2 entries (rows, columns), got 3}}
  %o = attn.attention %q, %k, %v pattern #attn.window2d<grid = [4, 4], window = [3, 3, 3]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// block_local with block 0.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.block_local: block must be positive, got 0}}
  %o = attn.attention %q, %k, %v pattern #attn.block_local<block = 0> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// block_local with a negative left.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.block_local: left must be non-negative, got -1}}
  %o = attn.attention %q, %k, %v pattern #attn.block_local<block = 4, left = -1> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// random_blocks with a negative count.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.random_blocks: count must be non-negative, got -1}}
  %o = attn.attention %q, %k, %v pattern #attn.random_blocks<block = 4, count = -1> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// fixed with summary > stride.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.fixed: summary (5) must not exceed stride (4)}}
  %o = attn.attention %q, %k, %v pattern #attn.fixed<stride = 4, summary = 5> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// strided with stride 0.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.strided: stride must be positive, got 0}}
  %o = attn.attention %q, %k, %v pattern #attn.strided<stride = 0> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Empty union.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.union: needs at least one pattern}}
  %o = attn.attention %q, %k, %v pattern #attn.union<[]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Empty intersection.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.intersect: needs at least one pattern}}
  %o = attn.attention %q, %k, %v pattern #attn.intersect<[]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// An invalid pattern nested in a combination.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.strided: stride must be positive, got 0}}
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.causal, #attn.intersect<[#attn.window<left = 1, right = 1>, #attn.strided<stride = 0>]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Unknown pattern parameter.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{#attn.window has no parameter 'size'; expected one of left, right, dilation}}
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 1, size = 2> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Missing required pattern parameter.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{#attn.window: missing parameter 'right'}}
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 1> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Missing parameters altogether.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{#attn.fixed: missing parameter 'stride'}}
  %o = attn.attention %q, %k, %v pattern #attn.fixed : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Duplicated parameter.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{#attn.causal: parameter 'offset' given twice}}
  %o = attn.attention %q, %k, %v pattern #attn.causal<offset = 1, offset = 2> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Non-pattern attribute inside a union.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{#attn.union: parameter 'patterns' expects a pattern attribute, got "causal"}}
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.dense, "causal"]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Integer inside an intersection.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{#attn.intersect: parameter 'patterns' expects a pattern attribute, got 3 : i64}}
  %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.causal, 3]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Union without a list.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{#attn.union: parameter 'patterns' expects a list of patterns [...]}}
  %o = attn.attention %q, %k, %v pattern #attn.union<#attn.causal> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// List where an integer is expected.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{#attn.causal: parameter 'offset' expects an integer, got a list}}
  %o = attn.attention %q, %k, %v pattern #attn.causal<offset = [1]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Pattern where an integer is expected.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{#attn.block_local: parameter 'left' expects an integer, got #attn.dense}}
  %o = attn.attention %q, %k, %v pattern #attn.block_local<block = 4, left = #attn.dense> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Integer where a list is expected.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{#attn.global: parameter 'indices' expects a list of integers [...]}}
  %o = attn.attention %q, %k, %v pattern #attn.global<0> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Integer where a pair is expected.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{#attn.window2d: parameter 'grid' expects a list of integers [...]}}
  %o = attn.attention %q, %k, %v pattern #attn.window2d<grid = 4, window = [3, 3]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// -----

// Unknown pattern attribute.
func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{'attn.sliding' is not registered}}
  %o = attn.attention %q, %k, %v pattern #attn.sliding<left = 1> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}
