// Round trip of attn.attention and of every pattern attribute form.
//
// RUN: %roundtrip | filecheck %s
// RUN: %generic-roundtrip | filecheck %s
// RUN: attn-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC
// xDSL's own driver sees the dialect through the xdsl.universe entry point:
// RUN: xdsl-opt %s | filecheck %s
// The printed text is a fixed point of print/parse, in both forms:
// RUN: attn-opt %s | attn-opt > %t1 && attn-opt %t1 | attn-opt > %t2 && diff %t1 %t2
// RUN: attn-opt %s --print-op-generic > %t3 && attn-opt %t3 --print-op-generic > %t4 && diff %t3 %t4

// ---------------------------------------------------------------------------
// The op: operands, mask, scale, element types, shapes.
// ---------------------------------------------------------------------------

// CHECK-LABEL: func.func @self_attention_f32
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
// GENERIC-LABEL: sym_name = "self_attention_f32"
// GENERIC: %o = "attn.attention"(%q, %k, %v) <{pattern = #attn.dense}> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
func.func @self_attention_f32(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// The scale goes in the attribute dictionary (it is a property, printed there).
// CHECK-LABEL: func.func @with_scale
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.causal {scale = 1.250000e-01 : f64} : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// GENERIC-LABEL: sym_name = "with_scale"
// GENERIC: "attn.attention"(%q, %k, %v) <{pattern = #attn.causal, scale = 1.250000e-01 : f64}>
func.func @with_scale(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.causal {scale = 0.125 : f64} : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// CHECK-LABEL: func.func @half
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.causal : (tensor<2x4x32x16xf16>, tensor<2x4x32x16xf16>, tensor<2x4x32x16xf16>) -> tensor<2x4x32x16xf16>
func.func @half(%q: tensor<2x4x32x16xf16>, %k: tensor<2x4x32x16xf16>, %v: tensor<2x4x32x16xf16>) -> tensor<2x4x32x16xf16> {
  %o = attn.attention %q, %k, %v pattern #attn.causal : (tensor<2x4x32x16xf16>, tensor<2x4x32x16xf16>, tensor<2x4x32x16xf16>) -> tensor<2x4x32x16xf16>
  func.return %o : tensor<2x4x32x16xf16>
}

// CHECK-LABEL: func.func @bfloat
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.causal : (tensor<1x1x8x8xbf16>, tensor<1x1x8x8xbf16>, tensor<1x1x8x8xbf16>) -> tensor<1x1x8x8xbf16>
func.func @bfloat(%q: tensor<1x1x8x8xbf16>, %k: tensor<1x1x8x8xbf16>, %v: tensor<1x1x8x8xbf16>) -> tensor<1x1x8x8xbf16> {
  %o = attn.attention %q, %k, %v pattern #attn.causal : (tensor<1x1x8x8xbf16>, tensor<1x1x8x8xbf16>, tensor<1x1x8x8xbf16>) -> tensor<1x1x8x8xbf16>
  func.return %o : tensor<1x1x8x8xbf16>
}

// Cross attention: Nq = 8 queries over Nk = 16 keys.
// CHECK-LABEL: func.func @cross_attention
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x8x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32>
func.func @cross_attention(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x8x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// Value head dimension Dv = 8 differs from the query/key one D = 4.
// CHECK-LABEL: func.func @value_dim
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.causal : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
func.func @value_dim(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.causal : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  func.return %o : tensor<1x2x16x8xf32>
}

// Mask operand, broadcast over batch and heads, and one per batch and head;
// #attn.mask may sit inside a combination.
// CHECK-LABEL: func.func @mask
// CHECK-NEXT:    %o1 = attn.attention %q, %k, %v mask %m1 pattern #attn.mask : (tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<1x1x16x16xi1>) -> tensor<2x2x16x4xf32>
// CHECK-NEXT:    %o2 = attn.attention %q, %k, %v mask %m2 pattern #attn.union<[#attn.causal, #attn.mask]> {scale = 5.000000e-01 : f32} : (tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<2x2x16x16xi1>) -> tensor<2x2x16x4xf32>
// GENERIC-LABEL: sym_name = "mask"
// GENERIC: %o1 = "attn.attention"(%q, %k, %v, %m1) <{pattern = #attn.mask}> : (tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<1x1x16x16xi1>) -> tensor<2x2x16x4xf32>
func.func @mask(%q: tensor<2x2x16x4xf32>, %k: tensor<2x2x16x4xf32>, %v: tensor<2x2x16x4xf32>, %m1: tensor<1x1x16x16xi1>, %m2: tensor<2x2x16x16xi1>) -> (tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>) {
  %o1 = attn.attention %q, %k, %v mask %m1 pattern #attn.mask : (tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<1x1x16x16xi1>) -> tensor<2x2x16x4xf32>
  %o2 = attn.attention %q, %k, %v mask %m2 pattern #attn.union<[#attn.causal, #attn.mask]> {scale = 0.5 : f32} : (tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>, tensor<2x2x16x16xi1>) -> tensor<2x2x16x4xf32>
  func.return %o1, %o2 : tensor<2x2x16x4xf32>, tensor<2x2x16x4xf32>
}

// The generic form parses too.
// CHECK-LABEL: func.func @generic_input
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.causal<offset = 2> {scale = 2.500000e-01 : f64} : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
func.func @generic_input(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = "attn.attention"(%q, %k, %v) <{pattern = #attn.causal<offset = 2>, scale = 0.25 : f64}> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// ---------------------------------------------------------------------------
// Pattern attributes (all on 1x2x16x4 operands).  Parameters equal to their
// default are omitted when printing; keys may be given in any order.
// ---------------------------------------------------------------------------

// CHECK-LABEL: func.func @causal
// CHECK-NEXT:    %c0 = attn.attention %q, %k, %v pattern #attn.causal : (
// CHECK-NEXT:    %c0b = attn.attention %q, %k, %v pattern #attn.causal : (
// CHECK-NEXT:    %c1 = attn.attention %q, %k, %v pattern #attn.causal<offset = 3> : (
// CHECK-NEXT:    %cm = attn.attention %q, %k, %v pattern #attn.causal<offset = -1> : (
func.func @causal(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %c0 = attn.attention %q, %k, %v pattern #attn.causal : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %c0b = attn.attention %q, %k, %v pattern #attn.causal<offset = 0> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %c1 = attn.attention %q, %k, %v pattern #attn.causal<offset = 3> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %cm = attn.attention %q, %k, %v pattern #attn.causal<offset = -1> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %c0, %c0b, %c1, %cm : tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// CHECK-LABEL: func.func @window
// CHECK-NEXT:    %w1 = attn.attention %q, %k, %v pattern #attn.window<left = 3, right = 3, dilation = 2> : (
// CHECK-NEXT:    %w2 = attn.attention %q, %k, %v pattern #attn.window<left = 3, right = 0> : (
// CHECK-NEXT:    %w3 = attn.attention %q, %k, %v pattern #attn.window<left = 2, right = 1> : (
// CHECK-NEXT:    %w4 = attn.attention %q, %k, %v pattern #attn.window<left = 2, right = 2, dilation = [1, 3]> : (
// CHECK-NEXT:    %w5 = attn.attention %q, %k, %v pattern #attn.window<left = 0, right = 4, dilation = 2> : (
func.func @window(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  // Scalar dilation.
  %w1 = attn.attention %q, %k, %v pattern #attn.window<left = 3, right = 3, dilation = 2> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  // Default dilation omitted.
  %w2 = attn.attention %q, %k, %v pattern #attn.window<left = 3, right = 0> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  // Default dilation written out, keys out of order: printed canonically.
  %w3 = attn.attention %q, %k, %v pattern #attn.window<dilation = 1, right = 1, left = 2> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  // Per-head dilation (2 heads).
  %w4 = attn.attention %q, %k, %v pattern #attn.window<left = 2, right = 2, dilation = [1, 3]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  // A one-entry list prints as a scalar.
  %w5 = attn.attention %q, %k, %v pattern #attn.window<left = 0, right = 4, dilation = [2]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %w1, %w2, %w3, %w4, %w5 : tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// CHECK-LABEL: func.func @window2d
// CHECK-NEXT:    %a = attn.attention %q, %k, %v pattern #attn.window2d<grid = [4, 4], window = [3, 3]> : (
// CHECK-NEXT:    %b = attn.attention %q, %k, %v pattern #attn.window2d<grid = [3, 5], window = [1, 3], offset = 1> : (
func.func @window2d(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %a = attn.attention %q, %k, %v pattern #attn.window2d<grid = [4, 4], window = [3, 3]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %b = attn.attention %q, %k, %v pattern #attn.window2d<grid = [3, 5], window = [1, 3], offset = 1> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %a, %b : tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// CHECK-LABEL: func.func @global
// CHECK-NEXT:    %g1 = attn.attention %q, %k, %v pattern #attn.global<[0]> : (
// CHECK-NEXT:    %g3 = attn.attention %q, %k, %v pattern #attn.global<[15, 0, 7]> : (
func.func @global(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %g1 = attn.attention %q, %k, %v pattern #attn.global<[0]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  // Order is kept as written (sorting is a canonicalization).
  %g3 = attn.attention %q, %k, %v pattern #attn.global<[15, 0, 7]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %g1, %g3 : tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// CHECK-LABEL: func.func @block_local
// CHECK-NEXT:    %b1 = attn.attention %q, %k, %v pattern #attn.block_local<block = 4> : (
// CHECK-NEXT:    %b2 = attn.attention %q, %k, %v pattern #attn.block_local<block = 4> : (
// CHECK-NEXT:    %b3 = attn.attention %q, %k, %v pattern #attn.block_local<block = 4, left = 1, right = 2> : (
// CHECK-NEXT:    %b4 = attn.attention %q, %k, %v pattern #attn.block_local<block = 4, right = 1> : (
func.func @block_local(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %b1 = attn.attention %q, %k, %v pattern #attn.block_local<block = 4> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %b2 = attn.attention %q, %k, %v pattern #attn.block_local<block = 4, left = 0, right = 0> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %b3 = attn.attention %q, %k, %v pattern #attn.block_local<block = 4, left = 1, right = 2> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %b4 = attn.attention %q, %k, %v pattern #attn.block_local<right = 1, block = 4> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %b1, %b2, %b3, %b4 : tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// CHECK-LABEL: func.func @random_strided_fixed
// CHECK-NEXT:    %r1 = attn.attention %q, %k, %v pattern #attn.random_blocks<block = 4, count = 2> : (
// CHECK-NEXT:    %r2 = attn.attention %q, %k, %v pattern #attn.random_blocks<block = 4, count = 0, seed = 7> : (
// CHECK-NEXT:    %s = attn.attention %q, %k, %v pattern #attn.strided<stride = 4> : (
// CHECK-NEXT:    %f = attn.attention %q, %k, %v pattern #attn.fixed<stride = 4, summary = 1> : (
// CHECK-NEXT:    %f4 = attn.attention %q, %k, %v pattern #attn.fixed<stride = 4, summary = 4> : (
func.func @random_strided_fixed(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %r1 = attn.attention %q, %k, %v pattern #attn.random_blocks<block = 4, count = 2, seed = 0> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %r2 = attn.attention %q, %k, %v pattern #attn.random_blocks<block = 4, count = 0, seed = 7> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %s = attn.attention %q, %k, %v pattern #attn.strided<stride = 4> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %f = attn.attention %q, %k, %v pattern #attn.fixed<stride = 4, summary = 1> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %f4 = attn.attention %q, %k, %v pattern #attn.fixed<summary = 4, stride = 4> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %r1, %r2, %s, %f, %f4 : tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// Combinations are printed as written: flattening them is a canonicalization.
// CHECK-LABEL: func.func @combinations
// CHECK-NEXT:    %u = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 2, right = 2>, #attn.global<[0]>]> : (
// CHECK-NEXT:    %u1 = attn.attention %q, %k, %v pattern #attn.union<[#attn.causal]> : (
// CHECK-NEXT:    %i = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.causal, #attn.block_local<block = 4, left = 1>]> : (
// CHECK-NEXT:    %n = attn.attention %q, %k, %v pattern #attn.union<[#attn.intersect<[#attn.causal, #attn.window<left = 3, right = 0, dilation = 2>]>, #attn.union<[#attn.global<[0, 1]>, #attn.strided<stride = 4>]>, #attn.random_blocks<block = 8, count = 1, seed = 3>]> : (
// CHECK-NEXT:    %n2 = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.union<[#attn.causal<offset = 1>, #attn.intersect<[#attn.fixed<stride = 4, summary = 2>, #attn.window2d<grid = [4, 4], window = [3, 5]>]>]>, #attn.dense]> : (
func.func @combinations(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) {
  %u = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 2, right = 2>, #attn.global<[0]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %u1 = attn.attention %q, %k, %v pattern #attn.union<[#attn.causal]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %i = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.causal, #attn.block_local<block = 4, left = 1>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %n = attn.attention %q, %k, %v pattern #attn.union<[#attn.intersect<[#attn.causal, #attn.window<left = 3, right = 0, dilation = 2>]>, #attn.union<[#attn.global<[0, 1]>, #attn.strided<stride = 4>]>, #attn.random_blocks<block = 8, count = 1, seed = 3>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  %n2 = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.union<[#attn.causal<offset = 1>, #attn.intersect<[#attn.fixed<stride = 4, summary = 2>, #attn.window2d<grid = [4, 4], window = [3, 5]>]>]>, #attn.dense]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %u, %u1, %i, %n, %n2 : tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>
}

// A pattern may be named by an attribute alias.
#longformer = #attn.union<[#attn.window<left = 4, right = 4>, #attn.global<[0]>]>
// CHECK-LABEL: func.func @alias
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 4, right = 4>, #attn.global<[0]>]> : (
func.func @alias(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #longformer : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}
