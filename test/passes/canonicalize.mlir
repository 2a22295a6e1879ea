// The canonicalization of attn.attention's pattern (xDSL's canonicalize pass).
// Every result is returned, so no op is erased as dead code.
//
// RUN: attn-opt %s -p canonicalize | filecheck %s
// xDSL's own driver reaches the same rewrites through the op's trait:
// RUN: xdsl-opt %s -p canonicalize | filecheck %s
// Canonical forms are fixed points:
// RUN: attn-opt %s -p canonicalize | attn-opt -p canonicalize | filecheck %s
// RUN: attn-opt %s -p canonicalize > %t1 && attn-opt %t1 -p canonicalize > %t2 && diff %t1 %t2

// A union nested in a union is flattened.
// CHECK-LABEL: func.func @flatten_union(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.causal, #attn.global<[3]>, #attn.strided<stride = 4>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @flatten_union(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.causal, #attn.union<[#attn.global<[3]>, #attn.strided<stride = 4>]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// An intersection nested in an intersection is flattened.
// CHECK-LABEL: func.func @flatten_intersect(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.block_local<block = 4, left = 1>, #attn.strided<stride = 4>, #attn.fixed<stride = 8, summary = 2>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @flatten_intersect(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.block_local<block = 4, left = 1>, #attn.intersect<[#attn.strided<stride = 4>, #attn.fixed<stride = 8, summary = 2>]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Flattening goes through several levels; a union of one pattern is that pattern.
// CHECK-LABEL: func.func @flatten_deep(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.strided<stride = 4>, #attn.block_local<block = 4>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @flatten_deep(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.union<[#attn.union<[#attn.strided<stride = 4>]>, #attn.block_local<block = 4>]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Duplicates in a union are dropped (the first occurrence stays).
// CHECK-LABEL: func.func @union_drop_duplicates(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.strided<stride = 4>, #attn.causal<offset = -1>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @union_drop_duplicates(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.strided<stride = 4>, #attn.causal<offset = -1>, #attn.strided<stride = 4>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Duplicates in an intersection are dropped, also after flattening.
// CHECK-LABEL: func.func @intersect_drop_duplicates(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.block_local<block = 4>, #attn.strided<stride = 4>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @intersect_drop_duplicates(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.block_local<block = 4>, #attn.intersect<[#attn.strided<stride = 4>, #attn.block_local<block = 4>]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Patterns equal once simplified are duplicates.
// CHECK-LABEL: func.func @duplicates_after_dilation(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.window<left = 1, right = 1, dilation = 3> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @duplicates_after_dilation(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 1, right = 1, dilation = [3, 3]>, #attn.window<left = 1, right = 1, dilation = 3>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// A union with dense is dense.
// CHECK-LABEL: func.func @union_with_dense(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @union_with_dense(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.causal, #attn.dense, #attn.global<[0]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Dense in an intersection is dropped.
// CHECK-LABEL: func.func @intersect_with_dense(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.strided<stride = 4> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @intersect_with_dense(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.dense, #attn.strided<stride = 4>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// An intersection of dense patterns only is dense.
// CHECK-LABEL: func.func @intersect_all_dense(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @intersect_all_dense(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.dense, #attn.dense]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// A window reaching every key of every query is dense (Nq = Nk = 16).
// CHECK-LABEL: func.func @window_covers_sequence(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @window_covers_sequence(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 15, right = 15> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Cross attention, Nq = 8, Nk = 16: left >= Nq - 1 and right >= Nk - 1 suffice.
// CHECK-LABEL: func.func @window_covers_cross(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x8x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x8x4xf32>
func.func @window_covers_cross(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 7, right = 15> : (tensor<1x2x8x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// A per-head dilation of ones is dilation 1, so the covering window is dense.
// CHECK-LABEL: func.func @window_covers_per_head_one(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @window_covers_per_head_one(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 20, right = 20, dilation = [1, 1]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Causal intersected with a window looking left only is the window.
// CHECK-LABEL: func.func @causal_and_left_window(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.window<left = 3, right = 0> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @causal_and_left_window(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.causal, #attn.window<left = 3, right = 0>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// The window's reach right, 1 * dilation 2, is within the causal offset 2.
// CHECK-LABEL: func.func @causal_offset_and_dilated_window(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.window<left = 3, right = 1, dilation = 2> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @causal_offset_and_dilated_window(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.window<left = 3, right = 1, dilation = 2>, #attn.causal<offset = 2>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Of two causal masks the stricter one stays.
// CHECK-LABEL: func.func @causal_and_stricter_causal(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.causal<offset = -1> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @causal_and_stricter_causal(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.causal, #attn.causal<offset = -1>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// The causal mask implied by the window is dropped, the rest of the intersection stays.
// CHECK-LABEL: func.func @causal_and_window_and_other(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.window<left = 5, right = 0>, #attn.block_local<block = 4>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @causal_and_window_and_other(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.causal, #attn.window<left = 5, right = 0>, #attn.block_local<block = 4>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Causal with offset >= Nk - 1 is dense.
// CHECK-LABEL: func.func @causal_offset_covers(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @causal_offset_covers(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.causal<offset = 15> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Causal with offset >= Nk - 1 is dense (Nk = 16 keys, Nq = 8 queries).
// CHECK-LABEL: func.func @causal_offset_covers_cross(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x8x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x8x4xf32>
func.func @causal_offset_covers_cross(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.causal<offset = 40> : (tensor<1x2x8x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// A per-head dilation with all entries equal is a scalar.
// CHECK-LABEL: func.func @per_head_dilation_equal(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.window<left = 1, right = 2, dilation = 2> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @per_head_dilation_equal(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 1, right = 2, dilation = [2, 2]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Global indices are sorted.
// CHECK-LABEL: func.func @global_sorted(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.global<[0, 4, 9]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @global_sorted(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.global<[9, 0, 4]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Several globals in a union are merged where the first one was.
// CHECK-LABEL: func.func @globals_merged(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 2, right = 2>, #attn.global<[0, 3, 7]>, #attn.strided<stride = 4>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @globals_merged(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 2, right = 2>, #attn.global<[7, 3]>, #attn.strided<stride = 4>, #attn.global<[0, 3]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Globals only: the merged global replaces the union.
// CHECK-LABEL: func.func @globals_merged_to_one(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.global<[1, 3]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @globals_merged_to_one(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.global<[3]>, #attn.global<[1]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// An empty global in a union adds nothing.
// CHECK-LABEL: func.func @empty_global_dropped(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.causal : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @empty_global_dropped(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.global<[]>, #attn.causal]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Rules apply inside combinations.
// CHECK-LABEL: func.func @nested_rules(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 3, right = 0, dilation = 2>, #attn.global<[1, 5]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @nested_rules(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.intersect<[#attn.causal, #attn.window<left = 3, right = 0, dilation = [2, 2]>]>, #attn.global<[5, 1]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// The scale and discardable attributes survive the rewrite.
// CHECK-LABEL: func.func @keeps_scale_and_attributes(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.causal {note = "kept", scale = 5.000000e-01 : f64} : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @keeps_scale_and_attributes(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.causal, #attn.causal]> {scale = 0.5 : f64, note = "kept"} : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// A pattern that still reads the mask keeps the mask operand.
// CHECK-LABEL: func.func @mask_kept(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v mask %m pattern #attn.union<[#attn.mask, #attn.causal]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x1x16x16xi1>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @mask_kept(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>, %m: tensor<1x1x16x16xi1>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v mask %m pattern #attn.union<[#attn.mask, #attn.union<[#attn.causal, #attn.mask]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x1x16x16xi1>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// A union of the mask with dense no longer reads the mask: the operand goes too
// (the verifier rejects a mask operand the pattern does not use).
// CHECK-LABEL: func.func @mask_dropped(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @mask_dropped(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>, %m: tensor<1x1x16x16xi1>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v mask %m pattern #attn.union<[#attn.mask, #attn.dense]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x1x16x16xi1>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Does not fire: one key short of the sequence.
// CHECK-LABEL: func.func @window_not_covering(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.window<left = 14, right = 15> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @window_not_covering(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 14, right = 15> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Does not fire: a dilated window skips keys however far it reaches.
// CHECK-LABEL: func.func @dilated_window_not_dense(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.window<left = 20, right = 20, dilation = 2> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @dilated_window_not_dense(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 20, right = 20, dilation = 2> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Does not fire: with Nq = 8 queries the window must reach 7 keys left.
// CHECK-LABEL: func.func @window_not_covering_cross(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.window<left = 6, right = 15> : (tensor<1x2x8x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x8x4xf32>
func.func @window_not_covering_cross(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 6, right = 15> : (tensor<1x2x8x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// Does not fire: the window reaches right of the diagonal, causal still cuts it.
// CHECK-LABEL: func.func @causal_and_right_window(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.causal, #attn.window<left = 3, right = 1>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @causal_and_right_window(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.causal, #attn.window<left = 3, right = 1>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Does not fire: right 1 with dilation 2 reaches 2 past the diagonal, beyond offset 1.
// CHECK-LABEL: func.func @causal_and_dilated_right_window(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.causal<offset = 1>, #attn.window<left = 3, right = 1, dilation = 2>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @causal_and_dilated_right_window(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.intersect<[#attn.causal<offset = 1>, #attn.window<left = 3, right = 1, dilation = 2>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Does not fire: offset Nk - 2 leaves the last key out for query 0.
// CHECK-LABEL: func.func @causal_offset_short(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.causal<offset = 14> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @causal_offset_short(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.causal<offset = 14> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Does not fire: per-head dilations differ.
// CHECK-LABEL: func.func @per_head_dilation_differs(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.window<left = 1, right = 2, dilation = [1, 2]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @per_head_dilation_differs(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 1, right = 2, dilation = [1, 2]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}

// Does not fire: a union is not an intersection; causal in a union stays.
// CHECK-LABEL: func.func @union_with_causal_stays(
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.causal, #attn.window<left = 3, right = 0>, #attn.global<[0, 2]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
// CHECK-NEXT:    func.return %o : tensor<1x2x16x4xf32>
func.func @union_with_causal_stays(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.causal, #attn.window<left = 3, right = 0>, #attn.global<[0, 2]>]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}
