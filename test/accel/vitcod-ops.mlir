// Round trip of ViTCoD's accel instructions: the kernel that
// convert-polarized-to-accel makes of a polarised attention (6 tokens, 2
// heads sharing one mask, Q compressed 2 -> 1 heads by the auto-encoder;
// see test/passes/convert-polarized-to-accel.mlir), printed and parsed back.
//
// RUN: python -c "import numpy as np; m = np.zeros((6, 6), bool); m[:, 0] = True; m[:4, 3] = True; m[range(6), range(6)] = True; np.save('%t.npy', m)"
// RUN: sed 's|@MASK@|%t.npy|g' %s > %t.mlir
// RUN: attn-opt %t.mlir | attn-opt | filecheck %s
// RUN: attn-opt %t.mlir --print-op-generic | attn-opt | filecheck %s
// RUN: xdsl-opt %t.mlir | filecheck %s
// RUN: attn-opt %t.mlir | attn-opt > %t1 && attn-opt %t1 | attn-opt > %t2 && diff %t1 %t2
// The hardware model runs it (tests in test/python/test_vitcod.py compare
// its results with the reference oracle):
// RUN: attn-run %t.mlir --backend hwmodel -O target=vitcod | filecheck %s --check-prefix=HW
// HW: target {{ *}}vitcod
// HW: cycles {{ *}}{{[0-9]+}}

// CHECK-LABEL: func.func @f
// CHECK-NEXT: %qc = attn.qk_encode %q with #attn.autoencoder<heads = 2, hidden = 1> : tensor<1x2x6x4xf32> -> tensor<1x1x6x4xf32>
// CHECK-NEXT: %o = accel.kernel %qc, %k, %v target #accel.target<"vitcod"> iteration #accel.blocks<q = 6, k = 1, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 6>, full = array<i8: 1>>]> pattern #attn.mask_file<path = "{{.*}}.npy"> {scale = 5.000000e-01 : f64, schedule = "vitcod", lane_heads = 2 : i64} : (tensor<1x1x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
// CHECK-NEXT: ^bb0(%q_dram: memref<1x1x6x4xf32>, %k_dram: memref<1x2x6x4xf32>, %v_dram: memref<1x2x6x4xf32>, %o_dram: memref<1x2x6x4xf32>):
// CHECK-NEXT: %q_decoder = memref.alloc() : memref<2x2xi8>
// CHECK-NEXT: accel.load_codec %q_decoder {autoencoder = #attn.autoencoder<heads = 2, hidden = 1>, bits = 8 : i64, unit = "DMA"} : memref<2x2xi8>
// CHECK-NEXT: %index = memref.alloc() : memref<2x10xi8>
// CHECK-NEXT: accel.load_coo %index {pattern = #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "sparse">, bits = 8 : i64, unit = "DMA"} : memref<2x10xi8>
// CHECK-NEXT: %q_rows = memref.alloc() : memref<2x6x4xi8>
// CHECK-NEXT: %k_rows = memref.alloc() : memref<2x6x4xi8>
// CHECK-NEXT: %v_rows = memref.alloc() : memref<2x6x4xi8>
// CHECK-NEXT: accel.step {
// CHECK-NEXT: %q_encoded = memref.alloc() : memref<1x1x4xi8>
// CHECK-NEXT: accel.load_tokens %q_dram, %q_encoded {tile = "q", bits = 8 : i64, sliced = true, unit = "DMA"} : memref<1x1x6x4xf32>, memref<1x1x4xi8>
// CHECK-NEXT: accel.qk_decode %q_encoded, %q_decoder, %q_rows {sliced = true, unit = "CODEC"} : memref<1x1x4xi8>, memref<2x2xi8>, memref<2x6x4xi8>
// CHECK-NEXT: accel.load_tokens %k_dram, %k_rows {tile = "k", bits = 8 : i64, sliced = true, unit = "DMA"} : memref<1x2x6x4xf32>, memref<2x6x4xi8>
// CHECK-NEXT: accel.load_tokens %v_dram, %v_rows {tile = "v", bits = 8 : i64, sliced = true, unit = "DMA"} : memref<1x2x6x4xf32>, memref<2x6x4xi8>
// CHECK-NEXT: }
// CHECK-NEXT: %dense_scores = memref.alloc() : memref<2x6x2xi8>
// CHECK-NEXT: %sparse_scores = memref.alloc() : memref<2x4xi8>
// CHECK-NEXT: %dense_max = memref.alloc() : memref<2x6xf32>
// CHECK-NEXT: %dense_sum = memref.alloc() : memref<2x6xf32>
// CHECK-NEXT: %sparse_max = memref.alloc() : memref<2x6xf32>
// CHECK-NEXT: %sparse_sum = memref.alloc() : memref<2x6xf32>
// CHECK-NEXT: %dense_out = memref.alloc() : memref<2x6x4xi8>
// CHECK-NEXT: %sparse_out = memref.alloc() : memref<2x6x4xi8>
// CHECK-NEXT: accel.dense_sddmm %q_rows, %k_rows, %index, %dense_scores {pattern = #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "dense">, engine_rows = 48 : i64, scale = 5.000000e-01 : f64, unit = "PE2D"} : memref<2x6x4xi8>, memref<2x6x4xi8>, memref<2x10xi8>, memref<2x6x2xi8>
// CHECK-NEXT: accel.coo_sddmm %q_rows, %k_rows, %index, %sparse_scores {pattern = #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "sparse">, engine_rows = 16 : i64, scale = 5.000000e-01 : f64, unit = "PE2D_SPARSE"} : memref<2x6x4xi8>, memref<2x6x4xi8>, memref<2x10xi8>, memref<2x4xi8>
// CHECK-NEXT: accel.row_softmax %dense_scores, %index, %dense_max, %dense_sum {pattern = #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "dense">, unit = "VEC1D"} : memref<2x6x2xi8>, memref<2x10xi8>, memref<2x6xf32>, memref<2x6xf32>
// CHECK-NEXT: accel.row_softmax %sparse_scores, %index, %sparse_max, %sparse_sum {pattern = #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "sparse">, unit = "VEC1D"} : memref<2x4xi8>, memref<2x10xi8>, memref<2x6xf32>, memref<2x6xf32>
// CHECK-NEXT: accel.dense_spmm %dense_scores, %v_rows, %index, %dense_out {pattern = #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "dense">, engine_rows = 48 : i64, unit = "PE2D"} : memref<2x6x2xi8>, memref<2x6x4xi8>, memref<2x10xi8>, memref<2x6x4xi8>
// CHECK-NEXT: accel.coo_spmm %sparse_scores, %v_rows, %index, %sparse_out {pattern = #attn.polar_part<source = #attn.mask_file<path = "{{.*}}.npy">, threshold = 3, part = "sparse">, engine_rows = 16 : i64, unit = "PE2D_SPARSE"} : memref<2x4xi8>, memref<2x6x4xi8>, memref<2x10xi8>, memref<2x6x4xi8>
// CHECK-NEXT: accel.softmax_merge %dense_out, %dense_max, %dense_sum, %sparse_out, %sparse_max, %sparse_sum, %dense_out {unit = "VEC1D"} : memref<2x6x4xi8>, memref<2x6xf32>, memref<2x6xf32>, memref<2x6x4xi8>, memref<2x6xf32>, memref<2x6xf32>, memref<2x6x4xi8>
// CHECK-NEXT: accel.store_tokens %dense_out, %o_dram {bits = 8 : i64, unit = "DMA_OUT"} : memref<2x6x4xi8>, memref<1x2x6x4xf32>
// CHECK-NEXT: }
// CHECK-NEXT: func.return %o : tensor<1x2x6x4xf32>
// CHECK-NEXT: }
func.func @f(%q: tensor<1x2x6x4xf32>, %k: tensor<1x2x6x4xf32>, %v: tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
  %qc = attn.qk_encode %q with #attn.autoencoder<heads = 2, hidden = 1> : tensor<1x2x6x4xf32> -> tensor<1x1x6x4xf32>
  %o = accel.kernel %qc, %k, %v target #accel.target<"vitcod"> iteration #accel.blocks<q = 6, k = 1, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 6>, full = array<i8: 1>>]> pattern #attn.mask_file<path = "@MASK@"> {scale = 5.000000e-01 : f64, schedule = "vitcod", lane_heads = 2 : i64} : (tensor<1x1x6x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>) -> tensor<1x2x6x4xf32> {
  ^bb0(%q_dram: memref<1x1x6x4xf32>, %k_dram: memref<1x2x6x4xf32>, %v_dram: memref<1x2x6x4xf32>, %o_dram: memref<1x2x6x4xf32>):
    %q_decoder = memref.alloc() : memref<2x2xi8>
    accel.load_codec %q_decoder {autoencoder = #attn.autoencoder<heads = 2, hidden = 1>, bits = 8 : i64, unit = "DMA"} : memref<2x2xi8>
    %index = memref.alloc() : memref<2x10xi8>
    accel.load_coo %index {pattern = #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "sparse">, bits = 8 : i64, unit = "DMA"} : memref<2x10xi8>
    %q_rows = memref.alloc() : memref<2x6x4xi8>
    %k_rows = memref.alloc() : memref<2x6x4xi8>
    %v_rows = memref.alloc() : memref<2x6x4xi8>
    accel.step {
      %q_encoded = memref.alloc() : memref<1x1x4xi8>
      accel.load_tokens %q_dram, %q_encoded {tile = "q", bits = 8 : i64, sliced = true, unit = "DMA"} : memref<1x1x6x4xf32>, memref<1x1x4xi8>
      accel.qk_decode %q_encoded, %q_decoder, %q_rows {sliced = true, unit = "CODEC"} : memref<1x1x4xi8>, memref<2x2xi8>, memref<2x6x4xi8>
      accel.load_tokens %k_dram, %k_rows {tile = "k", bits = 8 : i64, sliced = true, unit = "DMA"} : memref<1x2x6x4xf32>, memref<2x6x4xi8>
      accel.load_tokens %v_dram, %v_rows {tile = "v", bits = 8 : i64, sliced = true, unit = "DMA"} : memref<1x2x6x4xf32>, memref<2x6x4xi8>
    }
    %dense_scores = memref.alloc() : memref<2x6x2xi8>
    %sparse_scores = memref.alloc() : memref<2x4xi8>
    %dense_max = memref.alloc() : memref<2x6xf32>
    %dense_sum = memref.alloc() : memref<2x6xf32>
    %sparse_max = memref.alloc() : memref<2x6xf32>
    %sparse_sum = memref.alloc() : memref<2x6xf32>
    %dense_out = memref.alloc() : memref<2x6x4xi8>
    %sparse_out = memref.alloc() : memref<2x6x4xi8>
    accel.dense_sddmm %q_rows, %k_rows, %index, %dense_scores {pattern = #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "dense">, engine_rows = 48 : i64, scale = 5.000000e-01 : f64, unit = "PE2D"} : memref<2x6x4xi8>, memref<2x6x4xi8>, memref<2x10xi8>, memref<2x6x2xi8>
    accel.coo_sddmm %q_rows, %k_rows, %index, %sparse_scores {pattern = #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "sparse">, engine_rows = 16 : i64, scale = 5.000000e-01 : f64, unit = "PE2D_SPARSE"} : memref<2x6x4xi8>, memref<2x6x4xi8>, memref<2x10xi8>, memref<2x4xi8>
    accel.row_softmax %dense_scores, %index, %dense_max, %dense_sum {pattern = #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "dense">, unit = "VEC1D"} : memref<2x6x2xi8>, memref<2x10xi8>, memref<2x6xf32>, memref<2x6xf32>
    accel.row_softmax %sparse_scores, %index, %sparse_max, %sparse_sum {pattern = #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "sparse">, unit = "VEC1D"} : memref<2x4xi8>, memref<2x10xi8>, memref<2x6xf32>, memref<2x6xf32>
    accel.dense_spmm %dense_scores, %v_rows, %index, %dense_out {pattern = #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "dense">, engine_rows = 48 : i64, unit = "PE2D"} : memref<2x6x2xi8>, memref<2x6x4xi8>, memref<2x10xi8>, memref<2x6x4xi8>
    accel.coo_spmm %sparse_scores, %v_rows, %index, %sparse_out {pattern = #attn.polar_part<source = #attn.mask_file<path = "@MASK@">, threshold = 3, part = "sparse">, engine_rows = 16 : i64, unit = "PE2D_SPARSE"} : memref<2x4xi8>, memref<2x6x4xi8>, memref<2x10xi8>, memref<2x6x4xi8>
    accel.softmax_merge %dense_out, %dense_max, %dense_sum, %sparse_out, %sparse_max, %sparse_sum, %dense_out {unit = "VEC1D"} : memref<2x6x4xi8>, memref<2x6xf32>, memref<2x6xf32>, memref<2x6x4xi8>, memref<2x6xf32>, memref<2x6xf32>, memref<2x6x4xi8>
    accel.store_tokens %dense_out, %o_dram {bits = 8 : i64, unit = "DMA_OUT"} : memref<2x6x4xi8>, memref<1x2x6x4xf32>
  }
  func.return %o : tensor<1x2x6x4xf32>
}
