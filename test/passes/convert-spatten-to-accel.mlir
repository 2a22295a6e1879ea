// convert-spatten-to-accel{target=NAME}: SpAtten's tiled attention and
// token selection -> accel kernels (passes/convert_spatten_to_accel.py).
// tile.progressive_attention becomes an accel.progressive_kernel whose lane
// program fetches the listed rows: index lists and scales as on-chip state,
// the query row at 16 bits, per key tile the keys' MSB rows at 6 bits into
// the key buffer, dequantised and masked by original position on the
// vector unit, scored on the Q x K array; softmax on the vector unit, the
// requantisation check, and in lanes with a flagged row (accel.refetch) the
// keys' LSB rows at 4 bits, dequantised with the buffered MSBs and scored
// again.  The column sums go to the importance accumulators; the top-k
// engine picks the values to fetch (local value pruning) and P x V runs on
// the second array.  attn.topk, attn.token_importance and
// attn.head_importance become accel.token_kernels; index bookkeeping stays.
//
// The last chunk (buffers that do not fit) is cut for the runs that succeed.
// RUN: sed '/^\/\/ END-OF-COMMON-CHUNKS/,$d' %s | attn-opt --split-input-file -p 'convert-spatten-to-accel{target=spatten}' | filecheck %s
// The output parses back, and converting it again changes nothing:
// RUN: sed '/^\/\/ END-OF-COMMON-CHUNKS/,$d' %s | attn-opt --split-input-file -p 'convert-spatten-to-accel{target=spatten}' > %t1 && attn-opt %t1 --split-input-file -p 'convert-spatten-to-accel{target=spatten}' > %t2 && diff %t1 %t2
// Buffers that do not fit, and a bad target name:
// RUN: not attn-opt %s --split-input-file -p 'convert-spatten-to-accel{target=spatten}' 2>&1 > /dev/null | filecheck %s --check-prefix=ERR
// RUN: not attn-opt %s -p 'convert-spatten-to-accel{target=tpu}' 2>&1 | filecheck %s --check-prefix=NAME
// NAME: attn-opt: error: invalid pass pipeline 'convert-spatten-to-accel{target=tpu}': convert-spatten-to-accel: unknown target 'tpu'; known: flat, fusemax, salo, spatten

// A decoding step (the output of attn-tile in test/passes/attn-tile-spatten.mlir).
// CHECK-LABEL: func.func @decode
// CHECK:         %best = accel.token_kernel %scores target #accel.target<"spatten"> : (tensor<1x8xf64>) -> tensor<1x4xi64> {
// CHECK-NEXT:    ^bb0(%in0_dram: memref<1x8xf64>, %out_dram: memref<1x4xi64>):
// CHECK-NEXT:      %scores_1 = memref.alloc() : memref<1x8xf64>
// CHECK-NEXT:      %best_1 = memref.alloc() : memref<1x4xi64>
// CHECK-NEXT:      accel.dma_gather %in0_dram, %scores_1 {tile = "list", unit = "DMA"} : memref<1x8xf64>, memref<1x8xf64>
// CHECK-NEXT:      accel.topk %scores_1, %best_1 {k = 4 : i64, unit = "TOPK"} : memref<1x8xf64>, memref<1x4xi64>
// CHECK-NEXT:      accel.dma_store_rows %best_1, %out_dram {tile = "list", unit = "DMA_OUT"} : memref<1x4xi64>, memref<1x4xi64>
// CHECK-NEXT:    }
// CHECK:         %o, %colsum, %requant = accel.progressive_kernel %q, %km, %kl, %ks, %vm, %vs, %row, %kept, %qpos, %kept target #accel.target<"spatten"> pattern #attn.causal {block_q = 1 : i64, block_k = 2 : i64, msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 5.000000e-02 : f64, context = 8 : i64, scale = 5.000000e-01 : f64, double_buffer = true, value_keep = 5.000000e-01 : f64} : (tensor<1x2x3x4xf32>, tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>) {
// CHECK-NEXT:    ^bb0(%q_dram: memref<1x2x3x4xf32>, %k_msb_dram: memref<1x2x8x4xi8>, %k_lsb_dram: memref<1x2x8x4xi8>, %k_scale_dram: memref<1x2xf32>, %v_msb_dram: memref<1x2x8x4xi8>, %v_scale_dram: memref<1x2xf32>, %q_rows_dram: memref<1x1xi64>, %k_rows_dram: memref<1x4xi64>, %q_pos_dram: memref<1x1xi64>, %k_pos_dram: memref<1x4xi64>, %o_dram: memref<1x2x1x4xf32>, %colsum_dram: memref<1x2x4xf64>, %requant_dram: memref<1x2x1xi1>):
// CHECK-NEXT:      %q_rows = memref.alloc() : memref<1xi64>
// CHECK-NEXT:      %q_pos = memref.alloc() : memref<1xi64>
// CHECK-NEXT:      %k_rows = memref.alloc() : memref<4xi64>
// CHECK-NEXT:      %k_pos = memref.alloc() : memref<4xi64>
// CHECK-NEXT:      %k_scale = memref.alloc() : memref<1xf32>
// CHECK-NEXT:      %v_scale = memref.alloc() : memref<1xf32>
// CHECK-NEXT:      %q_tile = memref.alloc() : memref<1x4xf32>
// CHECK-NEXT:      %key_msb = memref.alloc() : memref<4x4xi8>
// CHECK-NEXT:      %k_tile = memref.alloc() : memref<2x4xf32>
// CHECK-NEXT:      %mask = memref.alloc() : memref<1x2xi1>
// CHECK-NEXT:      %probs = memref.alloc() : memref<1x4xf32>
// CHECK-NEXT:      %row_max = memref.alloc() : memref<1xf32>
// CHECK-NEXT:      %row_sum = memref.alloc() : memref<1xf32>
// CHECK-NEXT:      %requant_1 = memref.alloc() : memref<1xi1>
// CHECK-NEXT:      %colsum_1 = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      %out = memref.alloc() : memref<1x4xf32>
// CHECK-NEXT:      accel.dma_gather %q_rows_dram, %q_rows {tile = "lane_list", unit = "DMA"} : memref<1x1xi64>, memref<1xi64>
// CHECK-NEXT:      accel.dma_gather %q_pos_dram, %q_pos {tile = "lane_list", unit = "DMA"} : memref<1x1xi64>, memref<1xi64>
// CHECK-NEXT:      accel.dma_gather %k_rows_dram, %k_rows {tile = "list", unit = "DMA"} : memref<1x4xi64>, memref<4xi64>
// CHECK-NEXT:      accel.dma_gather %k_pos_dram, %k_pos {tile = "list", unit = "DMA"} : memref<1x4xi64>, memref<4xi64>
// CHECK-NEXT:      accel.dma_gather %k_scale_dram, %k_scale {tile = "scale", unit = "DMA"} : memref<1x2xf32>, memref<1xf32>
// CHECK-NEXT:      accel.dma_gather %v_scale_dram, %v_scale {tile = "scale", unit = "DMA"} : memref<1x2xf32>, memref<1xf32>
// CHECK-NEXT:      accel.dma_gather %q_dram, %q_tile index %q_rows {tile = "q", bits = 16 : i64, unit = "DMA"} : memref<1x2x3x4xf32>, memref<1x4xf32>, memref<1xi64>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_gather %k_msb_dram, %key_msb index %k_rows {tile = "k_msb", bits = 6 : i64, sliced = true, unit = "DMA"} : memref<1x2x8x4xi8>, memref<4x4xi8>, memref<4xi64>
// CHECK-NEXT:        accel.dequantize %key_msb, %k_scale, %k_tile {lsb_bits = 4 : i64, sliced = true, unit = "VEC1D"} : memref<4x4xi8>, memref<1xf32>, memref<2x4xf32>
// CHECK-NEXT:        accel.position_mask %q_pos, %k_pos, %mask {unit = "VEC1D"} : memref<1xi64>, memref<4xi64>, memref<1x2xi1>
// CHECK-NEXT:        accel.sddmm %q_tile, %k_tile, %probs mask %mask {sliced = true, dataflow = "ws", unit = "PE2D"} : memref<1x4xf32>, memref<2x4xf32>, memref<1x4xf32>, memref<1x2xi1>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.scale %probs {factor = 5.000000e-01 : f64, unit = "VEC1D"} : memref<1x4xf32>
// CHECK-NEXT:      accel.reduce %probs, %row_max {kind = "max", unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
// CHECK-NEXT:      accel.exp %probs shift %row_max {unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
// CHECK-NEXT:      accel.reduce %probs, %row_sum {kind = "sum", unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
// CHECK-NEXT:      accel.normalize %probs, %row_sum {unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
// CHECK-NEXT:      accel.requant_check %probs, %requant_1 {threshold = 5.000000e-02 : f64, unit = "VEC1D"} : memref<1x4xf32>, memref<1xi1>
// CHECK-NEXT:      accel.refetch %requant_1 : memref<1xi1> {
// CHECK-NEXT:        %key_lsb = memref.alloc() : memref<2x4xi8>
// CHECK-NEXT:        %probs_fine = memref.alloc() : memref<1x4xf32>
// CHECK-NEXT:        accel.step {
// CHECK-NEXT:          accel.dma_gather %k_lsb_dram, %key_lsb index %k_rows {tile = "k_lsb", bits = 4 : i64, unit = "DMA"} : memref<1x2x8x4xi8>, memref<2x4xi8>, memref<4xi64>
// CHECK-NEXT:          accel.dequantize %key_msb, %k_scale, %k_tile lsb %key_lsb {lsb_bits = 4 : i64, sliced = true, unit = "VEC1D"} : memref<4x4xi8>, memref<1xf32>, memref<2x4xf32>, memref<2x4xi8>
// CHECK-NEXT:          accel.position_mask %q_pos, %k_pos, %mask {unit = "VEC1D"} : memref<1xi64>, memref<4xi64>, memref<1x2xi1>
// CHECK-NEXT:          accel.sddmm %q_tile, %k_tile, %probs_fine mask %mask {sliced = true, dataflow = "ws", unit = "PE2D"} : memref<1x4xf32>, memref<2x4xf32>, memref<1x4xf32>, memref<1x2xi1>
// CHECK-NEXT:        }
// CHECK-NEXT:        accel.scale %probs_fine {factor = 5.000000e-01 : f64, unit = "VEC1D"} : memref<1x4xf32>
// CHECK-NEXT:        accel.reduce %probs_fine, %row_max {kind = "max", unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
// CHECK-NEXT:        accel.exp %probs_fine shift %row_max {unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
// CHECK-NEXT:        accel.reduce %probs_fine, %row_sum {kind = "sum", unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
// CHECK-NEXT:        accel.normalize %probs_fine, %row_sum {unit = "VEC1D"} : memref<1x4xf32>, memref<1xf32>
// CHECK-NEXT:        accel.select_rows %requant_1, %probs_fine, %probs {unit = "VEC1D"} : memref<1xi1>, memref<1x4xf32>, memref<1x4xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.fill %colsum_1 {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4xf32>
// CHECK-NEXT:      accel.column_sum %probs, %colsum_1 {unit = "VEC1D"} : memref<1x4xf32>, memref<4xf32>
// CHECK-NEXT:      accel.dma_store_rows %colsum_1, %colsum_dram {tile = "colsum", unit = "DMA_OUT"} : memref<4xf32>, memref<1x2x4xf64>
// CHECK-NEXT:      accel.dma_store_rows %requant_1, %requant_dram {tile = "requant", unit = "DMA_OUT"} : memref<1xi1>, memref<1x2x1xi1>
// CHECK-NEXT:      %chosen = memref.alloc() : memref<1x2xi64>
// CHECK-NEXT:      %v_rows = memref.alloc() : memref<2xi64>
// CHECK-NEXT:      %probs_kept = memref.alloc() : memref<1x2xf32>
// CHECK-NEXT:      %value_msb = memref.alloc() : memref<2x4xi8>
// CHECK-NEXT:      %v_tile = memref.alloc() : memref<2x4xf32>
// CHECK-NEXT:      accel.topk %probs, %chosen {k = 2 : i64, count = 4 : i64, unit = "TOPK"} : memref<1x4xf32>, memref<1x2xi64>
// CHECK-NEXT:      accel.select %k_rows, %chosen, %v_rows {unit = "VEC1D"} : memref<4xi64>, memref<1x2xi64>, memref<2xi64>
// CHECK-NEXT:      accel.select %probs, %chosen, %probs_kept {unit = "VEC1D"} : memref<1x4xf32>, memref<1x2xi64>, memref<1x2xf32>
// CHECK-NEXT:      accel.dma_gather %v_msb_dram, %value_msb index %v_rows {tile = "v_msb", bits = 6 : i64, unit = "DMA"} : memref<1x2x8x4xi8>, memref<2x4xi8>, memref<2xi64>
// CHECK-NEXT:      accel.dequantize %value_msb, %v_scale, %v_tile {lsb_bits = 4 : i64, unit = "VEC1D"} : memref<2x4xi8>, memref<1xf32>, memref<2x4xf32>
// CHECK-NEXT:      accel.spmm %probs_kept, %v_tile, %out {dataflow = "ws", unit = "PE2D_AV"} : memref<1x2xf32>, memref<2x4xf32>, memref<1x4xf32>
// CHECK-NEXT:      accel.dma_store_rows %out, %o_dram {tile = "o", bits = 12 : i64, unit = "DMA_OUT"} : memref<1x4xf32>, memref<1x2x1x4xf32>
// CHECK-NEXT:    }
// CHECK:         %imp2 = accel.token_kernel %colsum, %kept, %imp target #accel.target<"spatten"> : (tensor<1x2x4xf64>, tensor<1x4xi64>, tensor<1x8xf64>) -> tensor<1x8xf64> {
// CHECK-NEXT:    ^bb0(%in0_dram_1: memref<1x2x4xf64>, %in1_dram: memref<1x4xi64>, %in2_dram: memref<1x8xf64>, %out_dram_1: memref<1x8xf64>):
// CHECK-NEXT:      %colsum_2 = memref.alloc() : memref<2x4xf64>
// CHECK-NEXT:      %k_pos_1 = memref.alloc() : memref<4xi64>
// CHECK-NEXT:      %importance = memref.alloc() : memref<8xf64>
// CHECK-NEXT:      accel.dma_gather %in0_dram_1, %colsum_2 {tile = "batch", unit = "DMA"} : memref<1x2x4xf64>, memref<2x4xf64>
// CHECK-NEXT:      accel.dma_gather %in1_dram, %k_pos_1 {tile = "list", unit = "DMA"} : memref<1x4xi64>, memref<4xi64>
// CHECK-NEXT:      accel.dma_gather %in2_dram, %importance {tile = "list", unit = "DMA"} : memref<1x8xf64>, memref<8xf64>
// CHECK-NEXT:      accel.importance_add %colsum_2, %k_pos_1, %importance {unit = "VEC1D"} : memref<2x4xf64>, memref<4xi64>, memref<8xf64>
// CHECK-NEXT:      accel.dma_store_rows %importance, %out_dram_1 {tile = "list", unit = "DMA_OUT"} : memref<8xf64>, memref<1x8xf64>
// CHECK-NEXT:    }
func.func @decode(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>, %imp: tensor<1x8xf64>) -> (tensor<1x2x1x4xf32>, tensor<1x8xf64>) {
  %km, %kl, %ks = attn.quantize %k {msb_bits = 6 : i64, lsb_bits = 4 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
  %vm, %vl, %vs = attn.quantize %v {msb_bits = 6 : i64, lsb_bits = 4 : i64} : tensor<1x2x8x4xf32> -> (tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>)
  %tokens = attn.token_range {start = 0 : i64} : tensor<1x8xi64>
  %scores = attn.gather %imp, %tokens {dim = 1 : i64} : (tensor<1x8xf64>, tensor<1x8xi64>) -> tensor<1x8xf64>
  %best = attn.topk %scores {k = 4 : i64} : tensor<1x8xf64> -> tensor<1x4xi64>
  %kept = attn.gather %tokens, %best {dim = 1 : i64} : (tensor<1x8xi64>, tensor<1x4xi64>) -> tensor<1x4xi64>
  %row = attn.token_range {start = 2 : i64} : tensor<1x1xi64>
  %qpos = attn.token_range {start = 7 : i64} : tensor<1x1xi64>
  %o, %colsum, %requant = tile.progressive_attention %q, %km, %kl, %ks, %vm, %vs rows %row, %kept positions %qpos, %kept pattern #attn.causal {msb_bits = 6 : i64, lsb_bits = 4 : i64, threshold = 5.000000e-02 : f64, context = 8 : i64, block_q = 1 : i64, block_k = 2 : i64, scale = 5.000000e-01 : f64, value_keep = 5.000000e-01 : f64} : (tensor<1x2x3x4xf32>, tensor<1x2x8x4xi8>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x2x8x4xi8>, tensor<1x2xf32>, tensor<1x1xi64>, tensor<1x4xi64>, tensor<1x1xi64>, tensor<1x4xi64>) -> (tensor<1x2x1x4xf32>, tensor<1x2x4xf64>, tensor<1x2x1xi1>)
  %imp2 = attn.token_importance %colsum at %kept into %imp : (tensor<1x2x4xf64>, tensor<1x4xi64>, tensor<1x8xf64>) -> tensor<1x8xf64>
  func.return %o, %imp2 : tensor<1x2x1x4xf32>, tensor<1x8xf64>
}

// -----

// An encoder layer without local value pruning and with a single 12-bit
// plane: no refetch region (nothing to refetch), the values fetched key
// tile by key tile and accumulated on the P x V array.
// CHECK-LABEL: func.func @encoder
// CHECK:         accel.normalize %probs, %row_sum
// CHECK-NEXT:    accel.fill %requant_1 {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<2xi1>
// CHECK-NOT:     accel.refetch
// CHECK:         accel.fill %out {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<2x4xf32>
// CHECK-NEXT:    accel.step {
// CHECK-NEXT:      accel.dma_gather %v_msb_dram, %value_msb index %k_rows {tile = "v_msb", bits = 12 : i64, unit = "DMA"} : memref<1x1x4x4xi16>, memref<2x4xi16>, memref<4xi64>
// CHECK-NEXT:      accel.dequantize %value_msb, %v_scale, %v_tile {lsb_bits = 0 : i64, unit = "VEC1D"} : memref<2x4xi16>, memref<1xf32>, memref<2x4xf32>
// CHECK-NEXT:      accel.spmm %probs, %v_tile, %out {sliced = true, dataflow = "ws", unit = "PE2D_AV"} : memref<2x4xf32>, memref<2x4xf32>, memref<2x4xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    accel.dma_store_rows %out, %o_dram {tile = "o", bits = 12 : i64, unit = "DMA_OUT"} : memref<2x4xf32>, memref<1x1x4x4xf32>
func.func @encoder(%q: tensor<1x1x4x4xf32>, %km: tensor<1x1x4x4xi16>, %ks: tensor<1x1xf32>, %rows: tensor<1x4xi64>) -> tensor<1x1x4x4xf32> {
  %o, %colsum, %requant = tile.progressive_attention %q, %km, %km, %ks, %km, %ks rows %rows, %rows positions %rows, %rows pattern #attn.dense {msb_bits = 12 : i64, lsb_bits = 0 : i64, threshold = 0.0 : f64, context = 4 : i64, block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xi16>, tensor<1x1x4x4xi16>, tensor<1x1xf32>, tensor<1x1x4x4xi16>, tensor<1x1xf32>, tensor<1x4xi64>, tensor<1x4xi64>, tensor<1x4xi64>, tensor<1x4xi64>) -> (tensor<1x1x4x4xf32>, tensor<1x1x4xf64>, tensor<1x1x4xi1>)
  func.return %o : tensor<1x1x4x4xf32>
}

// -----

// Cascade head importance: a token kernel whose vector unit adds each
// head's output magnitudes at the heads' original indices, on top of the
// importance carried from the previous layer.  The outputs are on-chip
// state (gathered as "batch"): no DRAM transfer.
// CHECK-LABEL: func.func @head_importance
// CHECK:         %imp2 = accel.token_kernel %o, %heads, %imp target #accel.target<"spatten"> : (tensor<1x2x3x4xf32>, tensor<1x2xi64>, tensor<1x4xf64>) -> tensor<1x4xf64> {
// CHECK:           %outputs = memref.alloc() : memref<2x3x4xf32>
// CHECK:           accel.dma_gather %in0_dram, %outputs {tile = "batch", unit = "DMA"} : memref<1x2x3x4xf32>, memref<2x3x4xf32>
// CHECK-NEXT:      accel.dma_gather %in1_dram, %heads_1 {tile = "list", unit = "DMA"} : memref<1x2xi64>, memref<2xi64>
// CHECK-NEXT:      accel.dma_gather %in2_dram, %importance {tile = "list", unit = "DMA"} : memref<1x4xf64>, memref<4xf64>
// CHECK-NEXT:      accel.head_importance_add %outputs, %heads_1, %importance {unit = "VEC1D"} : memref<2x3x4xf32>, memref<2xi64>, memref<4xf64>
// CHECK-NEXT:      accel.dma_store_rows %importance, %out_dram {tile = "list", unit = "DMA_OUT"} : memref<4xf64>, memref<1x4xf64>
// CHECK-NOT:     attn.head_importance
func.func @head_importance(%o: tensor<1x2x3x4xf32>, %heads: tensor<1x2xi64>, %imp: tensor<1x4xf64>) -> tensor<1x4xf64> {
  %imp2 = attn.head_importance %o heads %heads into %imp : (tensor<1x2x3x4xf32>, tensor<1x2xi64>, tensor<1x4xf64>) -> tensor<1x4xf64>
  func.return %imp2 : tensor<1x4xf64>
}

// END-OF-COMMON-CHUNKS: the runs that succeed stop here.

// -----

// 400000 listed keys: the key buffer alone (400000 x 64 MSBs, two copies as
// the fetcher double-buffers) overflows SpAtten's 3 MiB of buffers.
// ERR: error: convert-spatten-to-accel: buffers do not fit target 'spatten': buffer 'key_msb' needs 51200000 bytes, all buffers need {{[0-9]+}} bytes, 3145728 bytes are available
func.func @too_big(%q: tensor<1x1x1x64xf32>, %km: tensor<1x1x400000x64xi8>, %ks: tensor<1x1xf32>, %rows: tensor<1x400000xi64>, %qr: tensor<1x1xi64>) -> tensor<1x1x1x64xf32> {
  %o, %colsum, %requant = tile.progressive_attention %q, %km, %km, %ks, %km, %ks rows %qr, %rows positions %qr, %rows pattern #attn.dense {msb_bits = 6 : i64, lsb_bits = 0 : i64, threshold = 0.0 : f64, context = 400000 : i64, block_q = 1 : i64, block_k = 64 : i64, scale = 0.125 : f64} : (tensor<1x1x1x64xf32>, tensor<1x1x400000x64xi8>, tensor<1x1x400000x64xi8>, tensor<1x1xf32>, tensor<1x1x400000x64xi8>, tensor<1x1xf32>, tensor<1x1xi64>, tensor<1x400000xi64>, tensor<1x1xi64>, tensor<1x400000xi64>) -> (tensor<1x1x1x64xf32>, tensor<1x1x400000xf64>, tensor<1x1x1xi1>)
  func.return %o : tensor<1x1x1x64xf32>
}
