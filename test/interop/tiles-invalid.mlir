// Verifier and parser rules of the explicit tile table #attn.tiles; each
// message is the full text the tool prints.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics

// The table is for another shape.
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.tiles: the table is for 16x16 tokens, the attention is 8x8}}
  %o = attn.attention %q, %k, %v pattern #attn.tiles<block = [4, 4], shape = [16, 16], ptr = [0, 1, 3], start = [0, 0, 1], count = [1, 1, 1], bitmap = [0, -1, 0], bitmaps = "8cef"> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// -----

// ptr fits neither one table nor one per head.
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.tiles: ptr has 4 entries; expected 3 (one table) or 5 (one per head: 2 heads x 2 query tiles)}}
  %o = attn.attention %q, %k, %v pattern #attn.tiles<block = [4, 4], shape = [8, 8], ptr = [0, 1, 2, 3], start = [0, 0, 1], count = [1, 1, 1], bitmap = [0, -1, 0], bitmaps = "8cef"> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// -----

// A run past the last key tile.
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.tiles: every run must cover 1 or more of the 2 key tiles}}
  %o = attn.attention %q, %k, %v pattern #attn.tiles<block = [4, 4], shape = [8, 8], ptr = [0, 1, 3], start = [0, 0, 1], count = [1, 1, 2], bitmap = [0, -1, 0], bitmaps = "8cef"> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// -----

// Overlapping runs.
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.tiles: the runs of a query tile must be sorted and disjoint}}
  %o = attn.attention %q, %k, %v pattern #attn.tiles<block = [4, 4], shape = [8, 8], ptr = [0, 1, 3], start = [0, 0, 0], count = [1, 1, 1], bitmap = [0, -1, 0], bitmaps = "8cef"> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// -----

// A bitmap number with no bitmap.
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.tiles: bitmap 1 is neither -1 (full) nor one of the 1 bitmaps}}
  %o = attn.attention %q, %k, %v pattern #attn.tiles<block = [4, 4], shape = [8, 8], ptr = [0, 1, 3], start = [0, 0, 1], count = [1, 1, 1], bitmap = [0, -1, 1], bitmaps = "8cef"> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// -----

// Bitmaps of the wrong length.
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.tiles: bitmaps must hold 2 bytes (4 hex digits) per bitmap, got 3 digits}}
  %o = attn.attention %q, %k, %v pattern #attn.tiles<block = [4, 4], shape = [8, 8], ptr = [0, 1, 3], start = [0, 0, 1], count = [1, 1, 1], bitmap = [0, -1, 0], bitmaps = "8ce"> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// -----

// Bitmaps that are not hexadecimal.
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.tiles: bitmaps must be hexadecimal digits}}
  %o = attn.attention %q, %k, %v pattern #attn.tiles<block = [4, 4], shape = [8, 8], ptr = [0, 1, 3], start = [0, 0, 1], count = [1, 1, 1], bitmap = [0, -1, 0], bitmaps = "8cxg"> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// -----

// A zero block size.
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.attention' #attn.tiles: block sizes must be positive, got 0x4}}
  %o = attn.attention %q, %k, %v pattern #attn.tiles<block = [0, 4], shape = [8, 8], ptr = [0], start = [], count = [], bitmap = []> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// -----

// bitmaps is a string.
func.func @f(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{#attn.tiles: parameter 'bitmaps' expects a string}}
  %o = attn.attention %q, %k, %v pattern #attn.tiles<block = [4, 4], shape = [8, 8], ptr = [0, 0, 0], start = [], count = [], bitmap = [], bitmaps = 12> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}
