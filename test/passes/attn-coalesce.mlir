// attn-coalesce{rows=R}: each tile.attention gets `coalesced = [...]`, its
// query blocks against contiguous key pieces (#tile.coalesced: block j is
// rows rows[j] .. rows[j+1] - 1, pieces ptr[j] .. ptr[j+1] - 1; piece p is
// keys start[p] .. end[p] - 1, full or partial).  The plans below are
// derived by hand in the comments; tiles are 2x2, blocks of 4 rows forced
// (F4); with rows=0 the cost rule picks the size (COST).
//
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=2 k=2},attn-coalesce{rows=4}' | filecheck %s --check-prefix=F4
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=2 k=2},attn-coalesce' | filecheck %s --check-prefix=COST
// The output verifies and a second run changes nothing:
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=2 k=2},attn-coalesce{rows=4}' > %t1 && attn-opt %t1 --split-input-file -p 'attn-coalesce' > %t2 && diff %t1 %t2
// (test/python/test_coalesced.py runs these plans on the NumPy backend and
// the interpreter against the reference.)
// Causal at N = 4096 in 64x64 tiles (COST-LONG): the cost rule takes
// blocks of 128 rows (the triangle a block adds is small next to the keys
// left of it; at N = 16384 it takes 256, for a window's band 64).
// RUN: sed -n 's|^// LONG-IR: ||p' %s | attn-opt -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64},attn-coalesce' | filecheck %s --check-prefix=COST-LONG

// Causal, N = 10 (ragged: the last block has 2 rows).  Rows 0-3 attend
// keys 0 .. i: one partial piece 0..3 (key 0 is attended by all 4 rows,
// but a 1-key stretch between partial keys stays in the partial piece).
// Rows 4-7: keys 0..4 are attended by every row, 5 keys (< 8) stay partial:
// one piece 0..7.  Rows 8-9: keys 0..8 (9 keys, every row): a full piece,
// then key 9 (row 9 only) partial.
// F4-LABEL: func.func @causal
// F4: coalesced = [#tile.coalesced<rows = array<i32: 0, 4, 8, 10>, ptr = array<i32: 0, 1, 2, 4>, start = array<i32: 0, 0, 0, 9>, end = array<i32: 4, 8, 9, 10>, full = array<i8: 0, 0, 1, 0>>]
// At N = 10 one call per block costs more than the scores: one block.
// COST-LABEL: func.func @causal
// COST: coalesced = [#tile.coalesced<rows = array<i32: 0, 10>, ptr = array<i32: 0, 1>, start = array<i32: 0>, end = array<i32: 10>, full = array<i8: 0>>]
func.func @causal(%q: tensor<1x1x10x4xf32>, %k: tensor<1x1x10x4xf32>, %v: tensor<1x1x10x4xf32>) -> tensor<1x1x10x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.causal : (tensor<1x1x10x4xf32>, tensor<1x1x10x4xf32>, tensor<1x1x10x4xf32>) -> tensor<1x1x10x4xf32>
  func.return %o : tensor<1x1x10x4xf32>
}

// -----

// Window of 2 each side and token 0 global over 16 tokens.  Row 0 is a
// block of its own (it attends all 16 keys, the others at most 6): one
// full piece 0..15.  Rows 1-3: keys 0 .. i+2, partial 0..5.  Rows 4-7:
// 2..9 and the global column 0 (key 1 unattended, inside a listed tile):
// partial 0..9.  Rows 8-11: the global column is a one-key full piece
// (every row attends it, nothing next to it), the band 6..13 partial.
// Rows 12-15: the global column, then 10..15.  The window's runs start and
// end mid-tile (keys 6 and 13 of tiles 3 and 6).
// F4-LABEL: func.func @longformer
// F4: coalesced = [#tile.coalesced<rows = array<i32: 0, 1, 4, 8, 12, 16>, ptr = array<i32: 0, 1, 2, 3, 5, 7>, start = array<i32: 0, 0, 0, 0, 6, 0, 10>, end = array<i32: 16, 6, 10, 1, 14, 1, 16>, full = array<i8: 1, 0, 0, 1, 0, 1, 0>>]
// COST-LABEL: func.func @longformer
// COST: coalesced = [#tile.coalesced<rows = array<i32: 0, 1, 16>, ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, end = array<i32: 16, 16>, full = array<i8: 1, 0>>]
func.func @longformer(%q: tensor<1x1x16x4xf32>, %k: tensor<1x1x16x4xf32>, %v: tensor<1x1x16x4xf32>) -> tensor<1x1x16x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 2, right = 2>, #attn.global<[0]>]> : (tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>) -> tensor<1x1x16x4xf32>
  func.return %o : tensor<1x1x16x4xf32>
}

// -----

// A window wider than the sequence (5 tokens): every pair attends, each
// block is one full piece 0..4.
// F4-LABEL: func.func @wide
// F4: coalesced = [#tile.coalesced<rows = array<i32: 0, 4, 5>, ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, end = array<i32: 5, 5>, full = array<i8: 1, 1>>]
func.func @wide(%q: tensor<1x1x5x4xf32>, %k: tensor<1x1x5x4xf32>, %v: tensor<1x1x5x4xf32>) -> tensor<1x1x5x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 100, right = 100> : (tensor<1x1x5x4xf32>, tensor<1x1x5x4xf32>, tensor<1x1x5x4xf32>) -> tensor<1x1x5x4xf32>
  func.return %o : tensor<1x1x5x4xf32>
}

// -----

// A single token: one block, one full piece.
// F4-LABEL: func.func @one
// F4: coalesced = [#tile.coalesced<rows = array<i32: 0, 1>, ptr = array<i32: 0, 1>, start = array<i32: 0>, end = array<i32: 1>, full = array<i8: 1>>]
func.func @one(%q: tensor<1x1x1x4xf32>, %k: tensor<1x1x1x4xf32>, %v: tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.causal : (tensor<1x1x1x4xf32>, tensor<1x1x1x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x1x1x4xf32>
  func.return %o : tensor<1x1x1x4xf32>
}

// -----

// A mask operand: the pairs are known only at run time; no plan.
// F4-LABEL: func.func @masked
// F4-NOT: coalesced
// F4: func.return
func.func @masked(%q: tensor<1x1x4x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x4xf32>, %m: tensor<1x1x4x4xi1>) -> tensor<1x1x4x4xf32> {
  %o = attn.attention %q, %k, %v mask %m pattern #attn.mask : (tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xi1>) -> tensor<1x1x4x4xf32>
  func.return %o : tensor<1x1x4x4xf32>
}

// Causal, N = 4096: block 0 (rows 0-127) is the partial triangle 0..127;
// block 1 (rows 128-255) is keys 0..128, full (row 128 attends up to key
// 128), and the triangle 129..255, partial; and so on.
// COST-LONG: coalesced = [#tile.coalesced<rows = array<i32: 0, 128, 256, 384,
// COST-LONG-SAME: ptr = array<i32: 0, 1, 3, 5,
// COST-LONG-SAME: start = array<i32: 0, 0, 129, 0, 257,
// COST-LONG-SAME: end = array<i32: 128, 129, 256, 257, 384,
// COST-LONG-SAME: full = array<i8: 0, 1, 0, 1, 0,
// LONG-IR: func.func @long(%q: tensor<1x1x4096x64xf32>, %k: tensor<1x1x4096x64xf32>, %v: tensor<1x1x4096x64xf32>) -> tensor<1x1x4096x64xf32> {
// LONG-IR:   %o = attn.attention %q, %k, %v pattern #attn.causal : (tensor<1x1x4096x64xf32>, tensor<1x1x4096x64xf32>, tensor<1x1x4096x64xf32>) -> tensor<1x1x4096x64xf32>
// LONG-IR:   func.return %o : tensor<1x1x4096x64xf32>
// LONG-IR: }
