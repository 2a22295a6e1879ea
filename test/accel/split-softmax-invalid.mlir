// Diagnostics of the split-cascade and spill ops and of query_block.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics

func.func @running_max(%q: tensor<1x1x8x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax"> iteration #accel.blocks<q = 8, k = 8, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  ^bb0(%qd: memref<1x1x8x8xf32>, %kd: memref<1x1x8x8xf32>, %vd: memref<1x1x8x8xf32>, %od: memref<1x1x8x8xf32>):
    %a = memref.alloc() : memref<4xf32>
    %b = memref.alloc() : memref<8xf32>
    %c = memref.alloc() : memref<4xf32>
    accel.step {
      // expected-error @+1 {{'accel.running_max' running, tile_max and previous must be [rows] buffers of one shape, got 4, 8, 4}}
      accel.running_max %a, %b, %c {unit = "VEC1D"} : memref<4xf32>, memref<8xf32>, memref<4xf32>
    }
  }
  func.return %o : tensor<1x1x8x8xf32>
}

// -----

func.func @rescale(%q: tensor<1x1x8x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax"> iteration #accel.blocks<q = 8, k = 8, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  ^bb0(%qd: memref<1x1x8x8xf32>, %kd: memref<1x1x8x8xf32>, %vd: memref<1x1x8x8xf32>, %od: memref<1x1x8x8xf32>):
    %a = memref.alloc() : memref<4x8xf32>
    %b = memref.alloc() : memref<8xf32>
    accel.step {
      // expected-error @+1 {{'accel.rescale' factor must have shape 4 (one element per row), got 8}}
      accel.rescale %a, %b {unit = "VEC1D"} : memref<4x8xf32>, memref<8xf32>
    }
  }
  func.return %o : tensor<1x1x8x8xf32>
}

// -----

func.func @add(%q: tensor<1x1x8x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax"> iteration #accel.blocks<q = 8, k = 8, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  ^bb0(%qd: memref<1x1x8x8xf32>, %kd: memref<1x1x8x8xf32>, %vd: memref<1x1x8x8xf32>, %od: memref<1x1x8x8xf32>):
    %a = memref.alloc() : memref<4x8xf32>
    %b = memref.alloc() : memref<8x4xf32>
    accel.step {
      // expected-error @+1 {{'accel.add' acc and addend disagree on shape (4x8 vs 8x4)}}
      accel.add %a, %b {unit = "VEC1D"} : memref<4x8xf32>, memref<8x4xf32>
    }
  }
  func.return %o : tensor<1x1x8x8xf32>
}

// -----

func.func @spill_rows(%q: tensor<1x1x8x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax"> iteration #accel.blocks<q = 8, k = 8, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  ^bb0(%qd: memref<1x1x8x8xf32>, %kd: memref<1x1x8x8xf32>, %vd: memref<1x1x8x8xf32>, %od: memref<1x1x8x8xf32>):
    %a = memref.alloc() : memref<4x8xf16>
    accel.step {
      // expected-error @+1 {{'accel.spill' rows must lie in 1..4 (the buffer's rows), got 5}}
      accel.spill %a {rows = 5 : i64, direction = "store", unit = "DMA"} : memref<4x8xf16>
    }
  }
  func.return %o : tensor<1x1x8x8xf32>
}

// -----

func.func @spill_direction(%q: tensor<1x1x8x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax"> iteration #accel.blocks<q = 8, k = 8, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  ^bb0(%qd: memref<1x1x8x8xf32>, %kd: memref<1x1x8x8xf32>, %vd: memref<1x1x8x8xf32>, %od: memref<1x1x8x8xf32>):
    %a = memref.alloc() : memref<4x8xf16>
    accel.step {
      // expected-error @+1 {{'accel.spill' direction must be store or load, got 'out'}}
      accel.spill %a {rows = 1 : i64, direction = "out", unit = "DMA"} : memref<4x8xf16>
    }
  }
  func.return %o : tensor<1x1x8x8xf32>
}

// -----

func.func @query_block(%q: tensor<1x1x8x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  // expected-error @+1 {{'accel.kernel' query_block must be positive, got 0}}
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax"> iteration #accel.blocks<q = 8, k = 8, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64, query_block = 0 : i64} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  ^bb0(%qd: memref<1x1x8x8xf32>, %kd: memref<1x1x8x8xf32>, %vd: memref<1x1x8x8xf32>, %od: memref<1x1x8x8xf32>):
    %kb = memref.alloc() : memref<8x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x8x8xf32>, memref<8x8xf32>
    }
  }
  func.return %o : tensor<1x1x8x8xf32>
}
