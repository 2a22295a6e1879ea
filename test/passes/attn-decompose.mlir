// attn-decompose: attn.attention -> the 3-pass Einsum cascade
// (qk, max, sub_exp, sum, normalize, av), the pattern carried on cascade.qk.
//
// RUN: attn-opt %s --split-input-file -p attn-decompose | filecheck %s
// The output is a fixed point: on it (no attn.attention is left) a second
// run changes nothing.  It also parses back from the generic form.
// RUN: attn-opt %s --split-input-file -p attn-decompose > %t1 && attn-opt %t1 --split-input-file -p attn-decompose > %t2 && diff %t1 %t2
// RUN: attn-opt %s --split-input-file -p attn-decompose --print-op-generic | attn-opt --split-input-file | filecheck %s

// Self-attention, default scale 1/sqrt(D) = 1/sqrt(8).
// CHECK-LABEL: func.func @window
// CHECK-NEXT:    %[[QK:.+]] = cascade.qk %q, %k pattern #attn.window<left = 1, right = 1> {scale = 0.35355339059327373 : f64} : (tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x10xf32>
// CHECK-NEXT:    %[[GM:.+]] = cascade.max %[[QK]] : tensor<1x2x10x10xf32> -> tensor<1x2x10xf32>
// CHECK-NEXT:    %[[SN:.+]] = cascade.sub_exp %[[QK]], %[[GM]] : (tensor<1x2x10x10xf32>, tensor<1x2x10xf32>) -> tensor<1x2x10x10xf32>
// CHECK-NEXT:    %[[SD:.+]] = cascade.sum %[[SN]] : tensor<1x2x10x10xf32> -> tensor<1x2x10xf32>
// CHECK-NEXT:    %[[A:.+]] = cascade.normalize %[[SN]], %[[SD]] : (tensor<1x2x10x10xf32>, tensor<1x2x10xf32>) -> tensor<1x2x10x10xf32>
// CHECK-NEXT:    %[[AV:.+]] = cascade.av %[[A]], %v : (tensor<1x2x10x10xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32>
// CHECK-NEXT:    func.return %[[AV]] : tensor<1x2x10x8xf32>
// CHECK-NEXT:  }
func.func @window(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x10x8xf32>, %v: tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 1, right = 1> : (tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32>
  func.return %o : tensor<1x2x10x8xf32>
}

// Cross attention (Nq = 10, Nk = 12, Dv = 4) with an explicit scale, and a
// second attention with a mask operand in a union: each becomes its own
// cascade, in order; the mask goes to cascade.qk; the default scale is
// 1/sqrt(D) of q's head dimension, not of v's.
// CHECK-LABEL: func.func @two
// CHECK-NEXT:    %[[QK:.+]] = cascade.qk %q, %k pattern #attn.causal {scale = 1.250000e-01 : f64} : (tensor<1x2x10x8xf32>, tensor<1x2x12x8xf32>) -> tensor<1x2x10x12xf32>
// CHECK-NEXT:    %[[GM:.+]] = cascade.max %[[QK]] : tensor<1x2x10x12xf32> -> tensor<1x2x10xf32>
// CHECK-NEXT:    %[[SN:.+]] = cascade.sub_exp %[[QK]], %[[GM]] : (tensor<1x2x10x12xf32>, tensor<1x2x10xf32>) -> tensor<1x2x10x12xf32>
// CHECK-NEXT:    %[[SD:.+]] = cascade.sum %[[SN]] : tensor<1x2x10x12xf32> -> tensor<1x2x10xf32>
// CHECK-NEXT:    %[[A:.+]] = cascade.normalize %[[SN]], %[[SD]] : (tensor<1x2x10x12xf32>, tensor<1x2x10xf32>) -> tensor<1x2x10x12xf32>
// CHECK-NEXT:    %[[AV1:.+]] = cascade.av %[[A]], %v : (tensor<1x2x10x12xf32>, tensor<1x2x12x4xf32>) -> tensor<1x2x10x4xf32>
// CHECK-NEXT:    %[[QK2:.+]] = cascade.qk %q, %k mask %m pattern #attn.union<[#attn.mask, #attn.global<[0]>]> {scale = 0.35355339059327373 : f64} : (tensor<1x2x10x8xf32>, tensor<1x2x12x8xf32>, tensor<1x1x10x12xi1>) -> tensor<1x2x10x12xf32>
// CHECK-NEXT:    %[[GM2:.+]] = cascade.max %[[QK2]] : tensor<1x2x10x12xf32> -> tensor<1x2x10xf32>
// CHECK-NEXT:    %[[SN2:.+]] = cascade.sub_exp %[[QK2]], %[[GM2]]
// CHECK-NEXT:    %[[SD2:.+]] = cascade.sum %[[SN2]]
// CHECK-NEXT:    %[[A2:.+]] = cascade.normalize %[[SN2]], %[[SD2]]
// CHECK-NEXT:    %[[AV2:.+]] = cascade.av %[[A2]], %v : (tensor<1x2x10x12xf32>, tensor<1x2x12x4xf32>) -> tensor<1x2x10x4xf32>
// CHECK-NEXT:    func.return %[[AV1]], %[[AV2]] : tensor<1x2x10x4xf32>, tensor<1x2x10x4xf32>
func.func @two(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x12x8xf32>, %v: tensor<1x2x12x4xf32>, %m: tensor<1x1x10x12xi1>) -> (tensor<1x2x10x4xf32>, tensor<1x2x10x4xf32>) {
  %a = attn.attention %q, %k, %v pattern #attn.causal {scale = 0.125 : f64} : (tensor<1x2x10x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x4xf32>) -> tensor<1x2x10x4xf32>
  %b = attn.attention %q, %k, %v mask %m pattern #attn.union<[#attn.mask, #attn.global<[0]>]> : (tensor<1x2x10x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x4xf32>, tensor<1x1x10x12xi1>) -> tensor<1x2x10x4xf32>
  func.return %a, %b : tensor<1x2x10x4xf32>, tensor<1x2x10x4xf32>
}

// f16 operands: the cascade keeps the element type; D = 16 gives scale 1/4.
// The per-head dilation pattern is carried as it is.
// CHECK-LABEL: func.func @half
// CHECK-NEXT:    %[[QK:.+]] = cascade.qk %q, %k pattern #attn.window<left = 2, right = 0, dilation = [1, 2]> {scale = 2.500000e-01 : f64} : (tensor<2x2x6x16xf16>, tensor<2x2x6x16xf16>) -> tensor<2x2x6x6xf16>
// CHECK-NEXT:    cascade.max %[[QK]] : tensor<2x2x6x6xf16> -> tensor<2x2x6xf16>
// CHECK-NEXT:    cascade.sub_exp
// CHECK-NEXT:    cascade.sum
// CHECK-NEXT:    cascade.normalize
// CHECK-NEXT:    cascade.av {{.*}} -> tensor<2x2x6x16xf16>
// CHECK-NEXT:    func.return
func.func @half(%q: tensor<2x2x6x16xf16>, %k: tensor<2x2x6x16xf16>, %v: tensor<2x2x6x16xf16>) -> tensor<2x2x6x16xf16> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 2, right = 0, dilation = [1, 2]> : (tensor<2x2x6x16xf16>, tensor<2x2x6x16xf16>, tensor<2x2x6x16xf16>) -> tensor<2x2x6x16xf16>
  func.return %o : tensor<2x2x6x16xf16>
}

// CHECK-NOT: attn.attention

// -----

// A module without attn.attention (a cascade is not an attn.attention) is
// left exactly as it is.
// CHECK-LABEL: {{^// -{5}$}}
// CHECK-NEXT:  builtin.module {
// CHECK-NEXT:    func.func @already_cascade(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>) -> tensor<1x1x4xf32> {
// CHECK-NEXT:      %s = cascade.qk %q, %k pattern #attn.dense {scale = 5.000000e-01 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
// CHECK-NEXT:      %gm = cascade.max %s : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
// CHECK-NEXT:      func.return %gm : tensor<1x1x4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.func @empty() {
// CHECK-NEXT:      func.return
// CHECK-NEXT:    }
// CHECK-NEXT:  }
// CHECK-NOT:   {{.}}
func.func @already_cascade(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>) -> tensor<1x1x4xf32> {
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %gm = cascade.max %s : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  func.return %gm : tensor<1x1x4xf32>
}

func.func @empty() {
  func.return
}
