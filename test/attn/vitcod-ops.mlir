// Round trip of ViTCoD's additions to the attn dialect: the fixed-mask
// pattern families, the polarisation part, the ops attn-polarize emits and
// the Q/K auto-encoder.
//
// RUN: python -c "import numpy as np; m = np.eye(4, dtype=bool); np.save('%t.npy', m); np.save('%t4d.npy', np.stack([np.stack([m, ~m])] * 3)); np.savez('%t.npz', l0=m, l1=~m)"
// RUN: python -c "from attn_ir.reference.vitcod_autoencoder import QKAutoEncoder; QKAutoEncoder(2, 1, encoder='blocks.0.attn.encoder_q', decoder='blocks.0.attn.decoder_q').save('%tae.npz')"
// RUN: sed 's|@T@|%t|g' %s > %t.mlir
// RUN: attn-opt %t.mlir | attn-opt | filecheck %s
// RUN: attn-opt %t.mlir --print-op-generic | attn-opt | filecheck %s
// RUN: attn-opt %t.mlir --print-op-generic | filecheck %s --check-prefix=GENERIC
// xDSL's own driver sees them through the xdsl.universe entry point:
// RUN: xdsl-opt %t.mlir | filecheck %s
// The printed text is a fixed point of print/parse:
// RUN: attn-opt %t.mlir | attn-opt > %t1 && attn-opt %t1 | attn-opt > %t2 && diff %t1 %t2

// Masks from files: an .npy of one [N, N] mask (every head), an .npz array
// by key, a layer of an [L, H, N, N] array, zero entries kept (kept = 0).
// Parameters equal to their default (key = "", layer = -1, kept = 1) are
// not printed.
// CHECK-LABEL: func.func @mask_files
// CHECK-NEXT:    %a = attn.attention %q, %k, %v pattern #attn.mask_file<path = "{{.*}}.npy"> :
// CHECK-NEXT:    %b = attn.attention %q, %k, %v pattern #attn.mask_file<path = "{{.*}}.npz", key = "l1"> :
// CHECK-NEXT:    %c = attn.attention %q, %k, %v pattern #attn.mask_file<path = "{{.*}}4d.npy", layer = 2, kept = 0> :
// CHECK-NEXT:    %d = attn.attention %q, %k, %v pattern #attn.union<[#attn.mask_file<path = "{{.*}}.npy">, #attn.causal]> :
// GENERIC-LABEL: sym_name = "mask_files"
// GENERIC:       "attn.attention"(%q, %k, %v) <{pattern = #attn.mask_file<path = "{{.*}}.npy">}>
func.func @mask_files(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) {
  %a = attn.attention %q, %k, %v pattern #attn.mask_file<path = "@T@.npy", key = "", layer = -1, kept = 1> : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %b = attn.attention %q, %k, %v pattern #attn.mask_file<path = "@T@.npz", key = "l1"> : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %c = attn.attention %q, %k, %v pattern #attn.mask_file<kept = 0, layer = 2, path = "@T@4d.npy"> : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  %d = attn.attention %q, %k, %v pattern #attn.union<[#attn.mask_file<path = "@T@.npy">, #attn.causal]> : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return %a, %b, %c, %d : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>
}

// Synthetic masks (one per head, seeded): only non-default parameters print.
// CHECK-LABEL: func.func @synthetic
// CHECK-NEXT:    attn.attention %q, %k, %v pattern #attn.synthetic_mask<heads = 2> :
// CHECK-NEXT:    attn.attention %q, %k, %v pattern #attn.synthetic_mask<heads = 2, layer = 7, seed = 3, kept_permille = 100> :
func.func @synthetic(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x8xf32>, %v: tensor<1x2x16x8xf32>) -> (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) {
  %a = attn.attention %q, %k, %v pattern #attn.synthetic_mask<heads = 2, layer = 0, seed = 0, kept_permille = 50> : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  %b = attn.attention %q, %k, %v pattern #attn.synthetic_mask<heads = 2, layer = 7, seed = 3, kept_permille = 100> : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x2x16x8xf32>
  func.return %a, %b : tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>
}

// The ops of a polarised attention, with an explicit scale and f64.
// CHECK-LABEL: func.func @polarised
// CHECK-NEXT:    %kp = attn.permute_keys %k by #attn.polar_part<source = #attn.synthetic_mask<heads = 2>, threshold = 5, part = "all"> {queries = 16 : i64} : tensor<1x2x16x8xf64> -> tensor<1x2x16x8xf64>
// CHECK-NEXT:    %vp = attn.permute_keys %v by #attn.polar_part<source = #attn.synthetic_mask<heads = 2>, threshold = 5, part = "all"> {queries = 16 : i64} : tensor<1x2x16x8xf64> -> tensor<1x2x16x8xf64>
// CHECK-NEXT:    %od, %ld = attn.partial_attention %q, %kp, %vp pattern #attn.polar_part<source = #attn.synthetic_mask<heads = 2>, threshold = 5, part = "dense"> {format = "dense", scale = 1.250000e-01 : f64} : (tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>) -> (tensor<1x2x16x8xf64>, tensor<1x2x16xf64>)
// CHECK-NEXT:    %os, %ls = attn.partial_attention %q, %kp, %vp pattern #attn.polar_part<source = #attn.synthetic_mask<heads = 2>, threshold = 5, part = "sparse"> {format = "coo"} : (tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>) -> (tensor<1x2x16x8xf64>, tensor<1x2x16xf64>)
// CHECK-NEXT:    %o, %l = attn.softmax_merge %od, %ld, %os, %ls : (tensor<1x2x16x8xf64>, tensor<1x2x16xf64>, tensor<1x2x16x8xf64>, tensor<1x2x16xf64>) -> (tensor<1x2x16x8xf64>, tensor<1x2x16xf64>)
// GENERIC-LABEL: sym_name = "polarised"
// GENERIC:       "attn.permute_keys"(%k) <{pattern = #attn.polar_part<source = #attn.synthetic_mask<heads = 2>, threshold = 5, part = "all">, queries = 16 : i64}>
// GENERIC:       "attn.partial_attention"(%q, %kp, %vp) <{pattern = #attn.polar_part<source = #attn.synthetic_mask<heads = 2>, threshold = 5, part = "dense">, format = "dense", scale = 1.250000e-01 : f64}>
// GENERIC:       "attn.softmax_merge"(%od, %ld, %os, %ls)
func.func @polarised(%q: tensor<1x2x16x8xf64>, %k: tensor<1x2x16x8xf64>, %v: tensor<1x2x16x8xf64>) -> tensor<1x2x16x8xf64> {
  %kp = attn.permute_keys %k by #attn.polar_part<source = #attn.synthetic_mask<heads = 2>, threshold = 5, part = "all"> {queries = 16 : i64} : tensor<1x2x16x8xf64> -> tensor<1x2x16x8xf64>
  %vp = attn.permute_keys %v by #attn.polar_part<source = #attn.synthetic_mask<heads = 2>, threshold = 5, part = "all"> {queries = 16 : i64} : tensor<1x2x16x8xf64> -> tensor<1x2x16x8xf64>
  %od, %ld = attn.partial_attention %q, %kp, %vp pattern #attn.polar_part<source = #attn.synthetic_mask<heads = 2>, threshold = 5, part = "dense"> {format = "dense", scale = 0.125 : f64} : (tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>) -> (tensor<1x2x16x8xf64>, tensor<1x2x16xf64>)
  %os, %ls = attn.partial_attention %q, %kp, %vp pattern #attn.polar_part<source = #attn.synthetic_mask<heads = 2>, threshold = 5, part = "sparse"> {format = "coo"} : (tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>, tensor<1x2x16x8xf64>) -> (tensor<1x2x16x8xf64>, tensor<1x2x16xf64>)
  %o, %l = attn.softmax_merge %od, %ld, %os, %ls : (tensor<1x2x16x8xf64>, tensor<1x2x16xf64>, tensor<1x2x16x8xf64>, tensor<1x2x16xf64>) -> (tensor<1x2x16x8xf64>, tensor<1x2x16xf64>)
  func.return %o : tensor<1x2x16x8xf64>
}

// A partial attention takes any static pattern.
// CHECK-LABEL: func.func @partial_window
// CHECK-NEXT:    attn.partial_attention %q, %k, %v pattern #attn.window<left = 1, right = 1> {format = "dense"}
func.func @partial_window(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  %o, %l = attn.partial_attention %q, %k, %v pattern #attn.window<left = 1, right = 1> {format = "dense"} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> (tensor<1x1x8x4xf32>, tensor<1x1x8xf32>)
  func.return %o : tensor<1x1x8x4xf32>
}

// The auto-encoder: seeded weights (seed = 0 is not printed) or an .npz
// with PyTorch's names (encoder and decoder name the two layers).
// CHECK-LABEL: func.func @autoencoder
// CHECK-NEXT:    %qc = attn.qk_encode %q with #attn.autoencoder<heads = 3, hidden = 2> : tensor<1x3x4x8xf32> -> tensor<1x2x4x8xf32>
// CHECK-NEXT:    %qd = attn.qk_decode %qc with #attn.autoencoder<heads = 3, hidden = 2, seed = 5> : tensor<1x2x4x8xf32> -> tensor<1x3x4x8xf32>
// CHECK-NEXT:    %kc = attn.qk_encode %k with #attn.autoencoder<heads = 2, hidden = 1, path = "{{.*}}ae.npz", encoder = "blocks.0.attn.encoder_q", decoder = "blocks.0.attn.decoder_q"> : tensor<1x2x4x8xf32> -> tensor<1x1x4x8xf32>
// GENERIC-LABEL: sym_name = "autoencoder"
// GENERIC:       "attn.qk_encode"(%q) <{autoencoder = #attn.autoencoder<heads = 3, hidden = 2>}>
func.func @autoencoder(%q: tensor<1x3x4x8xf32>, %k: tensor<1x2x4x8xf32>) -> (tensor<1x3x4x8xf32>, tensor<1x1x4x8xf32>) {
  %qc = attn.qk_encode %q with #attn.autoencoder<heads = 3, hidden = 2, seed = 0> : tensor<1x3x4x8xf32> -> tensor<1x2x4x8xf32>
  %qd = attn.qk_decode %qc with #attn.autoencoder<hidden = 2, heads = 3, seed = 5> : tensor<1x2x4x8xf32> -> tensor<1x3x4x8xf32>
  %kc = attn.qk_encode %k with #attn.autoencoder<heads = 2, hidden = 1, path = "@T@ae.npz", encoder = "blocks.0.attn.encoder_q", decoder = "blocks.0.attn.decoder_q"> : tensor<1x2x4x8xf32> -> tensor<1x1x4x8xf32>
  func.return %qd, %kc : tensor<1x3x4x8xf32>, tensor<1x1x4x8xf32>
}
