// Round trip of the accel dialect: accel.kernel with #accel.blocks and
// #accel.band iterations, #accel.target with a preset and with overrides,
// accel.step and every instruction, in the custom and the generic form.
//
// RUN: attn-opt %s | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC
// The printed text is a fixed point of print/parse, in both forms:
// RUN: attn-opt %s | attn-opt > %t1 && attn-opt %t1 | attn-opt > %t2 && diff %t1 %t2
// RUN: attn-opt %s --print-op-generic > %t3 && attn-opt %t3 --print-op-generic > %t4 && diff %t3 %t4

// The generic block kernel (convert-attn-to-accel's 1-pass cascade) with a
// mask, block-sparse over two per-head tile tables (8 queries in tiles of
// 4), on a preset target.  The q tile moves at 8 bits per element.
// CHECK-LABEL: func.func @blocks
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v, %m target #accel.target<"fusemax"> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 2>, full = array<i8: 0, 0>>, #tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 0, 0>>]> pattern #attn.intersect<[#attn.mask, #attn.causal]> {scale = 5.000000e-01 : f64, schedule = "generic"} : (tensor<1x2x8x4xf16>, tensor<1x2x8x4xf16>, tensor<1x2x8x4xf16>, tensor<1x1x8x8xi1>) -> tensor<1x2x8x4xf16> {
// CHECK-NEXT:    ^bb0(%qd: memref<1x2x8x4xf16>, %kd: memref<1x2x8x4xf16>, %vd: memref<1x2x8x4xf16>, %md: memref<1x1x8x8xi1>, %od: memref<1x2x8x4xf16>):
// CHECK-NEXT:      %qb = memref.alloc() : memref<4x4xf16>
// CHECK-NEXT:      %kb = memref.alloc() : memref<4x4xf16>
// CHECK-NEXT:      %vb = memref.alloc() : memref<4x4xf16>
// CHECK-NEXT:      %mb = memref.alloc() : memref<4x4xf16>
// CHECK-NEXT:      %s = memref.alloc() : memref<4x4xf32>
// CHECK-NEXT:      %tm = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      %rm = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      %f = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      %ts = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      %rs = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      %to = memref.alloc() : memref<4x4xf32>
// CHECK-NEXT:      %acc = memref.alloc() : memref<4x4xf32>
// CHECK-NEXT:      accel.dma_load %qd, %qb {tile = "q", bits = 8 : i64, unit = "DMA"} : memref<1x2x8x4xf16>, memref<4x4xf16>
// CHECK-NEXT:      accel.fill %rm {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<4xf32>
// CHECK-NEXT:      accel.fill %rs {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4xf32>
// CHECK-NEXT:      accel.fill %acc {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4x4xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x2x8x4xf16>, memref<4x4xf16>
// CHECK-NEXT:        accel.dma_load %vd, %vb {tile = "v", unit = "DMA"} : memref<1x2x8x4xf16>, memref<4x4xf16>
// CHECK-NEXT:        accel.dma_load %md, %mb {tile = "mask", unit = "DMA"} : memref<1x1x8x8xi1>, memref<4x4xf16>
// CHECK-NEXT:        accel.sddmm %qb, %kb, %s mask %mb {unit = "PE2D"} : memref<4x4xf16>, memref<4x4xf16>, memref<4x4xf32>, memref<4x4xf16>
// CHECK-NEXT:        accel.scale %s {factor = 5.000000e-01 : f64, unit = "PE2D"} : memref<4x4xf32>
// CHECK-NEXT:        accel.reduce %s, %tm {kind = "max", unit = "PE2D"} : memref<4x4xf32>, memref<4xf32>
// CHECK-NEXT:        accel.max_update %rm, %tm, %f {unit = "VEC1D"} : memref<4xf32>, memref<4xf32>, memref<4xf32>
// CHECK-NEXT:        accel.exp %s shift %rm {unit = "PE2D"} : memref<4x4xf32>, memref<4xf32>
// CHECK-NEXT:        accel.reduce %s, %ts {kind = "sum", unit = "PE2D"} : memref<4x4xf32>, memref<4xf32>
// CHECK-NEXT:        accel.spmm %s, %vb, %to {unit = "PE2D"} : memref<4x4xf32>, memref<4x4xf16>, memref<4x4xf32>
// CHECK-NEXT:        accel.accumulate %acc, %rs, %f, %to, %ts {unit = "VEC1D"} : memref<4x4xf32>, memref<4xf32>, memref<4xf32>, memref<4x4xf32>, memref<4xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.normalize %acc, %rs {unit = "VEC1D"} : memref<4x4xf32>, memref<4xf32>
// CHECK-NEXT:      accel.dma_store %acc, %od {unit = "DMA_OUT"} : memref<4x4xf32>, memref<1x2x8x4xf16>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o
// GENERIC-LABEL: sym_name = "blocks"
// GENERIC:       %o = "accel.kernel"(%q, %k, %v, %m) <{target = #accel.target<"fusemax">, iteration = #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 2>, full = array<i8: 0, 0>>, #tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 0, 0>>]>, pattern = #attn.intersect<[#attn.mask, #attn.causal]>, scale = 5.000000e-01 : f64, schedule = "generic"}> ({
// GENERIC-NEXT:  ^bb0(%qd: memref<1x2x8x4xf16>, %kd: memref<1x2x8x4xf16>, %vd: memref<1x2x8x4xf16>, %md: memref<1x1x8x8xi1>, %od: memref<1x2x8x4xf16>):
// GENERIC:         "accel.dma_load"(%qd, %qb) <{tile = "q", bits = 8 : i64, unit = "DMA"}> : (memref<1x2x8x4xf16>, memref<4x4xf16>) -> ()
// GENERIC-NEXT:    "accel.fill"(%rm) <{value = 0xfff0000000000000 : f64, unit = "VEC1D"}> : (memref<4xf32>) -> ()
// GENERIC:         "accel.step"() ({
// GENERIC:           "accel.dma_load"(%md, %mb) <{tile = "mask", unit = "DMA"}> : (memref<1x1x8x8xi1>, memref<4x4xf16>) -> ()
// GENERIC-NEXT:      "accel.sddmm"(%qb, %kb, %s, %mb) <{unit = "PE2D"}> : (memref<4x4xf16>, memref<4x4xf16>, memref<4x4xf32>, memref<4x4xf16>) -> ()
// GENERIC-NEXT:      "accel.scale"(%s) <{factor = 5.000000e-01 : f64, unit = "PE2D"}> : (memref<4x4xf32>) -> ()
// GENERIC-NEXT:      "accel.reduce"(%s, %tm) <{kind = "max", unit = "PE2D"}> : (memref<4x4xf32>, memref<4xf32>) -> ()
// GENERIC-NEXT:      "accel.max_update"(%rm, %tm, %f) <{unit = "VEC1D"}> : (memref<4xf32>, memref<4xf32>, memref<4xf32>) -> ()
// GENERIC-NEXT:      "accel.exp"(%s, %rm) <{unit = "PE2D"}> : (memref<4x4xf32>, memref<4xf32>) -> ()
// GENERIC-NEXT:      "accel.reduce"(%s, %ts) <{kind = "sum", unit = "PE2D"}> : (memref<4x4xf32>, memref<4xf32>) -> ()
// GENERIC-NEXT:      "accel.spmm"(%s, %vb, %to) <{unit = "PE2D"}> : (memref<4x4xf32>, memref<4x4xf16>, memref<4x4xf32>) -> ()
// GENERIC-NEXT:      "accel.accumulate"(%acc, %rs, %f, %to, %ts) <{unit = "VEC1D"}> : (memref<4x4xf32>, memref<4xf32>, memref<4xf32>, memref<4x4xf32>, memref<4xf32>) -> ()
// GENERIC-NEXT:    }) : () -> ()
// GENERIC-NEXT:    "accel.normalize"(%acc, %rs) <{unit = "VEC1D"}> : (memref<4x4xf32>, memref<4xf32>) -> ()
// GENERIC-NEXT:    "accel.dma_store"(%acc, %od) <{unit = "DMA_OUT"}> : (memref<4x4xf32>, memref<1x2x8x4xf16>) -> ()
// GENERIC-NEXT:  }) : (tensor<1x2x8x4xf16>, tensor<1x2x8x4xf16>, tensor<1x2x8x4xf16>, tensor<1x1x8x8xi1>) -> tensor<1x2x8x4xf16>
func.func @blocks(%q: tensor<1x2x8x4xf16>, %k: tensor<1x2x8x4xf16>, %v: tensor<1x2x8x4xf16>, %m: tensor<1x1x8x8xi1>) -> tensor<1x2x8x4xf16> {
  %o = accel.kernel %q, %k, %v, %m target #accel.target<"fusemax">
         iteration #accel.blocks<q = 4, k = 4, tables = [
           #tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 2>, full = array<i8: 0, 0>>,
           #tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 0, 0>>]>
         pattern #attn.intersect<[#attn.mask, #attn.causal]> {scale = 0.5 : f64, schedule = "generic"}
         : (tensor<1x2x8x4xf16>, tensor<1x2x8x4xf16>, tensor<1x2x8x4xf16>, tensor<1x1x8x8xi1>) -> tensor<1x2x8x4xf16> {
  ^bb0(%qd: memref<1x2x8x4xf16>, %kd: memref<1x2x8x4xf16>, %vd: memref<1x2x8x4xf16>, %md: memref<1x1x8x8xi1>, %od: memref<1x2x8x4xf16>):
    %qb = memref.alloc() : memref<4x4xf16>
    %kb = memref.alloc() : memref<4x4xf16>
    %vb = memref.alloc() : memref<4x4xf16>
    %mb = memref.alloc() : memref<4x4xf16>
    %s = memref.alloc() : memref<4x4xf32>
    %tm = memref.alloc() : memref<4xf32>
    %rm = memref.alloc() : memref<4xf32>
    %f = memref.alloc() : memref<4xf32>
    %ts = memref.alloc() : memref<4xf32>
    %rs = memref.alloc() : memref<4xf32>
    %to = memref.alloc() : memref<4x4xf32>
    %acc = memref.alloc() : memref<4x4xf32>
    accel.dma_load %qd, %qb {tile = "q", bits = 8 : i64, unit = "DMA"} : memref<1x2x8x4xf16>, memref<4x4xf16>
    accel.fill %rm {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<4xf32>
    accel.fill %rs {value = 0.0 : f64, unit = "VEC1D"} : memref<4xf32>
    accel.fill %acc {value = 0.0 : f64, unit = "VEC1D"} : memref<4x4xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x2x8x4xf16>, memref<4x4xf16>
      accel.dma_load %vd, %vb {tile = "v", unit = "DMA"} : memref<1x2x8x4xf16>, memref<4x4xf16>
      accel.dma_load %md, %mb {tile = "mask", unit = "DMA"} : memref<1x1x8x8xi1>, memref<4x4xf16>
      accel.sddmm %qb, %kb, %s mask %mb {unit = "PE2D"} : memref<4x4xf16>, memref<4x4xf16>, memref<4x4xf32>, memref<4x4xf16>
      accel.scale %s {factor = 0.5 : f64, unit = "PE2D"} : memref<4x4xf32>
      accel.reduce %s, %tm {kind = "max", unit = "PE2D"} : memref<4x4xf32>, memref<4xf32>
      accel.max_update %rm, %tm, %f {unit = "VEC1D"} : memref<4xf32>, memref<4xf32>, memref<4xf32>
      accel.exp %s shift %rm {unit = "PE2D"} : memref<4x4xf32>, memref<4xf32>
      accel.reduce %s, %ts {kind = "sum", unit = "PE2D"} : memref<4x4xf32>, memref<4xf32>
      accel.spmm %s, %vb, %to {unit = "PE2D"} : memref<4x4xf32>, memref<4x4xf16>, memref<4x4xf32>
      accel.accumulate %acc, %rs, %f, %to, %ts {unit = "VEC1D"} : memref<4x4xf32>, memref<4xf32>, memref<4xf32>, memref<4x4xf32>, memref<4xf32>
    }
    accel.normalize %acc, %rs {unit = "VEC1D"} : memref<4x4xf32>, memref<4xf32>
    accel.dma_store %acc, %od {unit = "DMA_OUT"} : memref<4x4xf32>, memref<1x2x8x4xf16>
  }
  func.return %o : tensor<1x2x8x4xf16>
}

// SALO's band kernel: a window with per-head dilation 1 and 2 and global
// tokens 0 and 3, on salo with two parameters overridden (printed sorted by
// name, floats as Python writes them).  exp without a shift (SALO's PEs
// have no max stage), merge of the parts, global_rows beside the array;
// pipeline and double_buffer flags.
// CHECK-LABEL: func.func @band
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"salo", clock_hz = 2000000000.0, pe_rows = 64> iteration #accel.band<rows = 4, cols = 4, parts = 2, left = 3, right = 3, dilation = [1, 2], globals = [0, 3]> pattern #attn.union<[#attn.window<left = 3, right = 3, dilation = [1, 2]>, #attn.global<[0, 3]>]> {scale = 2.500000e-01 : f64, schedule = "salo", pipeline = true, double_buffer = false} : (tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32> {
// CHECK-NEXT:    ^bb0(%qd: memref<2x2x16x8xf32>, %kd: memref<2x2x16x8xf32>, %vd: memref<2x2x16x8xf32>, %od: memref<2x2x16x8xf32>):
// CHECK-NEXT:      %qb = memref.alloc() : memref<4x8xf32>
// CHECK-NEXT:      %kb = memref.alloc() : memref<9x8xf32>
// CHECK-NEXT:      %vb = memref.alloc() : memref<9x8xf32>
// CHECK-NEXT:      %s = memref.alloc() : memref<4x6xf32>
// CHECK-NEXT:      %ps = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      %t = memref.alloc() : memref<4xf32>
// CHECK-NEXT:      %po = memref.alloc() : memref<4x8xf32>
// CHECK-NEXT:      %out = memref.alloc() : memref<4x8xf32>
// CHECK-NEXT:      accel.dma_load %qd, %qb {tile = "q", unit = "DMA"} : memref<2x2x16x8xf32>, memref<4x8xf32>
// CHECK-NEXT:      accel.fill %t {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4xf32>
// CHECK-NEXT:      accel.fill %out {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<4x8xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<2x2x16x8xf32>, memref<9x8xf32>
// CHECK-NEXT:        accel.dma_load %vd, %vb {tile = "v", unit = "DMA"} : memref<2x2x16x8xf32>, memref<9x8xf32>
// CHECK-NEXT:        accel.sddmm %qb, %kb, %s {unit = "PE2D"} : memref<4x8xf32>, memref<9x8xf32>, memref<4x6xf32>
// CHECK-NEXT:        accel.scale %s {factor = 2.500000e-01 : f64, unit = "PE2D"} : memref<4x6xf32>
// CHECK-NEXT:        accel.exp %s {unit = "PE2D"} : memref<4x6xf32>
// CHECK-NEXT:        accel.reduce %s, %ps {kind = "sum", unit = "PE2D"} : memref<4x6xf32>, memref<4xf32>
// CHECK-NEXT:        accel.normalize %s, %ps {unit = "PE2D"} : memref<4x6xf32>, memref<4xf32>
// CHECK-NEXT:        accel.spmm %s, %vb, %po {unit = "PE2D"} : memref<4x6xf32>, memref<9x8xf32>, memref<4x8xf32>
// CHECK-NEXT:        accel.merge %out, %t, %po, %ps {unit = "VEC1D"} : memref<4x8xf32>, memref<4xf32>, memref<4x8xf32>, memref<4xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.dma_store %out, %od {unit = "DMA_OUT"} : memref<4x8xf32>, memref<2x2x16x8xf32>
// CHECK-NEXT:      accel.global_rows %qd, %kd, %vd, %od {unit = "GLOBAL"} : memref<2x2x16x8xf32>, memref<2x2x16x8xf32>, memref<2x2x16x8xf32>, memref<2x2x16x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o
// GENERIC-LABEL: sym_name = "band"
// GENERIC:       %o = "accel.kernel"(%q, %k, %v) <{target = #accel.target<"salo", clock_hz = 2000000000.0, pe_rows = 64>, iteration = #accel.band<rows = 4, cols = 4, parts = 2, left = 3, right = 3, dilation = [1, 2], globals = [0, 3]>, pattern = #attn.union<[#attn.window<left = 3, right = 3, dilation = [1, 2]>, #attn.global<[0, 3]>]>, scale = 2.500000e-01 : f64, schedule = "salo", pipeline = true, double_buffer = false}> ({
// GENERIC:           "accel.exp"(%s) <{unit = "PE2D"}> : (memref<4x6xf32>) -> ()
// GENERIC:           "accel.merge"(%out, %t, %po, %ps) <{unit = "VEC1D"}> : (memref<4x8xf32>, memref<4xf32>, memref<4x8xf32>, memref<4xf32>) -> ()
// GENERIC:         "accel.global_rows"(%qd, %kd, %vd, %od) <{unit = "GLOBAL"}> : (memref<2x2x16x8xf32>, memref<2x2x16x8xf32>, memref<2x2x16x8xf32>, memref<2x2x16x8xf32>) -> ()
func.func @band(%q: tensor<2x2x16x8xf32>, %k: tensor<2x2x16x8xf32>, %v: tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"salo", pe_rows = 64, clock_hz = 2.0e9>
         iteration #accel.band<rows = 4, cols = 4, parts = 2, left = 3, right = 3, dilation = [1, 2], globals = [0, 3]>
         pattern #attn.union<[#attn.window<left = 3, right = 3, dilation = [1, 2]>, #attn.global<[0, 3]>]>
         {scale = 0.25 : f64, schedule = "salo", pipeline = true, double_buffer = false}
         : (tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>, tensor<2x2x16x8xf32>) -> tensor<2x2x16x8xf32> {
  ^bb0(%qd: memref<2x2x16x8xf32>, %kd: memref<2x2x16x8xf32>, %vd: memref<2x2x16x8xf32>, %od: memref<2x2x16x8xf32>):
    %qb = memref.alloc() : memref<4x8xf32>
    %kb = memref.alloc() : memref<9x8xf32>
    %vb = memref.alloc() : memref<9x8xf32>
    %s = memref.alloc() : memref<4x6xf32>
    %ps = memref.alloc() : memref<4xf32>
    %t = memref.alloc() : memref<4xf32>
    %po = memref.alloc() : memref<4x8xf32>
    %out = memref.alloc() : memref<4x8xf32>
    accel.dma_load %qd, %qb {tile = "q", unit = "DMA"} : memref<2x2x16x8xf32>, memref<4x8xf32>
    accel.fill %t {value = 0.0 : f64, unit = "VEC1D"} : memref<4xf32>
    accel.fill %out {value = 0.0 : f64, unit = "VEC1D"} : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<2x2x16x8xf32>, memref<9x8xf32>
      accel.dma_load %vd, %vb {tile = "v", unit = "DMA"} : memref<2x2x16x8xf32>, memref<9x8xf32>
      accel.sddmm %qb, %kb, %s {unit = "PE2D"} : memref<4x8xf32>, memref<9x8xf32>, memref<4x6xf32>
      accel.scale %s {factor = 0.25 : f64, unit = "PE2D"} : memref<4x6xf32>
      accel.exp %s {unit = "PE2D"} : memref<4x6xf32>
      accel.reduce %s, %ps {kind = "sum", unit = "PE2D"} : memref<4x6xf32>, memref<4xf32>
      accel.normalize %s, %ps {unit = "PE2D"} : memref<4x6xf32>, memref<4xf32>
      accel.spmm %s, %vb, %po {unit = "PE2D"} : memref<4x6xf32>, memref<9x8xf32>, memref<4x8xf32>
      accel.merge %out, %t, %po, %ps {unit = "VEC1D"} : memref<4x8xf32>, memref<4xf32>, memref<4x8xf32>, memref<4xf32>
    }
    accel.dma_store %out, %od {unit = "DMA_OUT"} : memref<4x8xf32>, memref<2x2x16x8xf32>
    accel.global_rows %qd, %kd, %vd, %od {unit = "GLOBAL"} : memref<2x2x16x8xf32>, memref<2x2x16x8xf32>, memref<2x2x16x8xf32>, memref<2x2x16x8xf32>
  }
  func.return %o : tensor<2x2x16x8xf32>
}

// FLAT's row kernel: two steps (scores over every key tile into a row
// buffer, then PV over every value tile), sliced sddmm and spmm with the
// weight-stationary dataflow, one dense table shared by the heads; the
// kv_resident flag and the other units of the target.  Target overrides
// print sorted; floats keep a '.' so that they parse back (Python writes
// 1e16 as 1e+16, which the lexer would read as the integer 1).
// CHECK-LABEL: func.func @rows
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"flat", dram_bytes_per_s = 1.0e+16, exp_cycles = 4> iteration #accel.blocks<q = 2, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>]> pattern #attn.dense {scale = 1.000000e+00 : f64, schedule = "flat", double_buffer = true, kv_resident = true} : (tensor<1x1x4x8xbf16>, tensor<1x1x8x8xbf16>, tensor<1x1x8x2xbf16>) -> tensor<1x1x4x2xbf16> {
// CHECK:           accel.fill %sr {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<2x8xf32>
// CHECK-NEXT:      accel.fill %out {value = 1.000000e+00 : f64, unit = "VEC1D"} : memref<2x2xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x8x8xbf16>, memref<4x8xbf16>
// CHECK-NEXT:        accel.sddmm %qb, %kb, %sr {sliced = true, dataflow = "ws", unit = "PE2D"} : memref<2x8xbf16>, memref<4x8xbf16>, memref<2x8xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.scale %sr {factor = 1.000000e+00 : f64, unit = "PE2D"} : memref<2x8xf32>
// CHECK-NEXT:      accel.reduce %sr, %mx {kind = "max", unit = "VEC1D"} : memref<2x8xf32>, memref<2xf32>
// CHECK-NEXT:      accel.exp %sr shift %mx {unit = "VEC1D"} : memref<2x8xf32>, memref<2xf32>
// CHECK-NEXT:      accel.reduce %sr, %sm {kind = "sum", unit = "VEC1D"} : memref<2x8xf32>, memref<2xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %vd, %vb {tile = "v", bits = 4 : i64, unit = "CODEC"} : memref<1x1x8x2xbf16>, memref<4x2xbf16>
// CHECK-NEXT:        accel.spmm %sr, %vb, %out {sliced = false, dataflow = "os", unit = "TOPK"} : memref<2x8xf32>, memref<4x2xbf16>, memref<2x2xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:      accel.normalize %out, %sm {unit = "VEC1D"} : memref<2x2xf32>, memref<2xf32>
// CHECK-NEXT:      accel.dma_store %out, %od {unit = "DMA_OUT"} : memref<2x2xf32>, memref<1x1x4x2xbf16>
// CHECK-NEXT:    }
// GENERIC-LABEL: sym_name = "rows"
// GENERIC:       <{target = #accel.target<"flat", dram_bytes_per_s = 1.0e+16, exp_cycles = 4>, iteration = #accel.blocks<q = 2, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>]>, pattern = #attn.dense, scale = 1.000000e+00 : f64, schedule = "flat", double_buffer = true, kv_resident = true}>
// GENERIC:           "accel.sddmm"(%qb, %kb, %sr) <{sliced = true, dataflow = "ws", unit = "PE2D"}> : (memref<2x8xbf16>, memref<4x8xbf16>, memref<2x8xf32>) -> ()
// GENERIC:           "accel.dma_load"(%vd, %vb) <{tile = "v", bits = 4 : i64, unit = "CODEC"}> : (memref<1x1x8x2xbf16>, memref<4x2xbf16>) -> ()
// GENERIC-NEXT:      "accel.spmm"(%sr, %vb, %out) <{sliced = false, dataflow = "os", unit = "TOPK"}> : (memref<2x8xf32>, memref<4x2xbf16>, memref<2x2xf32>) -> ()
func.func @rows(%q: tensor<1x1x4x8xbf16>, %k: tensor<1x1x8x8xbf16>, %v: tensor<1x1x8x2xbf16>) -> tensor<1x1x4x2xbf16> {
  %o = accel.kernel %q, %k, %v target #accel.target<"flat", exp_cycles = 4, dram_bytes_per_s = 1.0e16> iteration #accel.blocks<q = 2, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>]> pattern #attn.dense {scale = 1.0 : f64, schedule = "flat", double_buffer = true, kv_resident = true} : (tensor<1x1x4x8xbf16>, tensor<1x1x8x8xbf16>, tensor<1x1x8x2xbf16>) -> tensor<1x1x4x2xbf16> {
  ^bb0(%qd: memref<1x1x4x8xbf16>, %kd: memref<1x1x8x8xbf16>, %vd: memref<1x1x8x2xbf16>, %od: memref<1x1x4x2xbf16>):
    %qb = memref.alloc() : memref<2x8xbf16>
    %kb = memref.alloc() : memref<4x8xbf16>
    %vb = memref.alloc() : memref<4x2xbf16>
    %sr = memref.alloc() : memref<2x8xf32>
    %mx = memref.alloc() : memref<2xf32>
    %sm = memref.alloc() : memref<2xf32>
    %out = memref.alloc() : memref<2x2xf32>
    accel.dma_load %qd, %qb {tile = "q", unit = "DMA"} : memref<1x1x4x8xbf16>, memref<2x8xbf16>
    accel.fill %sr {value = 0xfff0000000000000 : f64, unit = "VEC1D"} : memref<2x8xf32>
    accel.fill %out {value = 1.0 : f64, unit = "VEC1D"} : memref<2x2xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x8x8xbf16>, memref<4x8xbf16>
      accel.sddmm %qb, %kb, %sr {sliced = true, dataflow = "ws", unit = "PE2D"} : memref<2x8xbf16>, memref<4x8xbf16>, memref<2x8xf32>
    }
    accel.scale %sr {factor = 1.0 : f64, unit = "PE2D"} : memref<2x8xf32>
    accel.reduce %sr, %mx {kind = "max", unit = "VEC1D"} : memref<2x8xf32>, memref<2xf32>
    accel.exp %sr shift %mx {unit = "VEC1D"} : memref<2x8xf32>, memref<2xf32>
    accel.reduce %sr, %sm {kind = "sum", unit = "VEC1D"} : memref<2x8xf32>, memref<2xf32>
    accel.step {
      accel.dma_load %vd, %vb {tile = "v", bits = 4 : i64, unit = "CODEC"} : memref<1x1x8x2xbf16>, memref<4x2xbf16>
      accel.spmm %sr, %vb, %out {sliced = false, dataflow = "os", unit = "TOPK"} : memref<2x8xf32>, memref<4x2xbf16>, memref<2x2xf32>
    }
    accel.normalize %out, %sm {unit = "VEC1D"} : memref<2x2xf32>, memref<2xf32>
    accel.dma_store %out, %od {unit = "DMA_OUT"} : memref<2x2xf32>, memref<1x1x4x2xbf16>
  }
  func.return %o : tensor<1x1x4x2xbf16>
}
