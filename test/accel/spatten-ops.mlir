// Round trip of SpAtten's kernels and instructions in the accel dialect
// (attn_ir.dialects.spatten.accel): accel.progressive_kernel with its
// steps and refetch region, accel.token_kernel, and every instruction
// (dma_gather of lists, scales and rows with bit widths, dequantize with and
// without LSBs, position_mask, requant_check, select_rows, topk, select,
// column_sum, importance_add, dma_store_rows), in the custom and the
// generic form.  The input is convert-spatten-to-accel's output for one
// decoding step (test/passes/convert-spatten-to-accel.mlir).
//
// RUN: attn-opt %s | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | attn-opt | filecheck %s
// RUN: attn-opt %s | attn-opt > %t1 && attn-opt %t1 | attn-opt > %t2 && diff %t1 %t2
// RUN: attn-opt %s --print-op-generic > %t3 && attn-opt %t3 --print-op-generic > %t4 && diff %t3 %t4

// CHECK-LABEL: func.func @decode
// CHECK:         accel.topk %scores_1, %best_1 {k = 4 : i64, unit = "TOPK"} : memref<1x8xf64>, memref<1x4xi64>
// CHECK:         accel.progressive_kernel {{.*}} target #accel.target<"spatten"> pattern #attn.causal
// CHECK:         accel.dma_gather %q_dram, %q_tile index %q_rows {tile = "q", bits = 16 : i64, unit = "DMA"}
// CHECK:         accel.step {
// CHECK-NEXT:      accel.dma_gather %k_msb_dram, %key_msb index %k_rows {tile = "k_msb", bits = 6 : i64, sliced = true, unit = "DMA"}
// CHECK-NEXT:      accel.dequantize %key_msb, %k_scale, %k_tile {lsb_bits = 4 : i64, sliced = true, unit = "VEC1D"}
// CHECK-NEXT:      accel.position_mask %q_pos, %k_pos, %mask {unit = "VEC1D"}
// CHECK:         accel.requant_check %probs, %requant_1 {threshold = 5.000000e-02 : f64, unit = "VEC1D"}
// CHECK-NEXT:    accel.refetch %requant_1 : memref<1xi1> {
// CHECK:             accel.dma_gather %k_lsb_dram, %key_lsb index %k_rows {tile = "k_lsb", bits = 4 : i64, unit = "DMA"}
// CHECK-NEXT:        accel.dequantize %key_msb, %k_scale, %k_tile lsb %key_lsb {lsb_bits = 4 : i64, sliced = true, unit = "VEC1D"}
// CHECK:           accel.select_rows %requant_1, %probs_fine, %probs {unit = "VEC1D"}
// CHECK:         accel.column_sum %probs, %colsum_1 {unit = "VEC1D"}
// CHECK:         accel.select %k_rows, %chosen, %v_rows {unit = "VEC1D"}
// CHECK:         accel.spmm %probs_kept, %v_tile, %out {dataflow = "ws", unit = "PE2D_AV"}
// CHECK:         accel.token_kernel %colsum, %kept, %imp target #accel.target<"spatten">
// CHECK:         accel.importance_add %colsum_2, %k_pos_1, %importance {unit = "VEC1D"}
func.func @decode(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>, %imp: tensor<1x8xf64>) -> (tensor<1x2x1x4xf32>, tensor<1x8xf64>) {
  %km, %kl, %ks = attn.quantize %k {msb_bits = 6 : i64, lsb_bits = 4 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
  %vm, %vl, %vs = attn.quantize %v {msb_bits = 6 : i64, lsb_bits = 4 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
  %tokens = attn.token_range {start = 0 : i64} : tensor<1x8xi64>
  %scores = attn.gather %imp, %tokens {dim = 1 : i64} : (tensor<1x8xf64>, tensor<1x8xi64>) -> tensor<1x8xf64>
  %best = accel.token_kernel %scores target #accel.target<"spatten"> : (tensor<1x8xf64>) -> tensor<1x4xi64> {
  ^bb0(%in0_dram: memref<1x8xf64>, %out_dram: memref<1x4xi64>):
    %scores_1 = memref.alloc() : memref<1x8xf64>
    %best_1 = memref.alloc() : memref<1x4xi64>
    accel.dma_gather %in0_dram, %scores_1 {tile = "list", unit = "DMA"} : memref<1x8xf64>, memref<1x8xf64>
    accel.topk %scores_1, %best_1 {k = 4 : i64, unit = "TOPK"} : memref<1x8xf64>, memref<1x4xi64>
    accel.dma_store_rows %best_1, %out_dram {tile = "list", unit = "DMA_OUT"} : memref<1x4xi64>, memref<1x4xi64>
  }
  %kept = attn.gather %tokens, %best {dim = 1 : i64} : (tensor<1x8xi64>, tensor<1x4xi64>) -> tensor<1x4xi64>
  %row = attn.token_range {start = 2 : i64} : tensor<1x1xi64>
  %qpos = attn.token_range {start = 7 : i64} : tensor<1x1xi64>
  %o, %colsum, %requant = accel.progressive_kernel %q, %km, %kl, %ks, %vm, %vs, %row, %kept, %qpos, %kept target #accel.target<"spatten"> pattern #attn.causal {block_q = 1 : i64, block_k = 2 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 5.000000e-02 : f64, context = 8 : i64, scale = 5.000000e-01 : f64, double_buffer = true, value_keep = 5.000000e-01 : f64} : (tensor<1x2x3x4xf32>, tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>) {
  ^bb0(%q_dram: memref<1x2x3x4xf32>, %k_msb_dram: memref<1x2x8x4xi8>, %k_lsb_dram: memref<1x2x8x4xi8>, %k_scale_dram: memref<1x2xf32>, %v_msb_dram: memref<1x2x8x4xi8>, %v_scale_dram: memref<1x2xf32>, %q_rows_dram: memref<1x1xi64>, %k_rows_dram: memref<1x4xi64>, %q_pos_dram: memref<1x1xi64>, %k_pos_dram: memref<1x4xi64>, %o_dram: memref<1x2x1x4xf32>, %colsum_dram: memref<1x2x4xf64>, %requant_dram: memref<1x2x1xi1>):
    %q_rows = memref.alloc() : memref<1xi64>
    %q_pos = memref.alloc() : memref<1xi64>
    %k_rows = memref.alloc() : memref<4xi64>
    %k_pos = memref.alloc() : memref<4xi64>
    %k_scale = memref.alloc() : memref<1xf32>
    %v_scale = memref.alloc() : memref<1xf32>
    %q_tile = memref.alloc() : memref<1x4xf32>
    %key_msb = memref.alloc() : memref<4x4xi8>
    %k_tile = memref.alloc() : memref<2x4xf32>
    %mask = memref.alloc() : memref<1x2xi1>
    %probs = memref.alloc() : memref<1x4xf32>
    %row_max = memref.alloc() : memref<1xf32>
    %row_sum = memref.alloc() : memref<1xf32>
    %requant_1 = memref.alloc() : memref<1xi1>
    %colsum_1 = memref.alloc() : memref<4xf32>
    %out = memref.alloc() : memref<1x4xf32>
    accel.dma_gather %q_rows_dram, %q_rows {tile = "lane_list", unit = "DMA"} : memref<1x1xi64>, memref<1xi64>
    accel.dma_gather %q_pos_dram, %q_pos {tile = "lane_list", unit = "DMA"} : memref<1x1xi64>, memref<1xi64>
    accel.dma_gather %k_rows_dram, %k_rows {tile = "list", unit = "DMA"} : memref<1x4xi64>, memref<4xi64>
    accel.dma_gather %k_pos_dram, %k_pos {tile = "list", unit = "DMA"} : memref<1x4xi64>, memref<4xi64>
    accel.dma_gather %k_scale_dram, %k_scale {tile = "scale", unit = "DMA"} : memref<1x2xf32>, memref<1xf32>
    accel.dma_gather %v_scale_dram, %v_scale {tile = "scale", unit = "DMA"} : memref<1x2xf32>, memref<1xf32>
    accel.dma_gather %q_dram, %q_tile index %q_rows {tile = "q", bits = 16 : i64, unit = "DMA"} : memref<1x2x3x4xf32>, memref<1x4xf32>, memref<1xi64>
    accel.step {
      accel.dma_gather %k_msb_dram, %key_msb index %k_rows {tile = "k_msb", bits = 6 : i64, sliced = true, unit = "DMA"} : memref<1x2x8x4xi8>, memref<4x4xi8>, memref<4xi64>
      accel.dequantize %key_msb, %k_scale, %k_tile {lsb_bits = 4 : i64, sliced = true, unit = "VEC1D"} : memref<4x4xi8>, memref<1xf32>, memref<2x4xf32>
      accel.position_mask %q_pos, %k_pos, %mask {unit = "VEC1D"} : memref<1xi64>, memref<4xi64>, memref<1x2xi1>
      accel.sddmm %q_tile, %k_tile, %probs mask %mask {sliced = true, dataflow = "ws", unit = "PE2D"} : memref<1x4xf32>, memref<2x4xf32>, memref<1x4xf32>, memref<1x2xi1>
    }
    accel.scale %probs {factor = 5.000000e-01 : f64, unit = "VEC1D"} : memref<1x4xf32>
    accel.reduce %probs, %row_max {kind = "max", unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
    accel.exp %probs shift %row_max {unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
    accel.reduce %probs, %row_sum {kind = "sum", unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
    accel.normalize %probs, %row_sum {unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
    accel.requant_check %probs, %requant_1 {threshold = 5.000000e-02 : f64, unit = "VEC1D"} : memref<1x4xf32>, memref<1xi1>
    accel.refetch %requant_1 : memref<1xi1> {
      %key_lsb = memref.alloc() : memref<2x4xi8>
      %probs_fine = memref.alloc() : memref<1x4xf32>
      accel.step {
        accel.dma_gather %k_lsb_dram, %key_lsb index %k_rows {tile = "k_lsb", bits = 4 : i64, unit = "DMA"} : memref<1x2x8x4xi8>, memref<2x4xi8>, memref<4xi64>
        accel.dequantize %key_msb, %k_scale, %k_tile lsb %key_lsb {lsb_bits = 4 : i64, sliced = true, unit = "VEC1D"} : memref<4x4xi8>, memref<1xf32>, memref<2x4xf32>, memref<2x4xi8>
        accel.position_mask %q_pos, %k_pos, %mask {unit = "VEC1D"} : memref<1xi64>, memref<4xi64>, memref<1x2xi1>
        accel.sddmm %q_tile, %k_tile, %probs_fine mask %mask {sliced = true, dataflow = "ws", unit = "PE2D"} : memref<1x4xf32>, memref<2x4xf32>, memref<1x4xf32>, memref<1x2xi1>
      }
      accel.scale %probs_fine {factor = 5.000000e-01 : f64, unit = "VEC1D"} : memref<1x4xf32>
      accel.reduce %probs_fine, %row_max {kind = "max", unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
      accel.exp %probs_fine shift %row_max {unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
      accel.reduce %probs_fine, %row_sum {kind = "sum", unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
      accel.normalize %probs_fine, %row_sum {unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
      accel.select_rows %requant_1, %probs_fine, %probs {unit = "VEC1D"} : memref<1xi1>, memref<1x4xf32>, memref<1x4xf32>
    }
    accel.fill %colsum_1 {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4xf32>
    accel.column_sum %probs, %colsum_1 {unit = "VEC1D"} : memref<1x4xf32>, memref<4xf32>
    accel.dma_store_rows %colsum_1, %colsum_dram {tile = "colsum", unit = "DMA_OUT"} : memref<4xf32>, memref<1x2x4xf64>
    accel.dma_store_rows %requant_1, %requant_dram {tile = "requant", unit = "DMA_OUT"} : memref<1xi1>, memref<1x2x1xi1>
    %chosen = memref.alloc() : memref<1x2xi64>
    %v_rows = memref.alloc() : memref<2xi64>
    %probs_kept = memref.alloc() : memref<1x2xf32>
    %value_msb = memref.alloc() : memref<2x4xi8>
    %v_tile = memref.alloc() : memref<2x4xf32>
    accel.topk %probs, %chosen {k = 2 : i64, count = 4 : i64, unit = "TOPK"} : memref<1x4xf32>, memref<1x2xi64>
    accel.select %k_rows, %chosen, %v_rows {unit = "VEC1D"} : memref<4xi64>, memref<1x2xi64>, memref<2xi64>
    accel.select %probs, %chosen, %probs_kept {unit = "VEC1D"} : memref<1x4xf32>, memref<1x2xi64>, memref<1x2xf32>
    accel.dma_gather %v_msb_dram, %value_msb index %v_rows {tile = "v_msb", bits = 6 : i64, unit = "DMA"} : memref<1x2x8x4xi8>, memref<2x4xi8>, memref<2xi64>
    accel.dequantize %value_msb, %v_scale, %v_tile {lsb_bits = 4 : i64, unit = "VEC1D"} : memref<2x4xi8>, memref<1xf32>, memref<2x4xf32>
    accel.spmm %probs_kept, %v_tile, %out {dataflow = "ws", unit = "PE2D_AV"} : memref<1x2xf32>, memref<2x4xf32>, memref<1x4xf32>
    accel.dma_store_rows %out, %o_dram {tile = "o", bits = 12 : i64, unit = "DMA_OUT"} : memref<1x4xf32>, memref<1x2x1x4xf32>
  }
  %imp2 = accel.token_kernel %colsum, %kept, %imp target #accel.target<"spatten"> : (tensor<1x2x4xf64>, tensor<1x4xi64>, tensor<1x8xf64>) -> tensor<1x8xf64> {
  ^bb0(%in0_dram_1: memref<1x2x4xf64>, %in1_dram: memref<1x4xi64>, %in2_dram: memref<1x8xf64>, %out_dram_1: memref<1x8xf64>):
    %colsum_2 = memref.alloc() : memref<2x4xf64>
    %k_pos_1 = memref.alloc() : memref<4xi64>
    %importance = memref.alloc() : memref<8xf64>
    accel.dma_gather %in0_dram_1, %colsum_2 {tile = "batch", unit = "DMA"} : memref<1x2x4xf64>, memref<2x4xf64>
    accel.dma_gather %in1_dram, %k_pos_1 {tile = "list", unit = "DMA"} : memref<1x4xi64>, memref<4xi64>
    accel.dma_gather %in2_dram, %importance {tile = "list", unit = "DMA"} : memref<1x8xf64>, memref<8xf64>
    accel.importance_add %colsum_2, %k_pos_1, %importance {unit = "VEC1D"} : memref<2x4xf64>, memref<4xi64>, memref<8xf64>
    accel.dma_store_rows %importance, %out_dram_1 {tile = "list", unit = "DMA_OUT"} : memref<8xf64>, memref<1x8xf64>
  }
  func.return %o, %imp2 : tensor<1x2x1x4xf32>, tensor<1x8xf64>
}
