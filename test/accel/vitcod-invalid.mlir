// One chunk per verifier rule of ViTCoD's accel instructions
// (attn_ir.dialects.vitcod.accel); each message is the text the tool
// prints.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics

func.func @load_tile(%d: memref<1x2x6x4xf32>) {
  %b = memref.alloc() : memref<2x6x4xi8>
  // expected-error @+1 {{'accel.load_tokens' tile must be q, k or v, got 'o'}}
  accel.load_tokens %d, %b {tile = "o", bits = 8 : i64, unit = "DMA"} : memref<1x2x6x4xf32>, memref<2x6x4xi8>
  func.return
}

// -----

func.func @load_heads(%d: memref<1x2x6x4xf32>) {
  %b = memref.alloc() : memref<3x6x4xi8>
  // expected-error @+1 {{'accel.load_tokens' dest must be [heads, tokens, 4] with heads dividing the 1x2x6x4 source's}}
  accel.load_tokens %d, %b {tile = "q", bits = 8 : i64, unit = "DMA"} : memref<1x2x6x4xf32>, memref<3x6x4xi8>
  func.return
}

// -----

// A one-token buffer needs `sliced` (the step's token).
func.func @load_tokens_count(%d: memref<1x2x6x4xf32>) {
  %b = memref.alloc() : memref<2x1x4xi8>
  // expected-error @+1 {{'accel.load_tokens' dest must hold 6 tokens, got 1}}
  accel.load_tokens %d, %b {tile = "q", bits = 8 : i64, unit = "DMA"} : memref<1x2x6x4xf32>, memref<2x1x4xi8>
  func.return
}

// -----

func.func @store_shape(%d: memref<1x2x6x4xf32>) {
  %b = memref.alloc() : memref<2x5x4xi8>
  // expected-error @+1 {{'accel.store_tokens' source must be some heads of one batch element of dest}}
  accel.store_tokens %b, %d {bits = 8 : i64, unit = "DMA_OUT"} : memref<2x5x4xi8>, memref<1x2x6x4xf32>
  func.return
}

// -----

func.func @codec_shape() {
  %w = memref.alloc() : memref<3x2xi8>
  // expected-error @+1 {{'accel.load_codec' dest must be [heads, 3] with heads dividing 3}}
  accel.load_codec %w {autoencoder = #attn.autoencoder<heads = 3, hidden = 2>, bits = 8 : i64, unit = "DMA"} : memref<3x2xi8>
  func.return
}

// -----

func.func @decode_weights() {
  %e = memref.alloc() : memref<2x1x4xi8>
  %w = memref.alloc() : memref<3x2xi8>
  %d = memref.alloc() : memref<3x6x4xi8>
  // expected-error @+1 {{'accel.qk_decode' weights must be [3, 3] and enc and dest must agree on the head dimension}}
  accel.qk_decode %e, %w, %d {sliced = true, unit = "CODEC"} : memref<2x1x4xi8>, memref<3x2xi8>, memref<3x6x4xi8>
  func.return
}

// -----

func.func @coo_rank() {
  %i = memref.alloc() : memref<20xi8>
  // expected-error @+1 {{'accel.load_coo' dest buffer must be 2-D, got 20}}
  accel.load_coo %i {pattern = #attn.polar_part<source = #attn.synthetic_mask<heads = 1>, threshold = 3, part = "sparse">, bits = 8 : i64, unit = "DMA"} : memref<20xi8>
  func.return
}

// -----

func.func @dense_engine_part() {
  %q = memref.alloc() : memref<1x16x4xi8>
  %i = memref.alloc() : memref<1x20xi8>
  %s = memref.alloc() : memref<1x16x2xi8>
  // expected-error @+1 {{'accel.dense_sddmm' needs the dense part of a polarisation, got part = "sparse"}}
  accel.dense_sddmm %q, %q, %i, %s {pattern = #attn.polar_part<source = #attn.synthetic_mask<heads = 1>, threshold = 3, part = "sparse">, engine_rows = 4 : i64, scale = 0.5 : f64, unit = "PE2D"} : memref<1x16x4xi8>, memref<1x16x4xi8>, memref<1x20xi8>, memref<1x16x2xi8>
  func.return
}

// -----

func.func @engine_rows() {
  %q = memref.alloc() : memref<1x16x4xi8>
  %i = memref.alloc() : memref<1x20xi8>
  %s = memref.alloc() : memref<1x9xi8>
  // expected-error @+1 {{'accel.coo_sddmm' engine_rows must be positive, got 0}}
  accel.coo_sddmm %q, %q, %i, %s {pattern = #attn.polar_part<source = #attn.synthetic_mask<heads = 1>, threshold = 3, part = "sparse">, engine_rows = 0 : i64, scale = 0.5 : f64, unit = "PE2D_SPARSE"} : memref<1x16x4xi8>, memref<1x16x4xi8>, memref<1x20xi8>, memref<1x9xi8>
  func.return
}

// -----

func.func @dense_scores_shape() {
  %q = memref.alloc() : memref<1x16x4xi8>
  %i = memref.alloc() : memref<1x20xi8>
  %s = memref.alloc() : memref<1x8x2xi8>
  // expected-error @+1 {{'accel.dense_sddmm' q, k must be [H, N, D] and scores [H, N, G]}}
  accel.dense_sddmm %q, %q, %i, %s {pattern = #attn.polar_part<source = #attn.synthetic_mask<heads = 1>, threshold = 3, part = "dense">, engine_rows = 4 : i64, scale = 0.5 : f64, unit = "PE2D"} : memref<1x16x4xi8>, memref<1x16x4xi8>, memref<1x20xi8>, memref<1x8x2xi8>
  func.return
}

// -----

func.func @softmax_part() {
  %s = memref.alloc() : memref<1x9xi8>
  %i = memref.alloc() : memref<1x20xi8>
  %m = memref.alloc() : memref<1x16xf32>
  // expected-error @+1 {{'accel.row_softmax' needs the dense or the sparse part}}
  accel.row_softmax %s, %i, %m, %m {pattern = #attn.polar_part<source = #attn.synthetic_mask<heads = 1>, threshold = 3, part = "all">, unit = "VEC1D"} : memref<1x9xi8>, memref<1x20xi8>, memref<1x16xf32>, memref<1x16xf32>
  func.return
}

// -----

func.func @spmm_out() {
  %p = memref.alloc() : memref<1x16x2xi8>
  %v = memref.alloc() : memref<1x16x4xi8>
  %i = memref.alloc() : memref<1x20xi8>
  %o = memref.alloc() : memref<1x16x8xi8>
  // expected-error @+1 {{'accel.dense_spmm' out must be [H, N, Dv]}}
  accel.dense_spmm %p, %v, %i, %o {pattern = #attn.polar_part<source = #attn.synthetic_mask<heads = 1>, threshold = 3, part = "dense">, engine_rows = 4 : i64, unit = "PE2D"} : memref<1x16x2xi8>, memref<1x16x4xi8>, memref<1x20xi8>, memref<1x16x8xi8>
  func.return
}

// -----

func.func @merge_shapes() {
  %o = memref.alloc() : memref<1x16x4xi8>
  %p = memref.alloc() : memref<1x16x8xi8>
  %m = memref.alloc() : memref<1x16xf32>
  // expected-error @+1 {{'accel.softmax_merge' outputs must be [H, N, Dv] and row statistics [H, N], all alike}}
  accel.softmax_merge %o, %m, %m, %p, %m, %m, %o {unit = "VEC1D"} : memref<1x16x4xi8>, memref<1x16xf32>, memref<1x16xf32>, memref<1x16x8xi8>, memref<1x16xf32>, memref<1x16xf32>, memref<1x16x4xi8>
  func.return
}

// -----

func.func @unknown_unit() {
  %o = memref.alloc() : memref<1x16x4xi8>
  %m = memref.alloc() : memref<1x16xf32>
  // expected-error @+1 {{'accel.softmax_merge' unit 'NPU' is not one of}}
  accel.softmax_merge %o, %m, %m, %o, %m, %m, %o {unit = "NPU"} : memref<1x16x4xi8>, memref<1x16xf32>, memref<1x16xf32>, memref<1x16x4xi8>, memref<1x16xf32>, memref<1x16xf32>, memref<1x16x4xi8>
  func.return
}

// -----

// The sparser engine's scores are [H, Z]: one row per head of q.
func.func @coo_scores_heads() {
  %q = memref.alloc() : memref<1x16x4xi8>
  %i = memref.alloc() : memref<1x20xi8>
  %s = memref.alloc() : memref<2x9xi8>
  // expected-error @+1 {{'accel.coo_sddmm' scores must have one row per head}}
  accel.coo_sddmm %q, %q, %i, %s {pattern = #attn.polar_part<source = #attn.synthetic_mask<heads = 1>, threshold = 3, part = "sparse">, engine_rows = 4 : i64, scale = 0.5 : f64, unit = "PE2D_SPARSE"} : memref<1x16x4xi8>, memref<1x16x4xi8>, memref<1x20xi8>, memref<2x9xi8>
  func.return
}

// -----

// Row statistics come in pairs of one shape.
func.func @softmax_stats() {
  %s = memref.alloc() : memref<1x9xi8>
  %i = memref.alloc() : memref<1x20xi8>
  %m = memref.alloc() : memref<1x16xf32>
  %l = memref.alloc() : memref<1x8xf32>
  // expected-error @+1 {{'accel.row_softmax' row_max and row_sum must be [H, N]}}
  accel.row_softmax %s, %i, %m, %l {pattern = #attn.polar_part<source = #attn.synthetic_mask<heads = 1>, threshold = 3, part = "sparse">, unit = "VEC1D"} : memref<1x9xi8>, memref<1x20xi8>, memref<1x16xf32>, memref<1x8xf32>
  func.return
}
