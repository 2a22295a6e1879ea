// attn-pass-count: how many passes over the key rank each cascade makes
// (FuseMax's rule).  Every cascade op gets `pass = N`, the last op of each
// cascade `passes = N`; with remarks=true a remark is emitted there.  A
// remark is located at the closest op parsed from the input: the op itself
// when the input is already a cascade, the enclosing func.func when the
// cascade was made by attn-decompose.
//
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-pass-count' | filecheck %s
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-pass-count{remarks=true}' --verify-diagnostics
// Without remarks=true the pass emits none:
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-pass-count' 2>&1 | filecheck %s --check-prefix=QUIET
// QUIET-NOT: remark
// Every cascade (and attention) fused to 2 or 1 passes counts as such, and
// no other count is left anywhere:
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=2},attn-pass-count' | filecheck %s --check-prefix=FUSED2
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1 m0=2},attn-pass-count' | filecheck %s --check-prefix=FUSED1
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=2},attn-pass-count' | filecheck %s --check-prefix=ONLY2
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1 m0=2},attn-pass-count' | filecheck %s --check-prefix=ONLY1
// ONLY2-NOT: passes = 1 :
// ONLY2-NOT: passes = 3 :
// ONLY1-NOT: passes = 2 :
// ONLY1-NOT: passes = 3 :

// The 3-pass cascade: the row max ends pass 1, the row sum pass 2, the
// normalised scores are consumed by AV in pass 3.
// CHECK-LABEL: func.func @three_pass
// CHECK-NEXT:    %s = cascade.qk %q, %k pattern #attn.causal {pass = 1 : i64, scale = 5.000000e-01 : f64}
// CHECK-NEXT:    %gm = cascade.max %s {pass = 1 : i64}
// CHECK-NEXT:    %sn = cascade.sub_exp %s, %gm {pass = 2 : i64}
// CHECK-NEXT:    %sd = cascade.sum %sn {pass = 2 : i64}
// CHECK-NEXT:    %a = cascade.normalize %sn, %sd {pass = 3 : i64}
// CHECK-NEXT:    %av = cascade.av %a, %v {pass = 3 : i64, passes = 3 : i64}
// CHECK-NEXT:    func.return %av
// FUSED2-LABEL: func.func @three_pass
// FUSED2:         cascade.div_rows {{.*}} {pass = 2 : i64, passes = 2 : i64}
// FUSED1-LABEL: func.func @three_pass
// FUSED1:         cascade.div_rows {{.*}} {pass = 1 : i64, passes = 1 : i64}
func.func @three_pass(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %s = cascade.qk %q, %k pattern #attn.causal {scale = 0.5 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %gm = cascade.max %s : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %sn = cascade.sub_exp %s, %gm : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %sd = cascade.sum %sn : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %a = cascade.normalize %sn, %sd : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  // expected-remark @+1 {{attention cascade makes 3 passes over the keys}}
  %av = cascade.av %a, %v : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  func.return %av : tensor<1x1x4x4xf32>
}

// -----

// The 2-pass cascade: AV runs in pass 2 with the sum; div_rows iterates no
// key rank, so it adds no pass.
// CHECK-LABEL: func.func @two_pass
// CHECK-NEXT:    %s = cascade.qk %q, %k pattern #attn.causal {pass = 1 : i64, scale = 5.000000e-01 : f64}
// CHECK-NEXT:    %gm = cascade.max %s {pass = 1 : i64}
// CHECK-NEXT:    %sn = cascade.sub_exp %s, %gm {pass = 2 : i64}
// CHECK-NEXT:    %sd = cascade.sum %sn {pass = 2 : i64}
// CHECK-NEXT:    %snv = cascade.av %sn, %v {pass = 2 : i64}
// CHECK-NEXT:    %o = cascade.div_rows %snv, %sd {pass = 2 : i64, passes = 2 : i64}
// CHECK-NEXT:    func.return %o
// FUSED2-LABEL: func.func @two_pass
// FUSED2:         passes = 2 : i64
// FUSED1-LABEL: func.func @two_pass
// FUSED1:         passes = 1 : i64
func.func @two_pass(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %s = cascade.qk %q, %k pattern #attn.causal {scale = 0.5 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %gm = cascade.max %s : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %sn = cascade.sub_exp %s, %gm : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %sd = cascade.sum %sn : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %snv = cascade.av %sn, %v : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  // expected-remark @+1 {{attention cascade makes 2 passes over the keys}}
  %o = cascade.div_rows %snv, %sd : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  func.return %o : tensor<1x1x4x4xf32>
}

// -----

// The 1-pass cascade: local reductions over m0 and running state over m1
// never reduce the whole key rank.  The remark says "pass", not "passes".
// CHECK-LABEL: func.func @one_pass
// CHECK-NEXT:    %bqk = cascade.qk %q, %k pattern #attn.causal {pass = 1 : i64, scale = 5.000000e-01 : f64}
// CHECK-NEXT:    %lm = cascade.max %bqk {pass = 1 : i64}
// CHECK-NEXT:    %rm = cascade.running_max %lm {pass = 1 : i64}
// CHECK-NEXT:    %sln = cascade.sub_exp %bqk, %rm {pass = 1 : i64}
// CHECK-NEXT:    %sld = cascade.sum %sln {pass = 1 : i64}
// CHECK-NEXT:    %slnv = cascade.av %sln, %v {pass = 1 : i64}
// CHECK-NEXT:    %prm = cascade.rescale %rm {pass = 1 : i64}
// CHECK-NEXT:    %rd = cascade.running_sum %sld, %prm {pass = 1 : i64}
// CHECK-NEXT:    %rnv = cascade.running_av %slnv, %prm {pass = 1 : i64}
// CHECK-NEXT:    %av = cascade.div_rows %rnv, %rd {pass = 1 : i64, passes = 1 : i64}
// CHECK-NEXT:    func.return %av
// FUSED2-LABEL: func.func @one_pass
// FUSED2:         passes = 2 : i64
// FUSED1-LABEL: func.func @one_pass
// FUSED1:         passes = 1 : i64
func.func @one_pass(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %bqk = cascade.qk %q, %k pattern #attn.causal {scale = 0.5 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x2x2xf32>
  %lm = cascade.max %bqk : tensor<1x1x4x2x2xf32> -> tensor<1x1x4x2xf32>
  %rm = cascade.running_max %lm : tensor<1x1x4x2xf32> -> tensor<1x1x4x2xf32>
  %sln = cascade.sub_exp %bqk, %rm : (tensor<1x1x4x2x2xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x4x2x2xf32>
  %sld = cascade.sum %sln : tensor<1x1x4x2x2xf32> -> tensor<1x1x4x2xf32>
  %slnv = cascade.av %sln, %v : (tensor<1x1x4x2x2xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x2x4xf32>
  %prm = cascade.rescale %rm : tensor<1x1x4x2xf32> -> tensor<1x1x4x2xf32>
  %rd = cascade.running_sum %sld, %prm : (tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x4xf32>
  %rnv = cascade.running_av %slnv, %prm : (tensor<1x1x4x2x4xf32>, tensor<1x1x4x2xf32>) -> tensor<1x1x4x4xf32>
  // expected-remark @+1 {{attention cascade makes 1 pass over the keys}}
  %av = cascade.div_rows %rnv, %rd : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  func.return %av : tensor<1x1x4x4xf32>
}

// -----

// attn.attention decomposed by attn-decompose: the ops are new, so the
// remark points at the func.func that holds them.
// CHECK-LABEL: func.func @attention
// CHECK-NEXT:    cascade.qk {{.*}} {pass = 1 : i64, scale = 5.000000e-01 : f64}
// CHECK-NEXT:    cascade.max {{.*}} {pass = 1 : i64}
// CHECK-NEXT:    cascade.sub_exp {{.*}} {pass = 2 : i64}
// CHECK-NEXT:    cascade.sum {{.*}} {pass = 2 : i64}
// CHECK-NEXT:    cascade.normalize {{.*}} {pass = 3 : i64}
// CHECK-NEXT:    cascade.av {{.*}} {pass = 3 : i64, passes = 3 : i64}
// CHECK-NEXT:    func.return
// FUSED2-LABEL: func.func @attention
// FUSED2:         passes = 2 : i64
// FUSED1-LABEL: func.func @attention
// FUSED1:         passes = 1 : i64
// expected-remark @+1 {{attention cascade makes 3 passes over the keys}}
func.func @attention(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 1, right = 1> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// -----

// Two stacked attention layers: the output of the first is the query of the
// second.  They are two cascades of 3 passes each (not one of 6): q, k and
// mask of cascade.qk and v of cascade.av are the inputs of a cascade.
// CHECK-LABEL: func.func @stacked
// CHECK-NEXT:    %[[QK1:.+]] = cascade.qk %q, %k {{.*}} {pass = 1 : i64, scale = 5.000000e-01 : f64}
// CHECK-NEXT:    cascade.max %[[QK1]] {pass = 1 : i64}
// CHECK-NEXT:    cascade.sub_exp {{.*}} {pass = 2 : i64}
// CHECK-NEXT:    cascade.sum {{.*}} {pass = 2 : i64}
// CHECK-NEXT:    cascade.normalize {{.*}} {pass = 3 : i64}
// CHECK-NEXT:    %[[A:.+]] = cascade.av {{.*}} {pass = 3 : i64, passes = 3 : i64}
// CHECK-NEXT:    %[[QK2:.+]] = cascade.qk %[[A]], %k {{.*}} {pass = 1 : i64, scale = 5.000000e-01 : f64}
// CHECK-NEXT:    cascade.max %[[QK2]] {pass = 1 : i64}
// CHECK-NEXT:    cascade.sub_exp {{.*}} {pass = 2 : i64}
// CHECK-NEXT:    cascade.sum {{.*}} {pass = 2 : i64}
// CHECK-NEXT:    cascade.normalize {{.*}} {pass = 3 : i64}
// CHECK-NEXT:    %[[B:.+]] = cascade.av {{.*}}, %[[A]] {pass = 3 : i64, passes = 3 : i64}
// CHECK-NEXT:    func.return %[[B]]
// FUSED2-LABEL: func.func @stacked
// FUSED2-COUNT-2:   passes = 2 : i64
// FUSED1-LABEL: func.func @stacked
// FUSED1-COUNT-2:   passes = 1 : i64
// expected-remark @+2 {{attention cascade makes 3 passes over the keys}}
// expected-remark @+1 {{attention cascade makes 3 passes over the keys}}
func.func @stacked(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %a = attn.attention %q, %k, %k pattern #attn.causal : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %b = attn.attention %a, %k, %a pattern #attn.dense : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  func.return %b : tensor<1x1x4x4xf32>
}

// -----

// Two independent cascades in one function, in different forms: each gets
// its own count and remark.
// CHECK-LABEL: func.func @two_forms
// CHECK:         %o1 = cascade.div_rows %snv, %sd {pass = 2 : i64, passes = 2 : i64}
// CHECK:         %o2 = cascade.av %a, %v {pass = 3 : i64, passes = 3 : i64}
// FUSED2-LABEL: func.func @two_forms
// FUSED2-COUNT-2:   passes = 2 : i64
// FUSED1-LABEL: func.func @two_forms
// FUSED1-COUNT-2:   passes = 1 : i64
func.func @two_forms(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) {
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %gm = cascade.max %s : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %sn = cascade.sub_exp %s, %gm : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %sd = cascade.sum %sn : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %snv = cascade.av %sn, %v : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  // expected-remark @+1 {{attention cascade makes 2 passes over the keys}}
  %o1 = cascade.div_rows %snv, %sd : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %t = cascade.qk %q, %k pattern #attn.causal {scale = 0.5 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  %tm = cascade.max %t : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %tn = cascade.sub_exp %t, %tm : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %td = cascade.sum %tn : tensor<1x1x4x4xf32> -> tensor<1x1x4xf32>
  %a = cascade.normalize %tn, %td : (tensor<1x1x4x4xf32>, tensor<1x1x4xf32>) -> tensor<1x1x4x4xf32>
  // expected-remark @+1 {{attention cascade makes 3 passes over the keys}}
  %o2 = cascade.av %a, %v : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  func.return %o1, %o2 : tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>
}

// -----

// No cascade: nothing to annotate, no remark.
// CHECK-LABEL: func.func @no_cascade
// CHECK-NEXT:    func.return %q : tensor<1x1x4x4xf32>
// CHECK-NOT:     pass
func.func @no_cascade(%q: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  func.return %q : tensor<1x1x4x4xf32>
}
