// Inputs that crashed a tool under bench/fuzz.py, now one diagnostic each.
// RUN: attn-opt %s --split-input-file --verify-diagnostics
// RUN: not attn-run %S/Inputs/declaration.mlir --backend numpy 2>&1 | filecheck %s --check-prefix=DECL
// DECL: attn-run: error: function @decl is a declaration (no body) and cannot be run
// RUN: not attn-run %S/Inputs/unlowered-arith.mlir --backend numpy --check 2>&1 | filecheck %s --check-prefix=ARITH
// ARITH: attn-run: error: 'arith.constant' cannot be run here: no engine implements it; lower it first or remove it
// RUN: not attn-run %S/Inputs/gather-out-of-range.mlir --backend numpy 2>&1 | filecheck %s --check-prefix=GATHER
// RUN: not attn-run %S/Inputs/gather-out-of-range.mlir --backend numpy --check 2>&1 | filecheck %s --check-prefix=GATHER
// GATHER: attn-run: error: {{(@decode: )?}}attn.gather: indices must lie in 0 .. 7, got 27 .. 34

// An integer type wider than MLIR allows (xDSL could not format it, and
// its range check computed 2^4294967297 for minutes).
func.func @wide(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  // expected-error @+1 {{integer type 'i4294967297' is wider than 16777215 bits}}
  %o = tile.attention %q, %k, %v pattern #attn.causal tables [#tile.table<ptr = array<i4294967297: 0, 1, 3>, start = array<i32: 0, 0, 1>, count = array<i32: 1, 1, 1>, full = array<i8: 0, 1, 0>>] {footprint_bytes = 256 : i64, block_q = 4 : i64, block_k = 4 : i64, scale = 5.000000e-01 : f64} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  func.return %o : tensor<1x1x8x4xf32>
}

// -----

// A run whose start + count overflowed int64 passed as valid.
func.func @overflow(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{#attn.tiles: parameter 'start' is 9223372036854775807, out of range (at most 2^40 in magnitude)}}
  %o = attn.attention %q, %k, %v pattern #attn.tiles<block = [4, 4], shape = [8, 8], ptr = [0, 1, 3], start = [0, 0, 9223372036854775807], count = [1, 1, 1], bitmap = [0, -1, 0], bitmaps = "8cef"> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// -----

// accel.kernel checks its pattern against its shapes (a zero block size
// divided by zero in the schedules).
func.func @kernel(%q: tensor<1x1x32x16xf32>, %k: tensor<1x1x32x16xf32>, %v: tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
  // expected-error @+1 {{'accel.kernel' #attn.tiles: block sizes must be positive, got 0x0}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.band<rows = 32, cols = 32, parts = 1, left = 4, right = 4, dilation = [1], globals = []> pattern #attn.tiles<block = [0, 0], shape = [4, 4], ptr = [0], start = [], count = [], bitmap = []> {scale = 0.25 : f64, schedule = "salo", pipeline = true, double_buffer = false} : (tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
  ^bb0(%qd: memref<1x1x32x16xf32>, %kd: memref<1x1x32x16xf32>, %vd: memref<1x1x32x16xf32>, %od: memref<1x1x32x16xf32>):
    %kb = memref.alloc() : memref<63x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x32x16xf32>, memref<63x16xf32>
    }
  }
  func.return %o : tensor<1x1x32x16xf32>
}


// -----

// A zero-width integer array (xDSL divides by the width).
func.func @zero_width(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  // expected-error @+1 {{cannot parse this operation: integer modulo by zero}}
  %o = tile.attention %q, %k, %v pattern #attn.causal tables [#tile.table<ptr = array<i0: 0>, start = array<i32: 0, 0, 1>, count = array<i32: 1, 1, 1>, full = array<i8: 0, 1, 0>>] {footprint_bytes = 256 : i64, block_q = 4 : i64, block_k = 4 : i64, scale = 5.000000e-01 : f64} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  func.return %o : tensor<1x1x8x4xf32>
}

// -----

// Pattern parameters past 2^40 overflowed int64 index arithmetic in tiling.
func.func @huge(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // expected-error @+1 {{#attn.strided: parameter 'stride' is 9223372036854775808, out of range (at most 2^40 in magnitude)}}
  %o = attn.attention %q, %k, %v pattern #attn.strided<stride = 9223372036854775808> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}


// -----

// A scale past f32's range made every score inf: the engines' outputs were
// NaN where the float64 reference's were not.
func.func @huge_scale(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  // expected-error @+1 {{'attn.attention' scale 2.5e+65 does not fit in f32}}
  %o = attn.attention %q, %k, %v pattern #attn.causal {scale = 2.5e65 : f64} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  func.return %o : tensor<1x1x8x4xf32>
}

// -----

// An op of another dialect inside a kernel body: the hardware model has no
// instruction for it.
func.func @foreign(%q: tensor<1x1x32x8xf16>, %k: tensor<1x1x32x8xf16>, %v: tensor<1x1x32x8xf16>) -> tensor<1x1x32x8xf16> {
  // expected-error @+1 {{'accel.kernel' body may hold accel instructions and memref.alloc only, got 'arith.constant'}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 32, k = 32, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.window<left = 12, right = 7> {scale = 0.125 : f64, schedule = "generic", double_buffer = true} : (tensor<1x1x32x8xf16>, tensor<1x1x32x8xf16>, tensor<1x1x32x8xf16>) -> tensor<1x1x32x8xf16> {
  ^bb0(%qd: memref<1x1x32x8xf16>, %kd: memref<1x1x32x8xf16>, %vd: memref<1x1x32x8xf16>, %od: memref<1x1x32x8xf16>):
    %kb = memref.alloc() : memref<32x8xf16>
    %x = arith.constant 1 : i32
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x32x8xf16>, memref<32x8xf16>
    }
  }
  func.return %o : tensor<1x1x32x8xf16>
}
