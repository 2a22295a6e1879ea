// convert-polarized-to-accel{target=vitcod}: a polarised attention
// (attn-polarize's permute_keys, dense and sparse partial_attention,
// softmax_merge) -> one accel.kernel on ViTCoD's engines.  Lanes hold every
// head (lane_heads = H), one lane per batch element; the steps stream the
// tokens, one per step (#accel.blocks<q = N, k = 1>: one query tile, N
// key tiles of one token).  A qk_decode feeding Q or K is fused: the kernel
// reads the encoded tensor, loads the decoder's weights and decodes each
// token on the CODEC unit.  The epilogue runs the denser engine (PE2D) and
// the sparser one (PE2D_SPARSE) side by side, each part's softmax, the
// merge (into the dense part's output buffer) and the store.  Data buffers
// hold 8-bit values, the row statistics f32.
//
// The mask is the one of attn-polarize.mlir (6 tokens; threshold 3: dense
// columns 0 and 3, 4 sparse pairs), shared by the 2 heads:
//   index buffer [H, G + 2 Z] = [2, 2 + 2 * 4] = 2x10 (G: dense columns,
//   Z: sparse pairs, per head at most); dense scores [2, 6, 2], sparse [2, 4].
//   Engine rows (64 in all) in proportion to the work: dense 2 heads x 6
//   queries x 2 columns = 24, sparse 2 x 4 = 8, so int(64 * 24 / 32) = 48
//   rows for the denser engine and 16 for the sparser.
//
// RUN: python -c "import numpy as np; m = np.zeros((6, 6), bool); m[:, 0] = True; m[:4, 3] = True; m[range(6), range(6)] = True; np.save('%t.npy', m)"
// RUN: sed 's|@MASK@|%t.npy|g' %s > %t.mlir
// RUN: attn-opt %t.mlir --split-input-file --verify-diagnostics -p 'convert-polarized-to-accel{target=vitcod}' | filecheck %s
// The output parses back, and converting it again changes nothing:
// RUN: sed '/^\/\/ END-OF-COMMON-CHUNKS/,$d' %t.mlir | attn-opt --split-input-file -p 'convert-polarized-to-accel{target=vitcod}' > %t1 && attn-opt %t1 --split-input-file -p 'convert-polarized-to-accel{target=vitcod}' > %t2 && diff %t1 %t2
// A bad target name is a pipeline error:
// RUN: not attn-opt %t.mlir -p 'convert-polarized-to-accel{target=tpu}' 2>&1 | filecheck %s --check-prefix=NAME
// NAME: attn-opt: error: invalid pass pipeline 'convert-polarized-to-accel{target=tpu}': convert-polarized-to-accel: unknown target 'tpu'; known:

// CHECK-LABEL: func.func @with_decoder
// CHECK-NEXT:    %qc = attn.qk_encode %q with #attn.autoencoder<heads = 2, hidden = 1> : tensor<1x2x6x4xf32> -> tensor<1x1x6x4xf32>
// CHECK-NEXT:    %o = accel.kernel %qc, %k, %v target #accel.target<"vitcod"> iteration #accel.blocks<q = 6, k = 1, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 6>, full = array<i8: 1>>]> pattern #attn.mask_file<path = "{{.*}}.npy"> {scale = 5.000000e-01 : f64, schedule = "vitcod", lane_heads = 2 : i64} : (tensor<1x1x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
// CHECK-NEXT:    ^bb0(%q_dram: memref<1x1x6x4xf32>, %k_dram: memref<1x2x6x4xf32>, %v_dram: memref<1x2x6x4xf32>, %o_dram: memref<1x2x6x4xf32>):
// CHECK-NEXT:      %q_decoder = memref.alloc() : memref<2x2xi8>
// CHECK-NEXT:      accel.load_codec %q_decoder {autoencoder = #attn.autoencoder<heads = 2, hidden = 1>, bits = 8 : i64, unit = "DMA"} : memref<2x2xi8>
// CHECK-NEXT:      %index = memref.alloc() : memref<2x10xi8>
// CHECK-NEXT:      accel.load_coo %index {pattern = #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "sparse">, bits = 8 : i64, unit = "DMA"} : memref<2x10xi8>
// CHECK-NEXT:      %q_rows = memref.alloc() : memref<2x6x4xi8>
// CHECK-NEXT:      %k_rows = memref.alloc() : memref<2x6x4xi8>
// CHECK-NEXT:      %v_rows = memref.alloc() : memref<2x6x4xi8>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        %q_encoded = memref.alloc() : memref<1x1x4xi8>
// CHECK-NEXT:        accel.load_tokens %q_dram, %q_encoded {tile = "q", bits = 8 : i64, sliced = true, unit = "DMA"} : memref<1x1x6x4xf32>, memref<1x1x4xi8>
// CHECK-NEXT:        accel.qk_decode %q_encoded, %q_decoder, %q_rows {sliced = true, unit = "CODEC"} : memref<1x1x4xi8>, memref<2x2xi8>, memref<2x6x4xi8>
// CHECK-NEXT:        accel.load_tokens %k_dram, %k_rows {tile = "k", bits = 8 : i64, sliced = true, unit = "DMA"} : memref<1x2x6x4xf32>, memref<2x6x4xi8>
// CHECK-NEXT:        accel.load_tokens %v_dram, %v_rows {tile = "v", bits = 8 : i64, sliced = true, unit = "DMA"} : memref<1x2x6x4xf32>, memref<2x6x4xi8>
// CHECK-NEXT:      }
// CHECK-NEXT:      %dense_scores = memref.alloc() : memref<2x6x2xi8>
// CHECK-NEXT:      %sparse_scores = memref.alloc() : memref<2x4xi8>
// CHECK-NEXT:      %dense_max = memref.alloc() : memref<2x6xf32>
// CHECK-NEXT:      %dense_sum = memref.alloc() : memref<2x6xf32>
// CHECK-NEXT:      %sparse_max = memref.alloc() : memref<2x6xf32>
// CHECK-NEXT:      %sparse_sum = memref.alloc() : memref<2x6xf32>
// CHECK-NEXT:      %dense_out = memref.alloc() : memref<2x6x4xi8>
// CHECK-NEXT:      %sparse_out = memref.alloc() : memref<2x6x4xi8>
// CHECK-NEXT:      accel.dense_sddmm %q_rows, %k_rows, %index, %dense_scores {pattern = #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "dense">, engine_rows = 48 : i64, scale = 5.000000e-01 : f64, unit = "PE2D"} : memref<2x6x4xi8>, memref<2x6x4xi8>, memref<2x10xi8>, memref<2x6x2xi8>
// CHECK-NEXT:      accel.coo_sddmm %q_rows, %k_rows, %index, %sparse_scores {pattern = #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "sparse">, engine_rows = 16 : i64, scale = 5.000000e-01 : f64, unit = "PE2D_SPARSE"} : memref<2x6x4xi8>, memref<2x6x4xi8>, memref<2x10xi8>, memref<2x4xi8>
// CHECK-NEXT:      accel.row_softmax %dense_scores, %index, %dense_max, %dense_sum {pattern = #attn.polar_part<{{.*}}part = "dense">, unit = "VEC1D"} : memref<2x6x2xi8>, memref<2x10xi8>, memref<2x6xf32>, memref<2x6xf32>
// CHECK-NEXT:      accel.row_softmax %sparse_scores, %index, %sparse_max, %sparse_sum {pattern = #attn.polar_part<{{.*}}part = "sparse">, unit = "VEC1D"} : memref<2x4xi8>, memref<2x10xi8>, memref<2x6xf32>, memref<2x6xf32>
// CHECK-NEXT:      accel.dense_spmm %dense_scores, %v_rows, %index, %dense_out {pattern = #attn.polar_part<{{.*}}part = "dense">, engine_rows = 48 : i64, unit = "PE2D"} : memref<2x6x2xi8>, memref<2x6x4xi8>, memref<2x10xi8>, memref<2x6x4xi8>
// CHECK-NEXT:      accel.coo_spmm %sparse_scores, %v_rows, %index, %sparse_out {pattern = #attn.polar_part<{{.*}}part = "sparse">, engine_rows = 16 : i64, unit = "PE2D_SPARSE"} : memref<2x4xi8>, memref<2x6x4xi8>, memref<2x10xi8>, memref<2x6x4xi8>
// CHECK-NEXT:      accel.softmax_merge %dense_out, %dense_max, %dense_sum, %sparse_out, %sparse_max, %sparse_sum, %dense_out {unit = "VEC1D"} : memref<2x6x4xi8>, memref<2x6xf32>, memref<2x6xf32>, memref<2x6x4xi8>, memref<2x6xf32>, memref<2x6xf32>, memref<2x6x4xi8>
// CHECK-NEXT:      accel.store_tokens %dense_out, %o_dram {bits = 8 : i64, unit = "DMA_OUT"} : memref<2x6x4xi8>, memref<1x2x6x4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o : tensor<1x2x6x4xf32>
// CHECK-NOT:     attn.
func.func @with_decoder(%q: tensor<1x2x6x4xf32>, %k: tensor<1x2x6x4xf32>, %v: tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
  %qc = attn.qk_encode %q with #attn.autoencoder<heads = 2, hidden = 1> : tensor<1x2x6x4xf32> -> tensor<1x1x6x4xf32>
  %qd = attn.qk_decode %qc with #attn.autoencoder<heads = 2, hidden = 1> : tensor<1x1x6x4xf32> -> tensor<1x2x6x4xf32>
  %k_polarized = attn.permute_keys %k by #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "all"> {queries = 6 : i64} : tensor<1x2x6x4xf32> -> tensor<1x2x6x4xf32>
  %v_polarized = attn.permute_keys %v by #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "all"> {queries = 6 : i64} : tensor<1x2x6x4xf32> -> tensor<1x2x6x4xf32>
  %o_dense, %o_dense_lse = attn.partial_attention %qd, %k_polarized, %v_polarized pattern #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "dense"> {format = "dense"} : (tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>) -> (tensor<1x2x6x4xf32>, tensor<1x2x6xf32>)
  %o_sparse, %o_sparse_lse = attn.partial_attention %qd, %k_polarized, %v_polarized pattern #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "sparse"> {format = "coo"} : (tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>) -> (tensor<1x2x6x4xf32>, tensor<1x2x6xf32>)
  %o, %o_lse = attn.softmax_merge %o_dense, %o_dense_lse, %o_sparse, %o_sparse_lse : (tensor<1x2x6x4xf32>, tensor<1x2x6xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6xf32>) -> (tensor<1x2x6x4xf32>, tensor<1x2x6xf32>)
  func.return %o : tensor<1x2x6x4xf32>
}

// -----

// Without the auto-encoder Q and K stream into their buffers directly; the
// parts may come in either order; a batch of 2 gives two lanes (the IR is
// that of one lane).
// CHECK-LABEL: func.func @plain
// CHECK:           accel.step {
// CHECK-NEXT:        accel.load_tokens %q_dram, %q_rows {tile = "q", bits = 8 : i64, sliced = true, unit = "DMA"} : memref<2x2x6x4xf32>, memref<2x6x4xi8>
// CHECK-NEXT:        accel.load_tokens %k_dram, %k_rows {tile = "k", bits = 8 : i64, sliced = true, unit = "DMA"} : memref<2x2x6x4xf32>, memref<2x6x4xi8>
// CHECK-NEXT:        accel.load_tokens %v_dram, %v_rows {tile = "v", bits = 8 : i64, sliced = true, unit = "DMA"} : memref<2x2x6x4xf32>, memref<2x6x4xi8>
// CHECK-NEXT:      }
// CHECK-NOT:       accel.load_codec
// CHECK:           accel.dense_sddmm
func.func @plain(%q: tensor<2x2x6x4xf32>, %k: tensor<2x2x6x4xf32>, %v: tensor<2x2x6x4xf32>) -> tensor<2x2x6x4xf32> {
  %kp = attn.permute_keys %k by #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "all"> {queries = 6 : i64} : tensor<2x2x6x4xf32> -> tensor<2x2x6x4xf32>
  %vp = attn.permute_keys %v by #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "all"> {queries = 6 : i64} : tensor<2x2x6x4xf32> -> tensor<2x2x6x4xf32>
  %os, %ls = attn.partial_attention %q, %kp, %vp pattern #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "sparse"> {format = "coo"} : (tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>) -> (tensor<2x2x6x4xf32>, tensor<2x2x6xf32>)
  %od, %ld = attn.partial_attention %q, %kp, %vp pattern #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "dense"> {format = "dense"} : (tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>) -> (tensor<2x2x6x4xf32>, tensor<2x2x6xf32>)
  %o, %l = attn.softmax_merge %os, %ls, %od, %ld : (tensor<2x2x6x4xf32>, tensor<2x2x6xf32>, tensor<2x2x6x4xf32>, tensor<2x2x6xf32>) -> (tensor<2x2x6x4xf32>, tensor<2x2x6xf32>)
  func.return %o : tensor<2x2x6x4xf32>
}

// -----

// The merge's log-sum-exp is used (the kernel does not produce it), or the
// parts are not a polarisation's dense and sparse parts: left as they are.
// CHECK-LABEL: func.func @not_matched
// CHECK-NOT:     accel.kernel
// CHECK:         attn.softmax_merge
// CHECK:         attn.softmax_merge
func.func @not_matched(%q: tensor<1x1x6x4xf32>, %k: tensor<1x1x6x4xf32>, %v: tensor<1x1x6x4xf32>) -> (tensor<1x1x6x4xf32>, tensor<1x1x6xf32>, tensor<1x1x6x4xf32>) {
  %kp = attn.permute_keys %k by #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "all"> {queries = 6 : i64} : tensor<1x1x6x4xf32> -> tensor<1x1x6x4xf32>
  %vp = attn.permute_keys %v by #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "all"> {queries = 6 : i64} : tensor<1x1x6x4xf32> -> tensor<1x1x6x4xf32>
  %od, %ld = attn.partial_attention %q, %kp, %vp pattern #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "dense"> {format = "dense"} : (tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32>) -> (tensor<1x1x6x4xf32>, tensor<1x1x6xf32>)
  %os, %ls = attn.partial_attention %q, %kp, %vp pattern #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "sparse"> {format = "coo"} : (tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32>, tensor<1x1x6x4xf32>) -> (tensor<1x1x6x4xf32>, tensor<1x1x6xf32>)
  %o, %l = attn.softmax_merge %od, %ld, %os, %ls : (tensor<1x1x6x4xf32>, tensor<1x1x6xf32>, tensor<1x1x6x4xf32>, tensor<1x1x6xf32>) -> (tensor<1x1x6x4xf32>, tensor<1x1x6xf32>)
  %x, %y = attn.softmax_merge %od, %ld, %od, %ld : (tensor<1x1x6x4xf32>, tensor<1x1x6xf32>, tensor<1x1x6x4xf32>, tensor<1x1x6xf32>) -> (tensor<1x1x6x4xf32>, tensor<1x1x6xf32>)
  func.return %o, %l, %x : tensor<1x1x6x4xf32>, tensor<1x1x6xf32>, tensor<1x1x6x4xf32>
}

// END-OF-COMMON-CHUNKS
// -----

// Lanes take fewer heads when every head's buffers do not fit; a dense
// attention of 420 tokens polarises into 420 dense columns, whose scores
// alone (420 x 420 bytes) leave no room even for one head per lane.
func.func @too_big(%q: tensor<1x2x420x64xf32>, %k: tensor<1x2x420x64xf32>, %v: tensor<1x2x420x64xf32>) -> tensor<1x2x420x64xf32> {
  %kp = attn.permute_keys %k by #attn.polar_part<source = #attn.dense, threshold = 50, part = "all"> {queries = 420 : i64} : tensor<1x2x420x64xf32> -> tensor<1x2x420x64xf32>
  %vp = attn.permute_keys %v by #attn.polar_part<source = #attn.dense, threshold = 50, part = "all"> {queries = 420 : i64} : tensor<1x2x420x64xf32> -> tensor<1x2x420x64xf32>
  %od, %ld = attn.partial_attention %q, %kp, %vp pattern #attn.polar_part<source = #attn.dense, threshold = 50, part = "dense"> {format = "dense"} : (tensor<1x2x420x64xf32>, tensor<1x2x420x64xf32>, tensor<1x2x420x64xf32>) -> (tensor<1x2x420x64xf32>, tensor<1x2x420xf32>)
  %os, %ls = attn.partial_attention %q, %kp, %vp pattern #attn.polar_part<source = #attn.dense, threshold = 50, part = "sparse"> {format = "coo"} : (tensor<1x2x420x64xf32>, tensor<1x2x420x64xf32>, tensor<1x2x420x64xf32>) -> (tensor<1x2x420x64xf32>, tensor<1x2x420xf32>)
  // expected-error @+1 {{buffers do not fit target 'vitcod': buffer 'dense_scores' needs 176400 bytes, all buffers need 318361 bytes, 293888 bytes are available}}
  %o, %l = attn.softmax_merge %od, %ld, %os, %ls : (tensor<1x2x420x64xf32>, tensor<1x2x420xf32>, tensor<1x2x420x64xf32>, tensor<1x2x420xf32>) -> (tensor<1x2x420x64xf32>, tensor<1x2x420xf32>)
  func.return %o : tensor<1x2x420x64xf32>
}

// -----

// ViTCoD streams one token's Q, K and V rows per step: cross-attention
// (Nq != Nk) has no schedule on it.
func.func @cross(%q: tensor<1x1x2x4xf32>, %k: tensor<1x1x3x4xf32>, %v: tensor<1x1x3x4xf32>) -> tensor<1x1x2x4xf32> {
  %kp = attn.permute_keys %k by #attn.polar_part<source = #attn.dense, threshold = 50, part = "all"> {queries = 2 : i64} : tensor<1x1x3x4xf32> -> tensor<1x1x3x4xf32>
  %vp = attn.permute_keys %v by #attn.polar_part<source = #attn.dense, threshold = 50, part = "all"> {queries = 2 : i64} : tensor<1x1x3x4xf32> -> tensor<1x1x3x4xf32>
  %od, %ld = attn.partial_attention %q, %kp, %vp pattern #attn.polar_part<source = #attn.dense, threshold = 50, part = "dense"> {format = "dense"} : (tensor<1x1x2x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>) -> (tensor<1x1x2x4xf32>, tensor<1x1x2xf32>)
  %os, %ls = attn.partial_attention %q, %kp, %vp pattern #attn.polar_part<source = #attn.dense, threshold = 50, part = "sparse"> {format = "coo"} : (tensor<1x1x2x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>) -> (tensor<1x1x2x4xf32>, tensor<1x1x2xf32>)
  // expected-error @+1 {{convert-polarized-to-accel: ViTCoD schedules self-attention: the query and key lengths must be equal, got 2 and 3}}
  %o, %l = attn.softmax_merge %od, %ld, %os, %ls : (tensor<1x1x2x4xf32>, tensor<1x1x2xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2xf32>) -> (tensor<1x1x2x4xf32>, tensor<1x1x2xf32>)
  func.return %o : tensor<1x1x2x4xf32>
}
