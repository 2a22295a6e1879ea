// attn-fuse{passes=N m0=M}: rewrites a cascade into its N-pass form.
// 3 -> 2 defers the division past AV; -> 1 splits the keys into chunks of M0
// with running max, sum and numerator; 1 -> 3 goes back.  A cascade already
// in the requested form, or a chain that only looks like a cascade, is left
// as it is (the original SSA names show that the ops were not rebuilt).
//
// Prefixes: ALL holds in every run; TO1 / TO3 for what becomes 1-pass /
// 3-pass both directly and through a round trip; RT1 / RT3 the round trips.
// RUN: attn-opt %s --split-input-file -p 'attn-fuse{passes=2}' | filecheck %s --check-prefixes=ALL,TWO
// RUN: attn-opt %s --split-input-file -p 'attn-fuse{passes=1 m0=4}' | filecheck %s --check-prefixes=ALL,ONE,TO1
// RUN: attn-opt %s --split-input-file -p 'attn-fuse{passes=3}' | filecheck %s --check-prefixes=ALL,THREE,TO3
// M0 larger than Nk is clamped to Nk: one chunk of all 10 keys.
// RUN: attn-opt %s --split-input-file -p 'attn-fuse{passes=1 m0=64}' | filecheck %s --check-prefixes=ALL,BIG
// Round trips: 3 -> 1 -> 3 gives the 3-pass form again, 1 -> 3 -> 1 the 1-pass one.
// RUN: attn-opt %s --split-input-file -p 'attn-fuse{passes=1 m0=4},attn-fuse{passes=3}' | filecheck %s --check-prefixes=ALL,RT3,TO3
// RUN: attn-opt %s --split-input-file -p 'attn-fuse{passes=3},attn-fuse{passes=1 m0=4}' | filecheck %s --check-prefixes=ALL,RT1,TO1
// Fusing is idempotent: a second run with the same options changes nothing.
// RUN: attn-opt %s --split-input-file -p 'attn-fuse{passes=1 m0=4}' > %t1 && attn-opt %t1 --split-input-file -p 'attn-fuse{passes=1 m0=4}' > %t2 && diff %t1 %t2
// RUN: attn-opt %s --split-input-file -p 'attn-fuse{passes=2}' > %t3 && attn-opt %t3 --split-input-file -p 'attn-fuse{passes=2}' > %t4 && diff %t3 %t4

// A 3-pass cascade, Nq = 8, Nk = 10 (not a multiple of M0 = 4: M1 = 3,
// the last chunk holds 2 keys and 2 masked slots).

// TWO-LABEL: func.func @three_pass
// TWO-NEXT:    %[[QK:.+]] = cascade.qk %q, %k pattern #attn.window<left = 2, right = 1> {scale = 5.000000e-01 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32>
// TWO-NEXT:    %[[GM:.+]] = cascade.max %[[QK]] : tensor<1x2x8x10xf32> -> tensor<1x2x8xf32>
// TWO-NEXT:    %[[SN:.+]] = cascade.sub_exp %[[QK]], %[[GM]] : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x10xf32>
// TWO-NEXT:    %[[SD:.+]] = cascade.sum %[[SN]] : tensor<1x2x8x10xf32> -> tensor<1x2x8xf32>
// TWO-NEXT:    %[[SNV:.+]] = cascade.av %[[SN]], %v : (tensor<1x2x8x10xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x6xf32>
// TWO-NEXT:    %[[AV:.+]] = cascade.div_rows %[[SNV]], %[[SD]] : (tensor<1x2x8x6xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x6xf32>
// TWO-NEXT:    func.return %[[AV]] : tensor<1x2x8x6xf32>
// TWO-NOT:     cascade.normalize

// TO1-LABEL: func.func @three_pass
// TO1-NEXT:    %[[BQK:.+]] = cascade.qk %q, %k pattern #attn.window<left = 2, right = 1> {scale = 5.000000e-01 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x3x4xf32>
// TO1-NEXT:    %[[LM:.+]] = cascade.max %[[BQK]] : tensor<1x2x8x3x4xf32> -> tensor<1x2x8x3xf32>
// TO1-NEXT:    %[[RM:.+]] = cascade.running_max %[[LM]] : tensor<1x2x8x3xf32> -> tensor<1x2x8x3xf32>
// TO1-NEXT:    %[[SLN:.+]] = cascade.sub_exp %[[BQK]], %[[RM]] : (tensor<1x2x8x3x4xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8x3x4xf32>
// TO1-NEXT:    %[[SLD:.+]] = cascade.sum %[[SLN]] : tensor<1x2x8x3x4xf32> -> tensor<1x2x8x3xf32>
// TO1-NEXT:    %[[SLNV:.+]] = cascade.av %[[SLN]], %v : (tensor<1x2x8x3x4xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x3x6xf32>
// TO1-NEXT:    %[[PRM:.+]] = cascade.rescale %[[RM]] : tensor<1x2x8x3xf32> -> tensor<1x2x8x3xf32>
// TO1-NEXT:    %[[RD:.+]] = cascade.running_sum %[[SLD]], %[[PRM]] : (tensor<1x2x8x3xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8xf32>
// TO1-NEXT:    %[[RNV:.+]] = cascade.running_av %[[SLNV]], %[[PRM]] : (tensor<1x2x8x3x6xf32>, tensor<1x2x8x3xf32>) -> tensor<1x2x8x6xf32>
// TO1-NEXT:    %[[AV:.+]] = cascade.div_rows %[[RNV]], %[[RD]] : (tensor<1x2x8x6xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x6xf32>
// TO1-NEXT:    func.return %[[AV]] : tensor<1x2x8x6xf32>

// Already 3-pass: unchanged.
// THREE-LABEL: func.func @three_pass
// THREE-NEXT:    %s = cascade.qk %q, %k pattern #attn.window<left = 2, right = 1> {scale = 5.000000e-01 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32>
// THREE-NEXT:    %gm = cascade.max %s : tensor<1x2x8x10xf32> -> tensor<1x2x8xf32>
// THREE-NEXT:    %sn = cascade.sub_exp %s, %gm : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x10xf32>
// THREE-NEXT:    %sd = cascade.sum %sn : tensor<1x2x8x10xf32> -> tensor<1x2x8xf32>
// THREE-NEXT:    %a = cascade.normalize %sn, %sd : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x10xf32>
// THREE-NEXT:    %av = cascade.av %a, %v : (tensor<1x2x8x10xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x6xf32>
// THREE-NEXT:    func.return %av : tensor<1x2x8x6xf32>

// 3 -> 1 -> 3: the same cascade, rebuilt.
// RT3-LABEL: func.func @three_pass
// RT3-NEXT:    %[[QK:.+]] = cascade.qk %q, %k pattern #attn.window<left = 2, right = 1> {scale = 5.000000e-01 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32>
// RT3-NEXT:    %[[GM:.+]] = cascade.max %[[QK]] : tensor<1x2x8x10xf32> -> tensor<1x2x8xf32>
// RT3-NEXT:    %[[SN:.+]] = cascade.sub_exp %[[QK]], %[[GM]] : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x10xf32>
// RT3-NEXT:    %[[SD:.+]] = cascade.sum %[[SN]] : tensor<1x2x8x10xf32> -> tensor<1x2x8xf32>
// RT3-NEXT:    %[[A:.+]] = cascade.normalize %[[SN]], %[[SD]] : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x10xf32>
// RT3-NEXT:    %[[AV:.+]] = cascade.av %[[A]], %v : (tensor<1x2x8x10xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x6xf32>
// RT3-NEXT:    func.return %[[AV]] : tensor<1x2x8x6xf32>
// RT3-NOT:     cascade.running

// BIG-LABEL: func.func @three_pass
// BIG-NEXT:    %[[BQK:.+]] = cascade.qk %q, %k pattern #attn.window<left = 2, right = 1> {scale = 5.000000e-01 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x1x10xf32>
// BIG-NEXT:    cascade.max %[[BQK]] : tensor<1x2x8x1x10xf32> -> tensor<1x2x8x1xf32>
// BIG-NEXT:    cascade.running_max
// BIG-NEXT:    cascade.sub_exp
// BIG-NEXT:    cascade.sum
// BIG-NEXT:    cascade.av {{.*}} -> tensor<1x2x8x1x6xf32>
// BIG-NEXT:    cascade.rescale
// BIG-NEXT:    cascade.running_sum
// BIG-NEXT:    cascade.running_av
// BIG-NEXT:    cascade.div_rows
// BIG-NEXT:    func.return
func.func @three_pass(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x10x4xf32>, %v: tensor<1x2x10x6xf32>) -> tensor<1x2x8x6xf32> {
  %s = cascade.qk %q, %k pattern #attn.window<left = 2, right = 1> {scale = 0.5 : f64} : (tensor<1x2x8x4xf32>, tensor<1x2x10x4xf32>) -> tensor<1x2x8x10xf32>
  %gm = cascade.max %s : tensor<1x2x8x10xf32> -> tensor<1x2x8xf32>
  %sn = cascade.sub_exp %s, %gm : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x10xf32>
  %sd = cascade.sum %sn : tensor<1x2x8x10xf32> -> tensor<1x2x8xf32>
  %a = cascade.normalize %sn, %sd : (tensor<1x2x8x10xf32>, tensor<1x2x8xf32>) -> tensor<1x2x8x10xf32>
  %av = cascade.av %a, %v : (tensor<1x2x8x10xf32>, tensor<1x2x10x6xf32>) -> tensor<1x2x8x6xf32>
  func.return %av : tensor<1x2x8x6xf32>
}

// -----

// A 2-pass cascade with a mask operand (carried to the new cascade.qk).

// Already 2-pass: unchanged.
// TWO-LABEL: func.func @two_pass
// TWO-NEXT:    %s = cascade.qk %q, %k mask %m pattern #attn.union<[#attn.mask, #attn.causal]> {scale = 2.500000e-01 : f64} : (tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32>, tensor<1x1x6x6xi1>) -> tensor<1x1x6x6xf32>
// TWO-NEXT:    %gm = cascade.max %s
// TWO-NEXT:    %sn = cascade.sub_exp %s, %gm
// TWO-NEXT:    %sd = cascade.sum %sn
// TWO-NEXT:    %snv = cascade.av %sn, %v
// TWO-NEXT:    %o = cascade.div_rows %snv, %sd
// TWO-NEXT:    func.return %o

// TO1-LABEL: func.func @two_pass
// TO1-NEXT:    %[[BQK:.+]] = cascade.qk %q, %k mask %m pattern #attn.union<[#attn.mask, #attn.causal]> {scale = 2.500000e-01 : f64} : (tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32>, tensor<1x1x6x6xi1>) -> tensor<1x1x6x2x4xf32>
// TO1-NEXT:    %[[LM:.+]] = cascade.max %[[BQK]] : tensor<1x1x6x2x4xf32> -> tensor<1x1x6x2xf32>
// TO1-NEXT:    %[[RM:.+]] = cascade.running_max %[[LM]]
// TO1-NEXT:    %[[SLN:.+]] = cascade.sub_exp %[[BQK]], %[[RM]]
// TO1-NEXT:    %[[SLD:.+]] = cascade.sum %[[SLN]]
// TO1-NEXT:    %[[SLNV:.+]] = cascade.av %[[SLN]], %v : (tensor<1x1x6x2x4xf32>, tensor<1x1x6x4xf32>) -> tensor<1x1x6x2x4xf32>
// TO1-NEXT:    %[[PRM:.+]] = cascade.rescale %[[RM]]
// TO1-NEXT:    %[[RD:.+]] = cascade.running_sum %[[SLD]], %[[PRM]]
// TO1-NEXT:    %[[RNV:.+]] = cascade.running_av %[[SLNV]], %[[PRM]]
// TO1-NEXT:    %[[O:.+]] = cascade.div_rows %[[RNV]], %[[RD]] : (tensor<1x1x6x4xf32>, tensor<1x1x6xf32>) -> tensor<1x1x6x4xf32>
// TO1-NEXT:    func.return %[[O]]

// TO3-LABEL: func.func @two_pass
// TO3-NEXT:    %[[QK:.+]] = cascade.qk %q, %k mask %m pattern #attn.union<[#attn.mask, #attn.causal]> {scale = 2.500000e-01 : f64} : (tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32>, tensor<1x1x6x6xi1>) -> tensor<1x1x6x6xf32>
// TO3-NEXT:    %[[GM:.+]] = cascade.max %[[QK]]
// TO3-NEXT:    %[[SN:.+]] = cascade.sub_exp %[[QK]], %[[GM]]
// TO3-NEXT:    %[[SD:.+]] = cascade.sum %[[SN]]
// TO3-NEXT:    %[[A:.+]] = cascade.normalize %[[SN]], %[[SD]]
// TO3-NEXT:    %[[O:.+]] = cascade.av %[[A]], %v
// TO3-NEXT:    func.return %[[O]]
func.func @two_pass(%q: tensor<1x1x6x4xf32>, %k: tensor<1x1x6x4xf32>, %v: tensor<1x1x6x4xf32>, %m: tensor<1x1x6x6xi1>) -> tensor<1x1x6x4xf32> {
  %s = cascade.qk %q, %k mask %m pattern #attn.union<[#attn.mask, #attn.causal]> {scale = 0.25 : f64} : (tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32>, tensor<1x1x6x6xi1>) -> tensor<1x1x6x6xf32>
  %gm = cascade.max %s : tensor<1x1x6x6xf32> -> tensor<1x1x6xf32>
  %sn = cascade.sub_exp %s, %gm : (tensor<1x1x6x6xf32>, tensor<1x1x6xf32>) -> tensor<1x1x6x6xf32>
  %sd = cascade.sum %sn : tensor<1x1x6x6xf32> -> tensor<1x1x6xf32>
  %snv = cascade.av %sn, %v : (tensor<1x1x6x6xf32>, tensor<1x1x6x4xf32>) -> tensor<1x1x6x4xf32>
  %o = cascade.div_rows %snv, %sd : (tensor<1x1x6x4xf32>, tensor<1x1x6xf32>) -> tensor<1x1x6x4xf32>
  func.return %o : tensor<1x1x6x4xf32>
}

// -----

// A 1-pass cascade with M0 = 4 (two chunks of the 8 keys).

// Already 1-pass: unchanged, whatever m0 the pass is given (M0 stays 4 with m0=64).
// ONE-LABEL: func.func @one_pass
// ONE-NEXT:    %bqk = cascade.qk %q, %k pattern #attn.causal {scale = 5.000000e-01 : f64} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x2x4xf32>
// ONE-NEXT:    %lm = cascade.max %bqk
// ONE-NEXT:    %rm = cascade.running_max %lm
// ONE-NEXT:    %sln = cascade.sub_exp %bqk, %rm
// ONE-NEXT:    %sld = cascade.sum %sln
// ONE-NEXT:    %slnv = cascade.av %sln, %v
// ONE-NEXT:    %prm = cascade.rescale %rm
// ONE-NEXT:    %rd = cascade.running_sum %sld, %prm
// ONE-NEXT:    %rnv = cascade.running_av %slnv, %prm
// ONE-NEXT:    %av = cascade.div_rows %rnv, %rd
// ONE-NEXT:    func.return %av
// BIG-LABEL: func.func @one_pass
// BIG-NEXT:    %bqk = cascade.qk %q, %k pattern #attn.causal {scale = 5.000000e-01 : f64} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x2x4xf32>

// TWO-LABEL: func.func @one_pass
// TWO-NEXT:    %[[QK:.+]] = cascade.qk %q, %k pattern #attn.causal {scale = 5.000000e-01 : f64} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x8xf32>
// TWO-NEXT:    %[[GM:.+]] = cascade.max %[[QK]] : tensor<1x1x8x8xf32> -> tensor<1x1x8xf32>
// TWO-NEXT:    %[[SN:.+]] = cascade.sub_exp %[[QK]], %[[GM]]
// TWO-NEXT:    %[[SD:.+]] = cascade.sum %[[SN]]
// TWO-NEXT:    %[[SNV:.+]] = cascade.av %[[SN]], %v
// TWO-NEXT:    %[[AV:.+]] = cascade.div_rows %[[SNV]], %[[SD]]
// TWO-NEXT:    func.return %[[AV]]
// TWO-NOT:     cascade.running

// 1 -> 3: the key rank is whole again.
// TO3-LABEL: func.func @one_pass
// TO3-NEXT:    %[[QK:.+]] = cascade.qk %q, %k pattern #attn.causal {scale = 5.000000e-01 : f64} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x8xf32>
// TO3-NEXT:    %[[GM:.+]] = cascade.max %[[QK]] : tensor<1x1x8x8xf32> -> tensor<1x1x8xf32>
// TO3-NEXT:    %[[SN:.+]] = cascade.sub_exp %[[QK]], %[[GM]] : (tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8x8xf32>
// TO3-NEXT:    %[[SD:.+]] = cascade.sum %[[SN]] : tensor<1x1x8x8xf32> -> tensor<1x1x8xf32>
// TO3-NEXT:    %[[A:.+]] = cascade.normalize %[[SN]], %[[SD]] : (tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8x8xf32>
// TO3-NEXT:    %[[AV:.+]] = cascade.av %[[A]], %v : (tensor<1x1x8x8xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
// TO3-NEXT:    func.return %[[AV]]
// TO3-NOT:     cascade.running
// 1 -> 3 -> 1 with the same M0: the 1-pass cascade, rebuilt.
// RT1-LABEL: func.func @one_pass
// RT1-NEXT:    %[[BQK:.+]] = cascade.qk %q, %k pattern #attn.causal {scale = 5.000000e-01 : f64} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x2x4xf32>
// RT1-NEXT:    %[[LM:.+]] = cascade.max %[[BQK]] : tensor<1x1x8x2x4xf32> -> tensor<1x1x8x2xf32>
// RT1-NEXT:    %[[RM:.+]] = cascade.running_max %[[LM]] : tensor<1x1x8x2xf32> -> tensor<1x1x8x2xf32>
// RT1-NEXT:    %[[SLN:.+]] = cascade.sub_exp %[[BQK]], %[[RM]]
// RT1-NEXT:    %[[SLD:.+]] = cascade.sum %[[SLN]]
// RT1-NEXT:    %[[SLNV:.+]] = cascade.av %[[SLN]], %v
// RT1-NEXT:    %[[PRM:.+]] = cascade.rescale %[[RM]]
// RT1-NEXT:    %[[RD:.+]] = cascade.running_sum %[[SLD]], %[[PRM]]
// RT1-NEXT:    %[[RNV:.+]] = cascade.running_av %[[SLNV]], %[[PRM]]
// RT1-NEXT:    %[[AV:.+]] = cascade.div_rows %[[RNV]], %[[RD]] : (tensor<1x1x8x4xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8x4xf32>
// RT1-NEXT:    func.return %[[AV]]
// RT1-NOT:     cascade.normalize
func.func @one_pass(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  %bqk = cascade.qk %q, %k pattern #attn.causal {scale = 0.5 : f64} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x2x4xf32>
  %lm = cascade.max %bqk : tensor<1x1x8x2x4xf32> -> tensor<1x1x8x2xf32>
  %rm = cascade.running_max %lm : tensor<1x1x8x2xf32> -> tensor<1x1x8x2xf32>
  %sln = cascade.sub_exp %bqk, %rm : (tensor<1x1x8x2x4xf32>, tensor<1x1x8x2xf32>) -> tensor<1x1x8x2x4xf32>
  %sld = cascade.sum %sln : tensor<1x1x8x2x4xf32> -> tensor<1x1x8x2xf32>
  %slnv = cascade.av %sln, %v : (tensor<1x1x8x2x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x2x4xf32>
  %prm = cascade.rescale %rm : tensor<1x1x8x2xf32> -> tensor<1x1x8x2xf32>
  %rd = cascade.running_sum %sld, %prm : (tensor<1x1x8x2xf32>, tensor<1x1x8x2xf32>) -> tensor<1x1x8xf32>
  %rnv = cascade.running_av %slnv, %prm : (tensor<1x1x8x2x4xf32>, tensor<1x1x8x2xf32>) -> tensor<1x1x8x4xf32>
  %av = cascade.div_rows %rnv, %rd : (tensor<1x1x8x4xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8x4xf32>
  func.return %av : tensor<1x1x8x4xf32>
}

// -----

// An intermediate of the cascade with another use (the row max is also
// returned) stays, with the ops it needs; the rest of the old cascade goes.
// TO1-LABEL: func.func @shared_max
// TO1-NEXT:    %s = cascade.qk %q, %k pattern #attn.dense {scale = 5.000000e-01 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
// TO1-NEXT:    %gm = cascade.max %s : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
// TO1-NEXT:    %[[BQK:.+]] = cascade.qk %q, %k pattern #attn.dense {scale = 5.000000e-01 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x1x4xf32>
// TO1:         %[[AV:.+]] = cascade.div_rows
// TO1-NEXT:    func.return %[[AV]], %gm
// TO1-NOT:     cascade.normalize
func.func @shared_max(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) {
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %gm = cascade.max %s : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %sn = cascade.sub_exp %s, %gm : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %sd = cascade.sum %sn : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %a = cascade.normalize %sn, %sd : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %av = cascade.av %a, %v : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  func.return %av, %gm : tensor<1x1x4x4xf32>, tensor<1x1x4xf32>
}

// -----

// Chains that end like a cascade but do not compute attention are not
// rewritten by any of the pipelines: dividing by the row max instead of the
// row sum, normalising by a sum of other scores, a sub_exp that does not
// subtract the row max of these scores.
// ALL-LABEL: func.func @not_attention
// ALL-NEXT:    %s = cascade.qk %q, %k pattern #attn.dense {scale = 5.000000e-01 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
// ALL-NEXT:    %gm = cascade.max %s
// ALL-NEXT:    %sn = cascade.sub_exp %s, %gm
// ALL-NEXT:    %snv = cascade.av %sn, %v
// ALL-NEXT:    %o1 = cascade.div_rows %snv, %gm
// ALL-NEXT:    %st = cascade.sum %t
// ALL-NEXT:    %a = cascade.normalize %sn, %st
// ALL-NEXT:    %o2 = cascade.av %a, %v
// ALL-NEXT:    %gt = cascade.max %t
// ALL-NEXT:    %sx = cascade.sub_exp %s, %gt
// ALL-NEXT:    %sxd = cascade.sum %sx
// ALL-NEXT:    %sxv = cascade.av %sx, %v
// ALL-NEXT:    %o3 = cascade.div_rows %sxv, %sxd
// ALL-NEXT:    func.return %o1, %o2, %o3
func.func @not_attention(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>, %t: tensor<1x1x4x4xf32>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) {
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %gm = cascade.max %s : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %sn = cascade.sub_exp %s, %gm : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %snv = cascade.av %sn, %v : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %o1 = cascade.div_rows %snv, %gm : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %st = cascade.sum %t : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %a = cascade.normalize %sn, %st : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %o2 = cascade.av %a, %v : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %gt = cascade.max %t : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %sx = cascade.sub_exp %s, %gt : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %sxd = cascade.sum %sx : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %sxv = cascade.av %sx, %v : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %o3 = cascade.div_rows %sxv, %sxd : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  func.return %o1, %o2, %o3 : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>
}
