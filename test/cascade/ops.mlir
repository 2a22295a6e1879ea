// Round trip of every cascade op, in the custom and the generic form.
//
// RUN: attn-opt %s | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC
// The printed text is a fixed point of print/parse, in both forms:
// RUN: attn-opt %s | attn-opt > %t1 && attn-opt %t1 | attn-opt > %t2 && diff %t1 %t2
// RUN: attn-opt %s --print-op-generic > %t3 && attn-opt %t3 --print-op-generic > %t4 && diff %t3 %t4

// ---------------------------------------------------------------------------
// cascade.qk: unsplit [B,H,Nq,Nk] and split [B,H,Nq,M1,M0], with and without
// a mask operand.
// ---------------------------------------------------------------------------

// CHECK-LABEL: func.func @qk_unsplit
// CHECK-NEXT:    %s = cascade.qk %q, %k pattern #attn.causal {scale = 5.000000e-01 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32>
// CHECK-NEXT:    func.return %s
// GENERIC-LABEL: sym_name = "qk_unsplit"
// GENERIC:       %s = "cascade.qk"(%q, %k) <{pattern = #attn.causal, scale = 5.000000e-01 : f64}> : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32>
func.func @qk_unsplit(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32> {
  %s = cascade.qk %q, %k pattern #attn.causal {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32>
  func.return %s : tensor<1x2x8x10xf32>
}

// Nk = 10 keys in M1 = 3 chunks of M0 = 4 (the last chunk is ragged).
// CHECK-LABEL: func.func @qk_split
// CHECK-NEXT:    %s = cascade.qk %q, %k pattern #attn.window<left = 2, right = 1> {scale = 2.500000e-01 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x3x4xf32>
// CHECK-NEXT:    func.return %s
// GENERIC-LABEL: sym_name = "qk_split"
// GENERIC:       %s = "cascade.qk"(%q, %k) <{pattern = #attn.window<left = 2, right = 1>, scale = 2.500000e-01 : f64}> : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x3x4xf32>
func.func @qk_split(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>) -> tensor<1x2x8x3x4xf32> {
  %s = cascade.qk %q, %k pattern #attn.window<left = 2, right = 1> {scale = 0.25 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x3x4xf32>
  func.return %s : tensor<1x2x8x3x4xf32>
}

// The mask broadcasts over the heads (1 x H).
// CHECK-LABEL: func.func @qk_mask
// CHECK-NEXT:    %s = cascade.qk %q, %k mask %m pattern #attn.mask {scale = 5.000000e-01 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>, tensor<1x1x8x10xi1>) -> tensor<1x2x8x10xf32>
// CHECK-NEXT:    func.return %s
// GENERIC-LABEL: sym_name = "qk_mask"
// GENERIC:       %s = "cascade.qk"(%q, %k, %m) <{pattern = #attn.mask, scale = 5.000000e-01 : f64}> : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>, tensor<1x1x8x10xi1>) -> tensor<1x2x8x10xf32>
func.func @qk_mask(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>, %m: tensor<1x1x8x10xi1>) -> tensor<1x2x8x10xf32> {
  %s = cascade.qk %q, %k mask %m pattern #attn.mask {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>, tensor<1x1x8x10xi1>) -> tensor<1x2x8x10xf32>
  func.return %s : tensor<1x2x8x10xf32>
}

// A mask in a union, split keys (M1 = 2 chunks of M0 = 5), a full [B,H,Nq,Nk] mask.
// CHECK-LABEL: func.func @qk_mask_split
// CHECK-NEXT:    %s = cascade.qk %q, %k mask %m pattern #attn.union<[#attn.mask, #attn.global<[0]>]> {scale = 5.000000e-01 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>, tensor<1x2x8x10xi1>) -> tensor<1x2x8x2x5xf32>
// CHECK-NEXT:    func.return %s
// GENERIC-LABEL: sym_name = "qk_mask_split"
// GENERIC:       %s = "cascade.qk"(%q, %k, %m) <{pattern = #attn.union<[#attn.mask, #attn.global<[0]>]>, scale = 5.000000e-01 : f64}> : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>, tensor<1x2x8x10xi1>) -> tensor<1x2x8x2x5xf32>
func.func @qk_mask_split(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>, %m: tensor<1x2x8x10xi1>) -> tensor<1x2x8x2x5xf32> {
  %s = cascade.qk %q, %k mask %m pattern #attn.union<[#attn.mask, #attn.global<[0]>]> {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>, tensor<1x2x8x10xi1>) -> tensor<1x2x8x2x5xf32>
  func.return %s : tensor<1x2x8x2x5xf32>
}

// ---------------------------------------------------------------------------
// The 3-pass cascade: max, sub_exp, sum, normalize, av (unsplit).
// ---------------------------------------------------------------------------

// CHECK-LABEL: func.func @three_pass
// CHECK-NEXT:    %s = cascade.qk %q, %k pattern #attn.dense {scale = 5.000000e-01 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32>
// CHECK-NEXT:    %gm = cascade.max %s : tensor<1x2x8x10xf32> -> tensor<1x2x8xf32>
// CHECK-NEXT:    %sn = cascade.sub_exp %s, %gm : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x10xf32>
// CHECK-NEXT:    %sd = cascade.sum %sn : tensor<1x2x8x10xf32> -> tensor<1x2x8xf32>
// CHECK-NEXT:    %a = cascade.normalize %sn, %sd : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x10xf32>
// CHECK-NEXT:    %av = cascade.av %a, %v : (tensor<1x2x8x10xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x6xf32>
// CHECK-NEXT:    func.return %av : tensor<1x2x8x6xf32>
// GENERIC-LABEL: sym_name = "three_pass"
// GENERIC:       %gm = "cascade.max"(%s) : (tensor<1x2x8x10xf32>) -> tensor<1x2x8xf32>
// GENERIC-NEXT:  %sn = "cascade.sub_exp"(%s, %gm) : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x10xf32>
// GENERIC-NEXT:  %sd = "cascade.sum"(%sn) : (tensor<1x2x8x10xf32>) -> tensor<1x2x8xf32>
// GENERIC-NEXT:  %a = "cascade.normalize"(%sn, %sd) : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x10xf32>
// GENERIC-NEXT:  %av = "cascade.av"(%a, %v) : (tensor<1x2x8x10xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x6xf32>
func.func @three_pass(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>, %v: tensor<1x2x10x6xf32>) -> tensor<1x2x8x6xf32> {
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32>
  %gm = cascade.max %s : tensor<1x2x8x10xf32> -> tensor<1x2x8xf32>
  %sn = cascade.sub_exp %s, %gm : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x10xf32>
  %sd = cascade.sum %sn : tensor<1x2x8x10xf32> -> tensor<1x2x8xf32>
  %a = cascade.normalize %sn, %sd : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x10xf32>
  %av = cascade.av %a, %v : (tensor<1x2x8x10xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x6xf32>
  func.return %av : tensor<1x2x8x6xf32>
}

// ---------------------------------------------------------------------------
// The 2-pass cascade: av on the numerator, then div_rows (f16 throughout).
// ---------------------------------------------------------------------------

// CHECK-LABEL: func.func @two_pass
// CHECK-NEXT:    %s = cascade.qk %q, %k pattern #attn.causal<offset = 1> {scale = 1.250000e-01 : f64} : (tensor<2x1x8x4xf16>, tensor<2x1x8x4xf16>) -> tensor<2x1x8x8xf16>
// CHECK-NEXT:    %gm = cascade.max %s : tensor<2x1x8x8xf16> -> tensor<2x1x8xf16>
// CHECK-NEXT:    %sn = cascade.sub_exp %s, %gm : (tensor<2x1x8x8xf16>, tensor<2x1x8xf16>) -> tensor<2x1x8x8xf16>
// CHECK-NEXT:    %sd = cascade.sum %sn : tensor<2x1x8x8xf16> -> tensor<2x1x8xf16>
// CHECK-NEXT:    %snv = cascade.av %sn, %v : (tensor<2x1x8x8xf16>, tensor<2x1x8x4xf16>) -> tensor<2x1x8x4xf16>
// CHECK-NEXT:    %av = cascade.div_rows %snv, %sd : (tensor<2x1x8x4xf16>, tensor<2x1x8xf16>) -> tensor<2x1x8x4xf16>
// CHECK-NEXT:    func.return %av : tensor<2x1x8x4xf16>
// GENERIC-LABEL: sym_name = "two_pass"
// GENERIC:       %snv = "cascade.av"(%sn, %v) : (tensor<2x1x8x8xf16>, tensor<2x1x8x4xf16>) -> tensor<2x1x8x4xf16>
// GENERIC-NEXT:  %av = "cascade.div_rows"(%snv, %sd) : (tensor<2x1x8x4xf16>, tensor<2x1x8xf16>) -> tensor<2x1x8x4xf16>
func.func @two_pass(%q: tensor<2x1x8x4xf16>, %k: tensor<2x1x8x4xf16>, %v: tensor<2x1x8x4xf16>) -> tensor<2x1x8x4xf16> {
  %s = cascade.qk %q, %k pattern #attn.causal<offset = 1> {scale = 0.125 : f64} : (tensor<2x1x8x4xf16>, tensor<2x1x8x4xf16>) -> tensor<2x1x8x8xf16>
  %gm = cascade.max %s : tensor<2x1x8x8xf16> -> tensor<2x1x8xf16>
  %sn = cascade.sub_exp %s, %gm : (tensor<2x1x8x8xf16>, tensor<2x1x8xf16>) -> tensor<2x1x8x8xf16>
  %sd = cascade.sum %sn : tensor<2x1x8x8xf16> -> tensor<2x1x8xf16>
  %snv = cascade.av %sn, %v : (tensor<2x1x8x8xf16>, tensor<2x1x8x4xf16>) -> tensor<2x1x8x4xf16>
  %av = cascade.div_rows %snv, %sd : (tensor<2x1x8x4xf16>, tensor<2x1x8xf16>) -> tensor<2x1x8x4xf16>
  func.return %av : tensor<2x1x8x4xf16>
}

// ---------------------------------------------------------------------------
// The 1-pass cascade: split qk, local max/sum/av over m0, running_max,
// rescale, running_sum, running_av over m1, div_rows.
// ---------------------------------------------------------------------------

// CHECK-LABEL: func.func @one_pass
// CHECK-NEXT:    %bqk = cascade.qk %q, %k pattern #attn.window<left = 1, right = 1> {scale = 5.000000e-01 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x3x4xf32>
// CHECK-NEXT:    %lm = cascade.max %bqk : tensor<1x2x8x3x4xf32> -> tensor<1x2x8x3xf32>
// CHECK-NEXT:    %rm = cascade.running_max %lm : tensor<1x2x8x3xf32> -> tensor<1x2x8x3xf32>
// CHECK-NEXT:    %sln = cascade.sub_exp %bqk, %rm : (tensor<1x2x8x3x4xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8x3x4xf32>
// CHECK-NEXT:    %sld = cascade.sum %sln : tensor<1x2x8x3x4xf32> -> tensor<1x2x8x3xf32>
// CHECK-NEXT:    %slnv = cascade.av %sln, %v : (tensor<1x2x8x3x4xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x3x6xf32>
// CHECK-NEXT:    %prm = cascade.rescale %rm : tensor<1x2x8x3xf32> -> tensor<1x2x8x3xf32>
// CHECK-NEXT:    %rd = cascade.running_sum %sld, %prm : (tensor<1x2x8x3xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8xf32>
// CHECK-NEXT:    %rnv = cascade.running_av %slnv, %prm : (tensor<1x2x8x3x6xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8x6xf32>
// CHECK-NEXT:    %av = cascade.div_rows %rnv, %rd : (tensor<1x2x8x6xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x6xf32>
// CHECK-NEXT:    func.return %av : tensor<1x2x8x6xf32>
// GENERIC-LABEL: sym_name = "one_pass"
// GENERIC:       %bqk = "cascade.qk"(%q, %k) <{pattern = #attn.window<left = 1, right = 1>, scale = 5.000000e-01 : f64}> : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x3x4xf32>
// GENERIC-NEXT:  %lm = "cascade.max"(%bqk) : (tensor<1x2x8x3x4xf32>) -> tensor<1x2x8x3xf32>
// GENERIC-NEXT:  %rm = "cascade.running_max"(%lm) : (tensor<1x2x8x3xf32>) -> tensor<1x2x8x3xf32>
// GENERIC-NEXT:  %sln = "cascade.sub_exp"(%bqk, %rm) : (tensor<1x2x8x3x4xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8x3x4xf32>
// GENERIC-NEXT:  %sld = "cascade.sum"(%sln) : (tensor<1x2x8x3x4xf32>) -> tensor<1x2x8x3xf32>
// GENERIC-NEXT:  %slnv = "cascade.av"(%sln, %v) : (tensor<1x2x8x3x4xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x3x6xf32>
// GENERIC-NEXT:  %prm = "cascade.rescale"(%rm) : (tensor<1x2x8x3xf32>) -> tensor<1x2x8x3xf32>
// GENERIC-NEXT:  %rd = "cascade.running_sum"(%sld, %prm) : (tensor<1x2x8x3xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8xf32>
// GENERIC-NEXT:  %rnv = "cascade.running_av"(%slnv, %prm) : (tensor<1x2x8x3x6xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8x6xf32>
// GENERIC-NEXT:  %av = "cascade.div_rows"(%rnv, %rd) : (tensor<1x2x8x6xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x6xf32>
func.func @one_pass(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>, %v: tensor<1x2x10x6xf32>) -> tensor<1x2x8x6xf32> {
  %bqk = cascade.qk %q, %k pattern #attn.window<left = 1, right = 1> {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x3x4xf32>
  %lm = cascade.max %bqk : tensor<1x2x8x3x4xf32> -> tensor<1x2x8x3xf32>
  %rm = cascade.running_max %lm : tensor<1x2x8x3xf32> -> tensor<1x2x8x3xf32>
  %sln = cascade.sub_exp %bqk, %rm : (tensor<1x2x8x3x4xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8x3x4xf32>
  %sld = cascade.sum %sln : tensor<1x2x8x3x4xf32> -> tensor<1x2x8x3xf32>
  %slnv = cascade.av %sln, %v : (tensor<1x2x8x3x4xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x3x6xf32>
  %prm = cascade.rescale %rm : tensor<1x2x8x3xf32> -> tensor<1x2x8x3xf32>
  %rd = cascade.running_sum %sld, %prm : (tensor<1x2x8x3xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8xf32>
  %rnv = cascade.running_av %slnv, %prm : (tensor<1x2x8x3x6xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8x6xf32>
  %av = cascade.div_rows %rnv, %rd : (tensor<1x2x8x6xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x6xf32>
  func.return %av : tensor<1x2x8x6xf32>
}

// Attributes other than the properties survive the round trip (e.g. the
// annotations of attn-pass-count), in both forms.
// CHECK-LABEL: func.func @annotated
// CHECK-NEXT:    %gm = cascade.max %s {pass = 1 : i64} : tensor<1x1x4x4xbf16> -> tensor<1x1x4xbf16>
// CHECK-NEXT:    %sn = cascade.sub_exp %s, %gm {pass = 2 : i64, passes = 2 : i64} : (tensor<1x1x4x4xbf16>, tensor<1x1x4xbf16>) -> tensor<1x1x4x4xbf16>
// GENERIC-LABEL: sym_name = "annotated"
// GENERIC:       %gm = "cascade.max"(%s) {pass = 1 : i64} : (tensor<1x1x4x4xbf16>) -> tensor<1x1x4xbf16>
func.func @annotated(%s: tensor<1x1x4x4xbf16>) -> tensor<1x1x4x4xbf16> {
  %gm = cascade.max %s {pass = 1 : i64} : tensor<1x1x4x4xbf16> -> tensor<1x1x4xbf16>
  %sn = cascade.sub_exp %s, %gm {pass = 2 : i64, passes = 2 : i64} : (tensor<1x1x4x4xbf16>, tensor<1x1x4xbf16>) -> tensor<1x1x4x4xbf16>
  func.return %sn : tensor<1x1x4x4xbf16>
}
