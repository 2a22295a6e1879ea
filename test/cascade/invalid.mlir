// One chunk per verifier rule of the cascade ops.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics

// ===========================================================================
// cascade.qk
// ===========================================================================

func.func @qk_k_head_dim(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x8xf32>) {
  // expected-error @+1 {{'cascade.qk' k must be 1x2xNkx4 to match q, got 1x2x10x8}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @qk_k_heads(%q: tensor<1x2x8x4xf32>, %k: tensor<1x3x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' k must be 1x2xNkx4 to match q, got 1x3x10x4}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x3x10x4xf32>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @qk_k_batch(%q: tensor<1x2x8x4xf32>, %k: tensor<2x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' k must be 1x2xNkx4 to match q, got 2x2x10x4}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<2x2x10x4xf32>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @qk_q_rank(%q: tensor<2x8x4xf32>, %k: tensor<1x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' q must be a rank-4 tensor, got tensor<2x8x4xf32>}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @qk_k_rank(%q: tensor<1x2x8x4xf32>, %k: tensor<2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' k must be a rank-4 tensor, got tensor<2x10x4xf32>}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<2x10x4xf32>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @qk_result_keys(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' result must have shape 1x2x8x10, got 1x2x8x9}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x9xf32>
  func.return
}

// -----

func.func @qk_result_queries(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' result must have shape 1x2x8x10, got 1x2x10x10}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x10x10xf32>
  func.return
}

// -----

func.func @qk_result_rank(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' result must have rank 4 or 5}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<2x8x10xf32>
  func.return
}

// -----

// 10 keys in chunks of 4 need M1 = 3 chunks, not 2.
func.func @qk_split_m1(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' split result needs M1 = ceil(10 / M0), got M1 = 2, M0 = 4}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x2x4xf32>
  func.return
}

// -----

// One chunk too many is wrong too (the last chunk would be all padding).
func.func @qk_split_m1_too_many(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' split result needs M1 = ceil(10 / M0), got M1 = 4, M0 = 4}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x4x4xf32>
  func.return
}

// -----

func.func @qk_split_m0_zero(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' split result needs M1 = ceil(10 / M0), got M1 = 3, M0 = 0}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x3x0xf32>
  func.return
}

// -----

func.func @qk_split_queries(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' result must have shape 1x2x8, got 1x2x7}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x7x3x4xf32>
  func.return
}

// -----

func.func @qk_mask_without_mask_pattern(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>, %m: tensor<1x2x8x10xi1>) {
  // expected-error @+1 {{'cascade.qk' a mask operand is needed exactly when the pattern uses #attn.mask}}
  %s = cascade.qk %q, %k mask %m pattern #attn.causal {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>, tensor<1x2x8x10xi1>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @qk_mask_pattern_without_mask(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' a mask operand is needed exactly when the pattern uses #attn.mask}}
  %s = cascade.qk %q, %k pattern #attn.union<[#attn.causal, #attn.mask]> {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @qk_mask_element_type(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>, %m: tensor<1x2x8x10xi8>) {
  // expected-error @+1 {{'cascade.qk' mask must be an i1 tensor broadcastable to 1x2x8x10, got tensor<1x2x8x10xi8>}}
  %s = cascade.qk %q, %k mask %m pattern #attn.mask {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>, tensor<1x2x8x10xi8>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @qk_mask_shape(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>, %m: tensor<1x3x8x10xi1>) {
  // expected-error @+1 {{'cascade.qk' mask must be an i1 tensor broadcastable to 1x2x8x10, got tensor<1x3x8x10xi1>}}
  %s = cascade.qk %q, %k mask %m pattern #attn.mask {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>, tensor<1x3x8x10xi1>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

// The mask covers all Nq x Nk pairs even when the result splits the keys.
func.func @qk_mask_split_keys(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>, %m: tensor<1x2x8x12xi1>) {
  // expected-error @+1 {{'cascade.qk' mask must be an i1 tensor broadcastable to 1x2x8x10, got tensor<1x2x8x12xi1>}}
  %s = cascade.qk %q, %k mask %m pattern #attn.mask {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>, tensor<1x2x8x12xi1>) -> tensor<1x2x8x3x4xf32>
  func.return
}

// -----

func.func @qk_mask_rank(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>, %m: tensor<8x10xi1>) {
  // expected-error @+1 {{'cascade.qk' mask must be an i1 tensor broadcastable to 1x2x8x10, got tensor<8x10xi1>}}
  %s = cascade.qk %q, %k mask %m pattern #attn.mask {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>, tensor<8x10xi1>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

// The pattern is validated against the op's shape: 3 dilations for 2 heads.
func.func @qk_pattern_heads(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' #attn.window: per-head dilation has 3 entries but the attention has 2 heads}}
  %s = cascade.qk %q, %k pattern #attn.window<left = 1, right = 1, dilation = [1, 2, 4]> {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @qk_pattern_split(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' #attn.window: left must be non-negative, got -1}}
  %s = cascade.qk %q, %k pattern #attn.window<left = -1, right = 1> {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x3x4xf32>
  func.return
}

// -----

func.func @qk_not_float(%q: tensor<1x2x8x4xi32>, %k: tensor<1x2x10x4xi32>) {
  // expected-error @+1 {{'cascade.qk' q must have a float element type, got i32}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xi32>, tensor<1x2x10x4xi32>) -> tensor<1x2x8x10xi32>
  func.return
}

// -----

func.func @qk_result_not_float(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' result must have a float element type, got i32}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xi32>
  func.return
}

// -----

func.func @qk_element_types(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf16>) {
  // expected-error @+1 {{'cascade.qk' operands and result must share one element type, got f32, f16, f32}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf16>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @qk_dynamic(%q: tensor<1x2x?x4xf32>, %k: tensor<1x2x10x4xf32>) {
  // expected-error @+1 {{'cascade.qk' q must have a static shape, got tensor<1x2x?x4xf32>}}
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x?x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32>
  func.return
}

// ===========================================================================
// cascade.max, cascade.sum: reduce the last dim of rank-4 or rank-5 scores.
// ===========================================================================

// -----

func.func @max_rank(%s: tensor<2x8x10xf32>) {
  // expected-error @+1 {{'cascade.max' input must be scores of rank 4 or 5}}
  %m = cascade.max %s : tensor<2x8x10xf32> -> tensor<2x8xf32>
  func.return
}

// -----

func.func @sum_rank(%s: tensor<1x1x2x8x3x4xf32>) {
  // expected-error @+1 {{'cascade.sum' input must be scores of rank 4 or 5}}
  %m = cascade.sum %s : tensor<1x1x2x8x3x4xf32> -> tensor<1x1x2x8x3xf32>
  func.return
}

// -----

func.func @max_result(%s: tensor<1x2x8x10xf32>) {
  // expected-error @+1 {{'cascade.max' result must have shape 1x2x8, got 1x2x8x1}}
  %m = cascade.max %s : tensor<1x2x8x10xf32> -> tensor<1x2x8x1xf32>
  func.return
}

// -----

// A split input reduces m0 only: the result keeps M1.
func.func @sum_split_result(%s: tensor<1x2x8x3x4xf32>) {
  // expected-error @+1 {{'cascade.sum' result must have shape 1x2x8x3, got 1x2x8}}
  %m = cascade.sum %s : tensor<1x2x8x3x4xf32> -> tensor<1x2x8xf32>
  func.return
}

// -----

func.func @max_not_float(%s: tensor<1x2x8x10xi32>) {
  // expected-error @+1 {{'cascade.max' input must have a float element type, got i32}}
  %m = cascade.max %s : tensor<1x2x8x10xi32> -> tensor<1x2x8xi32>
  func.return
}

// -----

func.func @sum_element_types(%s: tensor<1x2x8x10xf32>) {
  // expected-error @+1 {{'cascade.sum' operands and result must share one element type, got f32, f16}}
  %m = cascade.sum %s : tensor<1x2x8x10xf32> -> tensor<1x2x8xf16>
  func.return
}

// -----

func.func @max_dynamic(%s: tensor<1x2x8x?xf32>) {
  // expected-error @+1 {{'cascade.max' input must have a static shape, got tensor<1x2x8x?xf32>}}
  %m = cascade.max %s : tensor<1x2x8x?xf32> -> tensor<1x2x8xf32>
  func.return
}

// ===========================================================================
// cascade.sub_exp, cascade.normalize, cascade.div_rows: rhs broadcast along
// the last dim of lhs.
// ===========================================================================

// -----

func.func @sub_exp_rhs(%s: tensor<1x2x8x10xf32>, %m: tensor<1x2x10xf32>) {
  // expected-error @+1 {{'cascade.sub_exp' rhs must have shape 1x2x8, got 1x2x10}}
  %e = cascade.sub_exp %s, %m : (tensor<1x2x8x10xf32>, tensor<1x2x10xf32>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

// On split scores the rhs is per chunk: [B, H, Nq, M1].
func.func @sub_exp_split_rhs(%s: tensor<1x2x8x3x4xf32>, %m: tensor<1x2x8xf32>) {
  // expected-error @+1 {{'cascade.sub_exp' rhs must have shape 1x2x8x3, got 1x2x8}}
  %e = cascade.sub_exp %s, %m : (tensor<1x2x8x3x4xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x3x4xf32>
  func.return
}

// -----

func.func @sub_exp_result(%s: tensor<1x2x8x10xf32>, %m: tensor<1x2x8xf32>) {
  // expected-error @+1 {{'cascade.sub_exp' result must have shape 1x2x8x10, got 1x2x8x3x4}}
  %e = cascade.sub_exp %s, %m : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x3x4xf32>
  func.return
}

// -----

func.func @sub_exp_lhs_rank(%s: tensor<8x10xf32>, %m: tensor<8xf32>) {
  // expected-error @+1 {{'cascade.sub_exp' lhs must have rank 4 or 5}}
  %e = cascade.sub_exp %s, %m : (tensor<8x10xf32>, tensor<8xf32>) -> tensor<8x10xf32>
  func.return
}

// -----

func.func @normalize_rhs(%s: tensor<1x2x8x10xf32>, %d: tensor<1x2x8x1xf32>) {
  // expected-error @+1 {{'cascade.normalize' rhs must have shape 1x2x8, got 1x2x8x1}}
  %a = cascade.normalize %s, %d : (tensor<1x2x8x10xf32>, tensor<1x2x8x1xf32>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @normalize_result(%s: tensor<1x2x8x10xf32>, %d: tensor<1x2x8xf32>) {
  // expected-error @+1 {{'cascade.normalize' result must have shape 1x2x8x10, got 1x2x8}}
  %a = cascade.normalize %s, %d : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8xf32>
  func.return
}

// -----

func.func @normalize_not_float(%s: tensor<1x2x8x10xf32>, %d: tensor<1x2x8xi32>) {
  // expected-error @+1 {{'cascade.normalize' rhs must have a float element type, got i32}}
  %a = cascade.normalize %s, %d : (tensor<1x2x8x10xf32>, tensor<1x2x8xi32>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @normalize_element_types(%s: tensor<1x2x8x10xf32>, %d: tensor<1x2x8xf64>) {
  // expected-error @+1 {{'cascade.normalize' operands and result must share one element type, got f32, f64, f32}}
  %a = cascade.normalize %s, %d : (tensor<1x2x8x10xf32>, tensor<1x2x8xf64>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @div_rows_rhs(%n: tensor<1x2x8x6xf32>, %d: tensor<1x2x6xf32>) {
  // expected-error @+1 {{'cascade.div_rows' rhs must have shape 1x2x8, got 1x2x6}}
  %o = cascade.div_rows %n, %d : (tensor<1x2x8x6xf32>, tensor<1x2x6xf32>) -> tensor<1x2x8x6xf32>
  func.return
}

// -----

func.func @div_rows_result(%n: tensor<1x2x8x6xf32>, %d: tensor<1x2x8xf32>) {
  // expected-error @+1 {{'cascade.div_rows' result must have shape 1x2x8x6, got 1x2x8x8}}
  %o = cascade.div_rows %n, %d : (tensor<1x2x8x6xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x8xf32>
  func.return
}

// -----

// The numerator of div_rows is [B, H, Nq, Dv]: per-chunk numerators must go
// through running_av first.
func.func @div_rows_lhs_rank(%n: tensor<1x2x8x3x6xf32>, %d: tensor<1x2x8x3xf32>) {
  // expected-error @+1 {{'cascade.div_rows' lhs must have rank 4}}
  %o = cascade.div_rows %n, %d : (tensor<1x2x8x3x6xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8x3x6xf32>
  func.return
}

// ===========================================================================
// cascade.av
// ===========================================================================

// -----

func.func @av_keys(%p: tensor<1x2x8x10xf32>, %v: tensor<1x2x9x6xf32>) {
  // expected-error @+1 {{'cascade.av' p must have shape 1x2x8x9, got 1x2x8x10}}
  %o = cascade.av %p, %v : (tensor<1x2x8x10xf32>, tensor<1x2x9x6xf32>) -> tensor<1x2x8x6xf32>
  func.return
}

// -----

func.func @av_heads(%p: tensor<1x2x8x10xf32>, %v: tensor<1x1x10x6xf32>) {
  // expected-error @+1 {{'cascade.av' p must have shape 1x1x8x10, got 1x2x8x10}}
  %o = cascade.av %p, %v : (tensor<1x2x8x10xf32>, tensor<1x1x10x6xf32>) -> tensor<1x2x8x6xf32>
  func.return
}

// -----

func.func @av_result(%p: tensor<1x2x8x10xf32>, %v: tensor<1x2x10x6xf32>) {
  // expected-error @+1 {{'cascade.av' result must have shape 1x2x8x6, got 1x2x8x10}}
  %o = cascade.av %p, %v : (tensor<1x2x8x10xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x10xf32>
  func.return
}

// -----

func.func @av_split_keys(%p: tensor<1x2x8x2x4xf32>, %v: tensor<1x2x10x6xf32>) {
  // expected-error @+1 {{'cascade.av' split p has 2x4 keys, v has 10}}
  %o = cascade.av %p, %v : (tensor<1x2x8x2x4xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x2x6xf32>
  func.return
}

// -----

func.func @av_split_m0_zero(%p: tensor<1x2x8x3x0xf32>, %v: tensor<1x2x10x6xf32>) {
  // expected-error @+1 {{'cascade.av' split p has 3x0 keys, v has 10}}
  %o = cascade.av %p, %v : (tensor<1x2x8x3x0xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x3x6xf32>
  func.return
}

// -----

func.func @av_split_batch(%p: tensor<2x2x8x3x4xf32>, %v: tensor<1x2x10x6xf32>) {
  // expected-error @+1 {{'cascade.av' p must have shape 1x2, got 2x2}}
  %o = cascade.av %p, %v : (tensor<2x2x8x3x4xf32>, tensor<1x2x10x6xf32>) -> tensor<2x2x8x3x6xf32>
  func.return
}

// -----

// A split p gives one partial product per chunk: [B, H, Nq, M1, Dv].
func.func @av_split_result(%p: tensor<1x2x8x3x4xf32>, %v: tensor<1x2x10x6xf32>) {
  // expected-error @+1 {{'cascade.av' result must have shape 1x2x8x3x6, got 1x2x8x6}}
  %o = cascade.av %p, %v : (tensor<1x2x8x3x4xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x6xf32>
  func.return
}

// -----

func.func @av_p_rank(%p: tensor<2x8x10xf32>, %v: tensor<1x2x10x6xf32>) {
  // expected-error @+1 {{'cascade.av' p must have rank 4 or 5}}
  %o = cascade.av %p, %v : (tensor<2x8x10xf32>, tensor<1x2x10x6xf32>) -> tensor<2x8x6xf32>
  func.return
}

// -----

func.func @av_v_rank(%p: tensor<1x2x8x10xf32>, %v: tensor<2x10x6xf32>) {
  // expected-error @+1 {{'cascade.av' v must be a rank-4 tensor, got tensor<2x10x6xf32>}}
  %o = cascade.av %p, %v : (tensor<1x2x8x10xf32>, tensor<2x10x6xf32>) -> tensor<1x2x8x6xf32>
  func.return
}

// -----

func.func @av_not_float(%p: tensor<1x2x8x10xf32>, %v: tensor<1x2x10x6xi8>) {
  // expected-error @+1 {{'cascade.av' v must have a float element type, got i8}}
  %o = cascade.av %p, %v : (tensor<1x2x8x10xf32>, tensor<1x2x10x6xi8>) -> tensor<1x2x8x6xf32>
  func.return
}

// -----

func.func @av_element_types(%p: tensor<1x2x8x10xf32>, %v: tensor<1x2x10x6xbf16>) {
  // expected-error @+1 {{'cascade.av' operands and result must share one element type, got f32, bf16, f32}}
  %o = cascade.av %p, %v : (tensor<1x2x8x10xf32>, tensor<1x2x10x6xbf16>) -> tensor<1x2x8x6xf32>
  func.return
}

// ===========================================================================
// The running ops of the 1-pass cascade.
// ===========================================================================

// -----

func.func @running_max_rank(%lm: tensor<1x2x8x3x4xf32>) {
  // expected-error @+1 {{'cascade.running_max' input must be [B, H, Nq, M1]}}
  %rm = cascade.running_max %lm : tensor<1x2x8x3x4xf32> -> tensor<1x2x8x3x4xf32>
  func.return
}

// -----

// The running max keeps one value per chunk (it is not the final max).
func.func @running_max_result(%lm: tensor<1x2x8x3xf32>) {
  // expected-error @+1 {{'cascade.running_max' result must have shape 1x2x8x3, got 1x2x8}}
  %rm = cascade.running_max %lm : tensor<1x2x8x3xf32> -> tensor<1x2x8xf32>
  func.return
}

// -----

func.func @running_max_not_float(%lm: tensor<1x2x8x3xi32>) {
  // expected-error @+1 {{'cascade.running_max' input must have a float element type, got i32}}
  %rm = cascade.running_max %lm : tensor<1x2x8x3xi32> -> tensor<1x2x8x3xi32>
  func.return
}

// -----

func.func @rescale_rank(%rm: tensor<1x2x8xf32>) {
  // expected-error @+1 {{'cascade.rescale' input must be [B, H, Nq, M1]}}
  %prm = cascade.rescale %rm : tensor<1x2x8xf32> -> tensor<1x2x8xf32>
  func.return
}

// -----

func.func @rescale_result(%rm: tensor<1x2x8x3xf32>) {
  // expected-error @+1 {{'cascade.rescale' result must have shape 1x2x8x3, got 1x2x8x4}}
  %prm = cascade.rescale %rm : tensor<1x2x8x3xf32> -> tensor<1x2x8x4xf32>
  func.return
}

// -----

func.func @rescale_element_types(%rm: tensor<1x2x8x3xf32>) {
  // expected-error @+1 {{'cascade.rescale' operands and result must share one element type, got f32, f16}}
  %prm = cascade.rescale %rm : tensor<1x2x8x3xf32> -> tensor<1x2x8x3xf16>
  func.return
}

// -----

func.func @running_sum_rank(%sld: tensor<1x2x8x3x4xf32>, %prm: tensor<1x2x8x3xf32>) {
  // expected-error @+1 {{'cascade.running_sum' local must be [B, H, Nq, M1]}}
  %rd = cascade.running_sum %sld, %prm : (tensor<1x2x8x3x4xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8xf32>
  func.return
}

// -----

func.func @running_sum_factor(%sld: tensor<1x2x8x3xf32>, %prm: tensor<1x2x8x2xf32>) {
  // expected-error @+1 {{'cascade.running_sum' factor must have shape 1x2x8x3, got 1x2x8x2}}
  %rd = cascade.running_sum %sld, %prm : (tensor<1x2x8x3xf32>, tensor<1x2x8x2xf32>) -> tensor<1x2x8xf32>
  func.return
}

// -----

func.func @running_sum_result(%sld: tensor<1x2x8x3xf32>, %prm: tensor<1x2x8x3xf32>) {
  // expected-error @+1 {{'cascade.running_sum' result must have shape 1x2x8, got 1x2x8x3}}
  %rd = cascade.running_sum %sld, %prm : (tensor<1x2x8x3xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8x3xf32>
  func.return
}

// -----

func.func @running_sum_not_float(%sld: tensor<1x2x8x3xf32>, %prm: tensor<1x2x8x3xi1>) {
  // expected-error @+1 {{'cascade.running_sum' factor must have a float element type, got i1}}
  %rd = cascade.running_sum %sld, %prm : (tensor<1x2x8x3xf32>, tensor<1x2x8x3xi1>) -> tensor<1x2x8xf32>
  func.return
}

// -----

func.func @running_av_rank(%slnv: tensor<1x2x8x6xf32>, %prm: tensor<1x2x8x3xf32>) {
  // expected-error @+1 {{'cascade.running_av' local must be [B, H, Nq, M1, Dv]}}
  %rnv = cascade.running_av %slnv, %prm : (tensor<1x2x8x6xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8x6xf32>
  func.return
}

// -----

func.func @running_av_factor(%slnv: tensor<1x2x8x3x6xf32>, %prm: tensor<1x2x8x6xf32>) {
  // expected-error @+1 {{'cascade.running_av' factor must have shape 1x2x8x3, got 1x2x8x6}}
  %rnv = cascade.running_av %slnv, %prm : (tensor<1x2x8x3x6xf32>, tensor<1x2x8x6xf32>) -> tensor<1x2x8x6xf32>
  func.return
}

// -----

func.func @running_av_result(%slnv: tensor<1x2x8x3x6xf32>, %prm: tensor<1x2x8x3xf32>) {
  // expected-error @+1 {{'cascade.running_av' result must have shape 1x2x8x6, got 1x2x8x3x6}}
  %rnv = cascade.running_av %slnv, %prm : (tensor<1x2x8x3x6xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8x3x6xf32>
  func.return
}

// -----

func.func @running_av_element_types(%slnv: tensor<1x2x8x3x6xf16>, %prm: tensor<1x2x8x3xf16>) {
  // expected-error @+1 {{'cascade.running_av' operands and result must share one element type, got f16, f16, f32}}
  %rnv = cascade.running_av %slnv, %prm : (tensor<1x2x8x3x6xf16>, tensor<1x2x8x3xf16>) -> tensor<1x2x8x6xf32>
  func.return
}

// -----

// Each failing op gets its own error; the others verify.
func.func @two_errors(%s: tensor<1x2x8x10xf32>) {
  // expected-error @+1 {{'cascade.max' result must have shape 1x2x8, got 1x2x10}}
  %gm = cascade.max %s : tensor<1x2x8x10xf32> -> tensor<1x2x10xf32>
  %sd = cascade.sum %s : tensor<1x2x8x10xf32> -> tensor<1x2x8xf32>
  // expected-error @+1 {{'cascade.sum' result must have shape 1x2x8, got 2x8}}
  %bad = cascade.sum %s : tensor<1x2x8x10xf32> -> tensor<2x8xf32>
  func.return
}
