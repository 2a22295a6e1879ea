// One chunk per verifier or parser rule of the accel dialect; each message
// is the text the tool prints.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics

// ===========================================================================
// #accel.target
// ===========================================================================

func.func @unknown_preset(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{#accel.target: unknown target 'tpu'; known: flat, fusemax, salo}}
  %o = accel.kernel %q, %k, %v target #accel.target<"tpu"> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

// pe_lanes is no field of a target (vec_lanes is).
func.func @unknown_parameter(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{#accel.target: unknown target parameter(s): pe_lanes}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo", pe_rows = 16, pe_lanes = 8> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

// Overrides are numbers only.
func.func @string_parameter(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{integer or float literal expected for target parameter 'exp'}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo", exp = "pwl"> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

// The exp implementation is chosen by name in the preset, not overridden by number.
func.func @non_numeric_parameter(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{#accel.target: 'exp' is not a numeric parameter}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo", exp = 1> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

// Array sizes are integers.
func.func @integer_parameter(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{#accel.target: 'pe_rows' must be an integer, got 2.5}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo", pe_rows = 2.5> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

// Sizes and rates are positive (the passes divide by them).
func.func @zero_parameter(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{#accel.target: 'pe_cols' must be positive, got 0}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo", pe_cols = 0> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @negative_rate(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{#accel.target: 'dram_bytes_per_s' must be positive, got -1.0}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo", dram_bytes_per_s = -1.0> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

// The global PEs may be absent, not negative.
func.func @negative_parameter(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{#accel.target: 'global_rows' must be non-negative, got -1}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo", global_rows = -1> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// ===========================================================================
// Instructions
// ===========================================================================

// -----

func.func @unknown_unit(%qd: memref<1x1x4x8xf32>) {
  %qb = memref.alloc() : memref<4x8xf32>
  // expected-error @+1 {{'accel.dma_load' unit 'NPU' is not one of DMA, DMA_OUT, PE2D, GLOBAL, VEC1D, TOPK, CODEC}}
  accel.dma_load %qd, %qb {tile = "q", unit = "NPU"} : memref<1x1x4x8xf32>, memref<4x8xf32>
  func.return
}

// -----

// Units are case-sensitive.
func.func @unit_case(%s: memref<4x4xf32>) {
  // expected-error @+1 {{'accel.exp' unit 'vec1d' is not one of DMA, DMA_OUT, PE2D, GLOBAL, VEC1D, TOPK, CODEC}}
  accel.exp %s {unit = "vec1d"} : memref<4x4xf32>
  func.return
}

// -----

// The output is written by accel.dma_store, not loaded.
func.func @bad_tile(%od: memref<1x1x4x8xf32>) {
  %ob = memref.alloc() : memref<4x8xf32>
  // expected-error @+1 {{'accel.dma_load' tile must be q, k, v or mask, got 'o'}}
  accel.dma_load %od, %ob {tile = "o", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
  func.return
}

// -----

func.func @reduce_kind(%s: memref<4x4xf32>, %r: memref<4xf32>) {
  // expected-error @+1 {{'accel.reduce' kind must be max or sum, got 'min'}}
  accel.reduce %s, %r {kind = "min", unit = "VEC1D"} : memref<4x4xf32>, memref<4xf32>
  func.return
}

// -----

// One element per row of the 4x2 source.
func.func @reduce_shape(%s: memref<4x2xf32>, %r: memref<2xf32>) {
  // expected-error @+1 {{'accel.reduce' destination must have shape 4 (one element per source row), got 2}}
  accel.reduce %s, %r {kind = "sum", unit = "VEC1D"} : memref<4x2xf32>, memref<2xf32>
  func.return
}

// -----

func.func @reduce_rank(%s: memref<4x2xf32>, %r: memref<4x1xf32>) {
  // expected-error @+1 {{'accel.reduce' destination must have shape 4 (one element per source row), got 4x1}}
  accel.reduce %s, %r {kind = "max", unit = "PE2D"} : memref<4x2xf32>, memref<4x1xf32>
  func.return
}

// -----

func.func @reduce_source_rank(%s: memref<4xf32>, %r: memref<4xf32>) {
  // expected-error @+1 {{'accel.reduce' source must be a 2-D buffer (rows x columns), got 4}}
  accel.reduce %s, %r {kind = "sum", unit = "VEC1D"} : memref<4xf32>, memref<4xf32>
  func.return
}

// -----

func.func @sddmm_head_dim(%qb: memref<4x8xf32>, %kb: memref<4x16xf32>, %s: memref<4x4xf32>) {
  // expected-error @+1 {{'accel.sddmm' q and k buffers disagree on the head dimension (8 vs 16)}}
  accel.sddmm %qb, %kb, %s {unit = "PE2D"} : memref<4x8xf32>, memref<4x16xf32>, memref<4x4xf32>
  func.return
}

// -----

func.func @sddmm_rows(%qb: memref<4x8xf32>, %kb: memref<4x8xf32>, %s: memref<2x4xf32>) {
  // expected-error @+1 {{'accel.sddmm' scores buffer has 2 rows, q has 4}}
  accel.sddmm %qb, %kb, %s {unit = "PE2D"} : memref<4x8xf32>, memref<4x8xf32>, memref<2x4xf32>
  func.return
}

// -----

func.func @sddmm_rank(%qb: memref<32xf32>, %kb: memref<4x8xf32>, %s: memref<4x4xf32>) {
  // expected-error @+1 {{'accel.sddmm' q, k and scores buffers must be 2-D, got 32, 4x8, 4x4}}
  accel.sddmm %qb, %kb, %s {unit = "PE2D"} : memref<32xf32>, memref<4x8xf32>, memref<4x4xf32>
  func.return
}

// ===========================================================================
// accel.kernel
// ===========================================================================

// -----

func.func @no_step(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'accel.kernel' body needs at least one accel.step}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

// No DRAM argument for the result.
func.func @missing_result_arg(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'accel.kernel' body needs one DRAM argument per input and one for the result (4), got 3}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

// With a mask operand the body needs five arguments.
func.func @missing_mask_arg(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>, %m: tensor<1x1x4x4xi1>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'accel.kernel' body needs one DRAM argument per input and one for the result (5), got 4}}
  %o = accel.kernel %q, %k, %v, %m target #accel.target<"salo"> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.mask {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x4xi1>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

// The DRAM argument of v has the wrong shape.
func.func @arg_shape(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'accel.kernel' DRAM argument vd must be a memref of shape 1x1x4x8}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x8x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

// DRAM arguments are memrefs, not tensors.
func.func @arg_tensor(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'accel.kernel' DRAM argument od must be a memref of shape 1x1x4x8}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: tensor<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @two_inputs(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'accel.kernel' takes q, k, v and an optional mask}}
  %o = accel.kernel %q, %k target #accel.target<"salo"> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @rank(%q: tensor<4x8xf32>, %k: tensor<4x8xf32>, %v: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'accel.kernel' q must be a rank-4 tensor, got tensor<4x8xf32>}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32> {
  ^bb0(%qd: memref<4x8xf32>, %kd: memref<4x8xf32>, %vd: memref<4x8xf32>, %od: memref<4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<4x8xf32>
}

// -----

// Three heads: one table, or three.
func.func @table_count(%q: tensor<1x3x4x8xf32>, %k: tensor<1x3x4x8xf32>, %v: tensor<1x3x4x8xf32>) -> tensor<1x3x4x8xf32> {
  // expected-error @+1 {{'accel.kernel' needs one tile table or one per head (3), got 2}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 2, k = 2, tables = [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>, #tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x3x4x8xf32>, tensor<1x3x4x8xf32>, tensor<1x3x4x8xf32>) -> tensor<1x3x4x8xf32> {
  ^bb0(%qd: memref<1x3x4x8xf32>, %kd: memref<1x3x4x8xf32>, %vd: memref<1x3x4x8xf32>, %od: memref<1x3x4x8xf32>):
    %kb = memref.alloc() : memref<2x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x3x4x8xf32>, memref<2x8xf32>
    }
  }
  func.return %o : tensor<1x3x4x8xf32>
}

// -----

// No tables at all.
func.func @no_table(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'accel.kernel' needs one tile table or one per head (1), got 0}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 4, k = 4, tables = []> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

// 4 queries in tiles of 4 are one query tile; the table has two.
func.func @table_query_tiles(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'accel.kernel' tile table has 2 query tiles, expected 1 (4 queries in tiles of 4)}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 4, k = 2, tables = [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<2x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<2x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

// Ragged: 5 queries in tiles of 2 are 3 query tiles.
func.func @table_ragged(%q: tensor<1x1x5x8xf32>, %k: tensor<1x1x5x8xf32>, %v: tensor<1x1x5x8xf32>) -> tensor<1x1x5x8xf32> {
  // expected-error @+1 {{'accel.kernel' tile table has 2 query tiles, expected 3 (5 queries in tiles of 2)}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 2, k = 2, tables = [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 3, 3>, full = array<i8: 0, 0>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x5x8xf32>, tensor<1x1x5x8xf32>, tensor<1x1x5x8xf32>) -> tensor<1x1x5x8xf32> {
  ^bb0(%qd: memref<1x1x5x8xf32>, %kd: memref<1x1x5x8xf32>, %vd: memref<1x1x5x8xf32>, %od: memref<1x1x5x8xf32>):
    %kb = memref.alloc() : memref<2x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x5x8xf32>, memref<2x8xf32>
    }
  }
  func.return %o : tensor<1x1x5x8xf32>
}

// -----

func.func @tile_size(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'accel.kernel' tile sizes must be positive, got 0x4}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 0, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  ^bb0(%qd: memref<1x1x4x8xf32>, %kd: memref<1x1x4x8xf32>, %vd: memref<1x1x4x8xf32>, %od: memref<1x1x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

// Three heads: one dilation for all, or one per head.
func.func @band_dilation(%q: tensor<1x3x8x8xf32>, %k: tensor<1x3x8x8xf32>, %v: tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  // expected-error @+1 {{'accel.kernel' band dilation needs one entry or one per head (3), got 2}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.band<rows = 4, cols = 4, parts = 1, left = 1, right = 1, dilation = [1, 2], globals = []> pattern #attn.window<left = 1, right = 1> {scale = 0.5 : f64} : (tensor<1x3x8x8xf32>, tensor<1x3x8x8xf32>, tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32> {
  ^bb0(%qd: memref<1x3x8x8xf32>, %kd: memref<1x3x8x8xf32>, %vd: memref<1x3x8x8xf32>, %od: memref<1x3x8x8xf32>):
    %kb = memref.alloc() : memref<7x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x3x8x8xf32>, memref<7x8xf32>
    }
  }
  func.return %o : tensor<1x3x8x8xf32>
}

// -----

func.func @band_no_dilation(%q: tensor<1x1x8x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  // expected-error @+1 {{'accel.kernel' band dilation needs one entry or one per head (1), got 0}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.band<rows = 4, cols = 4, parts = 1, left = 1, right = 1, dilation = [], globals = []> pattern #attn.window<left = 1, right = 1> {scale = 0.5 : f64} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  ^bb0(%qd: memref<1x1x8x8xf32>, %kd: memref<1x1x8x8xf32>, %vd: memref<1x1x8x8xf32>, %od: memref<1x1x8x8xf32>):
    %kb = memref.alloc() : memref<7x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x8x8xf32>, memref<7x8xf32>
    }
  }
  func.return %o : tensor<1x1x8x8xf32>
}

// -----

// #accel.band spells out every field, in order.
func.func @band_syntax(%q: tensor<1x1x8x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  // expected-error @+1 {{Expected 'parts'}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.band<rows = 4, cols = 4, left = 1, right = 1, dilation = [1], globals = []> pattern #attn.window<left = 1, right = 1> {scale = 0.5 : f64} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32> {
  ^bb0(%qd: memref<1x1x8x8xf32>, %kd: memref<1x1x8x8xf32>, %vd: memref<1x1x8x8xf32>, %od: memref<1x1x8x8xf32>):
    %kb = memref.alloc() : memref<7x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x8x8xf32>, memref<7x8xf32>
    }
  }
  func.return %o : tensor<1x1x8x8xf32>
}

// -----

// A lane holds whole groups of heads: 2 does not divide 3.
func.func @lane_heads(%q: tensor<1x3x4x8xf32>, %k: tensor<1x3x4x8xf32>, %v: tensor<1x3x4x8xf32>) -> tensor<1x3x4x8xf32> {
  // expected-error @+1 {{'accel.kernel' lane_heads must divide the 3 heads, got 2}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 4, k = 4, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64, lane_heads = 2 : i64} : (tensor<1x3x4x8xf32>, tensor<1x3x4x8xf32>, tensor<1x3x4x8xf32>) -> tensor<1x3x4x8xf32> {
  ^bb0(%qd: memref<1x3x4x8xf32>, %kd: memref<1x3x4x8xf32>, %vd: memref<1x3x4x8xf32>, %od: memref<1x3x4x8xf32>):
    %kb = memref.alloc() : memref<4x8xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x3x4x8xf32>, memref<4x8xf32>
    }
  }
  func.return %o : tensor<1x3x4x8xf32>
}
