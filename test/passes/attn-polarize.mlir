// attn-polarize{threshold=T}: an attention with a fixed mask -> ViTCoD's
// dense and sparse parts.  Per head, the keys kept by more than T queries
// (their column's in-degree) move to the front of the key order
// (attn.permute_keys of K and V); a dense attn.partial_attention computes
// every query against them, a COO one the remaining pairs, and
// attn.softmax_merge merges the two (online softmax).  Patterns that read
// the mask operand are left alone.
//
// The 6-token mask written below (rows: queries, columns: keys), kept pairs:
//   column 0: every query (in-degree 6); column 3: queries 0-3 (4);
//   the diagonal; so columns 1, 2, 4, 5 have in-degree 1.
// With T = 3 the dense columns are tokens 0 and 3 (order 0, 3, 1, 2, 4, 5)
// and the sparse part holds (1,1), (2,2), (4,4), (5,5): 4 pairs.  With
// T = 4 only token 0 is dense and the sparse part gains column 3's four
// pairs: 8 pairs.  The mask is one for every head.
//
// RUN: python -c "import numpy as np; m = np.zeros((6, 6), bool); m[:, 0] = True; m[:4, 3] = True; m[range(6), range(6)] = True; np.save('%t.npy', m)"
// RUN: sed 's|@MASK@|%t.npy|g' %s > %t.mlir
// RUN: attn-opt %t.mlir --split-input-file -p 'attn-polarize{threshold=3}' | filecheck %s
// RUN: attn-opt %t.mlir --split-input-file -p 'attn-polarize{threshold=3 remarks=true}' --verify-diagnostics
// RUN: attn-opt %t.mlir --split-input-file -p 'attn-polarize{threshold=4 remarks=true}' 2>&1 | filecheck %s --check-prefix=T4
// T4: remark: polarised at in-degree > 4: every head: 1 dense columns [0], 8 sparse pairs
// The output verifies and a second run changes nothing:
// RUN: attn-opt %t.mlir --split-input-file -p 'attn-polarize{threshold=3}' > %t1 && attn-opt %t1 --split-input-file -p 'attn-polarize{threshold=3}' > %t2 && diff %t1 %t2
// A negative threshold is a pipeline error:
// RUN: not attn-opt %t.mlir -p 'attn-polarize{threshold=-1}' 2>&1 | filecheck %s --check-prefix=BAD
// BAD: attn-opt: error: invalid pass pipeline 'attn-polarize{threshold=-1}': attn-polarize: threshold must be non-negative, got -1

// CHECK-LABEL: func.func @one_mask
// CHECK-NEXT:    %k_polarized = attn.permute_keys %k by #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "all"> {queries = 6 : i64} : tensor<1x2x6x4xf32> -> tensor<1x2x6x4xf32>
// CHECK-NEXT:    %v_polarized = attn.permute_keys %v by #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "all"> {queries = 6 : i64} : tensor<1x2x6x8xf32> -> tensor<1x2x6x8xf32>
// CHECK-NEXT:    %o_dense, %o_dense_lse = attn.partial_attention %q, %k_polarized, %v_polarized pattern #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "dense"> {format = "dense", scale = 2.500000e-01 : f64} : (tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x8xf32>) -> (tensor<1x2x6x8xf32>, tensor<1x2x6xf32>)
// CHECK-NEXT:    %o_sparse, %o_sparse_lse = attn.partial_attention %q, %k_polarized, %v_polarized pattern #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "sparse"> {format = "coo", scale = 2.500000e-01 : f64} : (tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x8xf32>) -> (tensor<1x2x6x8xf32>, tensor<1x2x6xf32>)
// CHECK-NEXT:    %o, %o_lse = attn.softmax_merge %o_dense, %o_dense_lse, %o_sparse, %o_sparse_lse : (tensor<1x2x6x8xf32>, tensor<1x2x6xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6xf32>) -> (tensor<1x2x6x8xf32>, tensor<1x2x6xf32>)
// CHECK-NEXT:    func.return %o : tensor<1x2x6x8xf32>
// CHECK-NOT:     attn.attention
func.func @one_mask(%q: tensor<1x2x6x4xf32>, %k: tensor<1x2x6x4xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x2x6x8xf32> {
  // expected-remark @+1 {{polarised at in-degree > 3: every head: 2 dense columns [0, 3], 4 sparse pairs}}
  %o = attn.attention %q, %k, %v pattern #attn.mask_file<path = "@MASK@"> {scale = 0.25 : f64} : (tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x8xf32>) -> tensor<1x2x6x8xf32>
  func.return %o : tensor<1x2x6x8xf32>
}

// Heads with masks of their own (the synthetic generator, DeiT-Tiny's
// first layer: 197 tokens, 95 % sparse, seed 0) get their own order; the
// IR names the polarisation, it does not list it.  The scale is left to
// its default (1/sqrt(D)) on both parts.  The input is in the SYN-IR lines
// at the end, polarised at ViTCoD's threshold of 50:
// RUN: sed -n 's|^// SYN-IR: ||p' %s | attn-opt -p 'attn-polarize{threshold=50 remarks=true}' 2>&1 | filecheck %s --check-prefix=SYN
// SYN: remark: polarised at in-degree > 50: head 0: 2 dense columns [0, 61], 1686 sparse pairs; head 1: 1 dense columns [0], 1743 sparse pairs; head 2: 2 dense columns [0, 116], 1649 sparse pairs
// SYN:         attn.partial_attention %q, %k_polarized, %v_polarized pattern #attn.polar_part<source = #attn.synthetic_mask<heads = 3>, threshold = 50, part = "dense"> {format = "dense"}
// SYN:         attn.partial_attention %q, %k_polarized, %v_polarized pattern #attn.polar_part<source = #attn.synthetic_mask<heads = 3>, threshold = 50, part = "sparse"> {format = "coo"}

// -----

// A mask operand is run-time data: the attention is left as it is.
// CHECK-LABEL: func.func @mask_operand
// CHECK-NEXT:    attn.attention %q, %k, %v mask %m pattern #attn.mask
func.func @mask_operand(%q: tensor<1x1x6x4xf32>, %k: tensor<1x1x6x4xf32>, %v: tensor<1x1x6x4xf32>, %m: tensor<1x1x6x6xi1>) -> tensor<1x1x6x4xf32> {
  %o = attn.attention %q, %k, %v mask %m pattern #attn.mask : (tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32>, tensor<1x1x6x6xi1>) -> tensor<1x1x6x4xf32>
  func.return %o : tensor<1x1x6x4xf32>
}

// SYN-IR: func.func @synthetic(%q: tensor<1x3x197x64xf32>, %k: tensor<1x3x197x64xf32>, %v: tensor<1x3x197x64xf32>) -> tensor<1x3x197x64xf32> {
// SYN-IR:   %o = attn.attention %q, %k, %v pattern #attn.synthetic_mask<heads = 3> : (tensor<1x3x197x64xf32>, tensor<1x3x197x64xf32>, tensor<1x3x197x64xf32>) -> tensor<1x3x197x64xf32>
// SYN-IR:   func.return %o : tensor<1x3x197x64xf32>
// SYN-IR: }
