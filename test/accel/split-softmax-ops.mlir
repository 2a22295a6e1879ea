// Round trip of the accel ops FuseMax's split cascade and FLAT's
// overlapped passes use: accel.running_max, accel.rescale, accel.add,
// accel.exp with a folded factor and an element-wise shift, sliced
// accel.reduce and accel.normalize, accel.spill, and the kernel properties
// query_block and overlap_lanes, in the custom and the generic form.
//
// RUN: attn-opt %s | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC
// RUN: attn-opt %s | attn-opt > %t1 && attn-opt %t1 | attn-opt > %t2 && diff %t1 %t2

// GENERIC: "accel.running_max"(%running_max, %tile_max, %rescale) <{unit = "VEC1D"}> : (memref<256xf16>, memref<256xf32>, memref<256xf32>) -> ()
// GENERIC: "accel.exp"(%rescale, %running_max) <{factor = 2.500000e-01 : f64, unit = "VEC1D"}> : (memref<256xf32>, memref<256xf16>) -> ()
// GENERIC: "accel.spill"(%score_rows) <{rows = 130 : i64, direction = "store", sliced = true, unit = "DMA"}> : (memref<256x1024xf16>) -> ()

// CHECK-LABEL: func.func @block_of_four
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"fusemax", buffer_bytes = 731136> iteration #accel.blocks<q = 256, k = 256, tables = [#tile.table<ptr = array<i32: 0, 1, 2, 3, 4>, start = array<i32: 0, 0, 0, 0>, count = array<i32: 4, 4, 4, 4>, full = array<i8: 1, 1, 1, 1>>]> pattern #attn.dense {scale = 2.500000e-01 : f64, schedule = "fusemax", pipeline = true, double_buffer = true, query_block = 4 : i64} : (tensor<1x1x1024x16xf32>, tensor<1x1x1024x16xf32>, tensor<1x1x1024x16xf32>) -> tensor<1x1x1024x16xf32> {
// CHECK-NEXT:    ^bb0(%q_dram: memref<1x1x1024x16xf32>, %k_dram: memref<1x1x1024x16xf32>, %v_dram: memref<1x1x1024x16xf32>, %o_dram: memref<1x1x1024x16xf32>):
// CHECK-NEXT:      %q_tile = memref.alloc() : memref<256x16xf32>
// CHECK-NEXT:      %k_tile = memref.alloc() : memref<256x16xf32>
// CHECK-NEXT:      %v_tile = memref.alloc() : memref<256x16xf32>
// CHECK-NEXT:      %running_max = memref.alloc() : memref<256xf16>
// CHECK-NEXT:      %running_sum = memref.alloc() : memref<256xf16>
// CHECK-NEXT:      %numerator = memref.alloc() : memref<256x16xf16>
// CHECK-NEXT:      %scores = memref.alloc() : memref<256x256xf32>
// CHECK-NEXT:      %tile_max = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %rescale = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %tile_sum = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %tile_out = memref.alloc() : memref<256x16xf32>
// CHECK-NEXT:      accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x1x1024x16xf32>, memref<256x16xf32>
// CHECK-NEXT:      accel.fill %running_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<256xf16>
// CHECK-NEXT:      accel.fill %running_sum {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<256xf16>
// CHECK-NEXT:      accel.fill %numerator {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<256x16xf16>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x1x1024x16xf32>, memref<256x16xf32>
// CHECK-NEXT:        accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x1x1024x16xf32>, memref<256x16xf32>
// CHECK-NEXT:        accel.sddmm %q_tile, %k_tile, %scores {unit = "PE2D"} : memref<256x16xf32>, memref<256x16xf32>, memref<256x256xf32>
// CHECK-NEXT:        accel.reduce %scores, %tile_max {kind = "max", unit = "PE2D"} : memref<256x256xf32>, memref<256xf32>
// CHECK-NEXT:        accel.running_max %running_max, %tile_max, %rescale {unit = "VEC1D"} : memref<256xf16>, memref<256xf32>, memref<256xf32>
// CHECK-NEXT:        accel.exp %scores shift %running_max {factor = 2.500000e-01 : f64, unit = "PE2D"} : memref<256x256xf32>, memref<256xf16>
// CHECK-NEXT:        accel.exp %rescale shift %running_max {factor = 2.500000e-01 : f64, unit = "VEC1D"} : memref<256xf32>, memref<256xf16>
// CHECK-NEXT:        accel.reduce %scores, %tile_sum {kind = "sum", unit = "PE2D"} : memref<256x256xf32>, memref<256xf32>
// CHECK-NEXT:        accel.rescale %running_sum, %rescale {unit = "VEC1D"} : memref<256xf16>, memref<256xf32>
// CHECK-NEXT:        accel.add %running_sum, %tile_sum {unit = "VEC1D"} : memref<256xf16>, memref<256xf32>
// CHECK-NEXT:        accel.spmm %scores, %v_tile, %tile_out {unit = "PE2D"} : memref<256x256xf32>, memref<256x16xf32>, memref<256x16xf32>
// CHECK-NEXT:        accel.rescale %numerator, %rescale {unit = "VEC1D"} : memref<256x16xf16>, memref<256xf32>
// CHECK-NEXT:        accel.add %numerator, %tile_out {unit = "VEC1D"} : memref<256x16xf16>, memref<256x16xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.normalize %numerator, %running_sum {unit = "VEC1D"} : memref<256x16xf16>, memref<256xf16>
// CHECK-NEXT:      accel.dma_store %numerator, %o_dram {unit = "DMA_OUT"} : memref<256x16xf16>, memref<1x1x1024x16xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o : tensor<1x1x1024x16xf32>
// CHECK-NEXT:  }
// CHECK-LABEL: func.func @halved
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"flat", buffer_bytes = 524288> iteration #accel.blocks<q = 256, k = 256, tables = [#tile.table<ptr = array<i32: 0, 1, 2, 3, 4>, start = array<i32: 0, 0, 0, 0>, count = array<i32: 4, 4, 4, 4>, full = array<i8: 1, 1, 1, 1>>]> pattern #attn.dense {scale = 1.250000e-01 : f64, schedule = "flat", double_buffer = true, overlap_lanes = true} : (tensor<1x1x1024x64xf16>, tensor<1x1x1024x64xf16>, tensor<1x1x1024x64xf16>) -> tensor<1x1x1024x64xf16> {
// CHECK-NEXT:    ^bb0(%q_dram: memref<1x1x1024x64xf16>, %k_dram: memref<1x1x1024x64xf16>, %v_dram: memref<1x1x1024x64xf16>, %o_dram: memref<1x1x1024x64xf16>):
// CHECK-NEXT:      %q_tile = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %k_tile = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %v_tile = memref.alloc() : memref<256x64xf16>
// CHECK-NEXT:      %score_rows = memref.alloc() : memref<256x1024xf16>
// CHECK-NEXT:      %row_max = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %row_sum = memref.alloc() : memref<256xf32>
// CHECK-NEXT:      %output = memref.alloc() : memref<256x64xf32>
// CHECK-NEXT:      accel.fill %row_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<256xf32>
// CHECK-NEXT:      accel.fill %output {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<256x64xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x1x1024x64xf16>, memref<256x64xf16>
// CHECK-NEXT:        accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x1x1024x64xf16>, memref<256x64xf16>
// CHECK-NEXT:        accel.sddmm %q_tile, %k_tile, %score_rows {sliced = true, unit = "PE2D"} : memref<256x64xf16>, memref<256x64xf16>, memref<256x1024xf16>
// CHECK-NEXT:        accel.reduce %score_rows, %row_max {kind = "max", sliced = true, unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
// CHECK-NEXT:        accel.spill %score_rows {rows = 130 : i64, direction = "store", sliced = true, unit = "DMA"} : memref<256x1024xf16>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.spill %score_rows {rows = 130 : i64, direction = "load", unit = "DMA"} : memref<256x1024xf16>
// CHECK-NEXT:      accel.exp %score_rows shift %row_max {factor = 1.250000e-01 : f64, unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
// CHECK-NEXT:      accel.reduce %score_rows, %row_sum {kind = "sum", unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
// CHECK-NEXT:      accel.spill %score_rows {rows = 130 : i64, direction = "store", unit = "DMA"} : memref<256x1024xf16>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.spill %score_rows {rows = 130 : i64, direction = "load", sliced = true, unit = "DMA"} : memref<256x1024xf16>
// CHECK-NEXT:        accel.normalize %score_rows, %row_sum {sliced = true, unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
// CHECK-NEXT:        accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x1x1024x64xf16>, memref<256x64xf16>
// CHECK-NEXT:        accel.spmm %score_rows, %v_tile, %output {sliced = true, unit = "PE2D"} : memref<256x1024xf16>, memref<256x64xf16>, memref<256x64xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.dma_store %output, %o_dram {unit = "DMA_OUT"} : memref<256x64xf32>, memref<1x1x1024x64xf16>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o : tensor<1x1x1024x64xf16>
// CHECK-NEXT:  }

func.func @block_of_four(%q: tensor<1x1x1024x16xf32>, %k: tensor<1x1x1024x16xf32>, %v: tensor<1x1x1024x16xf32>) -> tensor<1x1x1024x16xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax", buffer_bytes = 731136> iteration #accel.blocks<q = 256, k = 256, tables = [#tile.table<ptr = array<i32: 0, 1, 2, 3, 4>, start = array<i32: 0, 0, 0, 0>, count = array<i32: 4, 4, 4, 4>, full = array<i8: 1, 1, 1, 1>>]> pattern #attn.dense {scale = 2.500000e-01 : f64, schedule = "fusemax", pipeline = true, double_buffer = true, query_block = 4 : i64} : (tensor<1x1x1024x16xf32>, tensor<1x1x1024x16xf32>, tensor<1x1x1024x16xf32>) -> tensor<1x1x1024x16xf32> {
  ^bb0(%q_dram: memref<1x1x1024x16xf32>, %k_dram: memref<1x1x1024x16xf32>, %v_dram: memref<1x1x1024x16xf32>, %o_dram: memref<1x1x1024x16xf32>):
    %q_tile = memref.alloc() : memref<256x16xf32>
    %k_tile = memref.alloc() : memref<256x16xf32>
    %v_tile = memref.alloc() : memref<256x16xf32>
    %running_max = memref.alloc() : memref<256xf16>
    %running_sum = memref.alloc() : memref<256xf16>
    %numerator = memref.alloc() : memref<256x16xf16>
    %scores = memref.alloc() : memref<256x256xf32>
    %tile_max = memref.alloc() : memref<256xf32>
    %rescale = memref.alloc() : memref<256xf32>
    %tile_sum = memref.alloc() : memref<256xf32>
    %tile_out = memref.alloc() : memref<256x16xf32>
    accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x1x1024x16xf32>, memref<256x16xf32>
    accel.fill %running_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<256xf16>
    accel.fill %running_sum {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<256xf16>
    accel.fill %numerator {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<256x16xf16>
    accel.step {
      accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x1x1024x16xf32>, memref<256x16xf32>
      accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x1x1024x16xf32>, memref<256x16xf32>
      accel.sddmm %q_tile, %k_tile, %scores {unit = "PE2D"} : memref<256x16xf32>, memref<256x16xf32>, memref<256x256xf32>
      accel.reduce %scores, %tile_max {kind = "max", unit = "PE2D"} : memref<256x256xf32>, memref<256xf32>
      accel.running_max %running_max, %tile_max, %rescale {unit = "VEC1D"} : memref<256xf16>, memref<256xf32>, memref<256xf32>
      accel.exp %scores shift %running_max {factor = 2.500000e-01 : f64, unit = "PE2D"} : memref<256x256xf32>, memref<256xf16>
      accel.exp %rescale shift %running_max {factor = 2.500000e-01 : f64, unit = "VEC1D"} : memref<256xf32>, memref<256xf16>
      accel.reduce %scores, %tile_sum {kind = "sum", unit = "PE2D"} : memref<256x256xf32>, memref<256xf32>
      accel.rescale %running_sum, %rescale {unit = "VEC1D"} : memref<256xf16>, memref<256xf32>
      accel.add %running_sum, %tile_sum {unit = "VEC1D"} : memref<256xf16>, memref<256xf32>
      accel.spmm %scores, %v_tile, %tile_out {unit = "PE2D"} : memref<256x256xf32>, memref<256x16xf32>, memref<256x16xf32>
      accel.rescale %numerator, %rescale {unit = "VEC1D"} : memref<256x16xf16>, memref<256xf32>
      accel.add %numerator, %tile_out {unit = "VEC1D"} : memref<256x16xf16>, memref<256x16xf32>
    }
    accel.normalize %numerator, %running_sum {unit = "VEC1D"} : memref<256x16xf16>, memref<256xf16>
    accel.dma_store %numerator, %o_dram {unit = "DMA_OUT"} : memref<256x16xf16>, memref<1x1x1024x16xf32>
  }
  func.return %o : tensor<1x1x1024x16xf32>
}

func.func @halved(%q: tensor<1x1x1024x64xf16>, %k: tensor<1x1x1024x64xf16>, %v: tensor<1x1x1024x64xf16>) -> tensor<1x1x1024x64xf16> {
  %o = accel.kernel %q, %k, %v target #accel.target<"flat", buffer_bytes = 524288> iteration #accel.blocks<q = 256, k = 256, tables = [#tile.table<ptr = array<i32: 0, 1, 2, 3, 4>, start = array<i32: 0, 0, 0, 0>, count = array<i32: 4, 4, 4, 4>, full = array<i8: 1, 1, 1, 1>>]> pattern #attn.dense {scale = 1.250000e-01 : f64, schedule = "flat", double_buffer = true, overlap_lanes = true} : (tensor<1x1x1024x64xf16>, tensor<1x1x1024x64xf16>, tensor<1x1x1024x64xf16>) -> tensor<1x1x1024x64xf16> {
  ^bb0(%q_dram: memref<1x1x1024x64xf16>, %k_dram: memref<1x1x1024x64xf16>, %v_dram: memref<1x1x1024x64xf16>, %o_dram: memref<1x1x1024x64xf16>):
    %q_tile = memref.alloc() : memref<256x64xf16>
    %k_tile = memref.alloc() : memref<256x64xf16>
    %v_tile = memref.alloc() : memref<256x64xf16>
    %score_rows = memref.alloc() : memref<256x1024xf16>
    %row_max = memref.alloc() : memref<256xf32>
    %row_sum = memref.alloc() : memref<256xf32>
    %output = memref.alloc() : memref<256x64xf32>
    accel.fill %row_max {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<256xf32>
    accel.fill %output {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<256x64xf32>
    accel.step {
      accel.dma_load %q_dram, %q_tile {tile = "q", unit = "DMA"} : memref<1x1x1024x64xf16>, memref<256x64xf16>
      accel.dma_load %k_dram, %k_tile {tile = "k", unit = "DMA"} : memref<1x1x1024x64xf16>, memref<256x64xf16>
      accel.sddmm %q_tile, %k_tile, %score_rows {sliced = true, unit = "PE2D"} : memref<256x64xf16>, memref<256x64xf16>, memref<256x1024xf16>
      accel.reduce %score_rows, %row_max {kind = "max", sliced = true, unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
      accel.spill %score_rows {rows = 130 : i64, direction = "store", sliced = true, unit = "DMA"} : memref<256x1024xf16>
    }
    accel.spill %score_rows {rows = 130 : i64, direction = "load", unit = "DMA"} : memref<256x1024xf16>
    accel.exp %score_rows shift %row_max {factor = 1.250000e-01 : f64, unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
    accel.reduce %score_rows, %row_sum {kind = "sum", unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
    accel.spill %score_rows {rows = 130 : i64, direction = "store", unit = "DMA"} : memref<256x1024xf16>
    accel.step {
      accel.spill %score_rows {rows = 130 : i64, direction = "load", sliced = true, unit = "DMA"} : memref<256x1024xf16>
      accel.normalize %score_rows, %row_sum {sliced = true, unit = "VEC1D"} : memref<256x1024xf16>, memref<256xf32>
      accel.dma_load %v_dram, %v_tile {tile = "v", unit = "DMA"} : memref<1x1x1024x64xf16>, memref<256x64xf16>
      accel.spmm %score_rows, %v_tile, %output {sliced = true, unit = "PE2D"} : memref<256x1024xf16>, memref<256x64xf16>, memref<256x64xf32>
    }
    accel.dma_store %output, %o_dram {unit = "DMA_OUT"} : memref<256x64xf32>, memref<1x1x1024x64xf16>
  }
  func.return %o : tensor<1x1x1024x64xf16>
}
