// Round trip of the explicit tile table #attn.tiles: custom and generic
// forms, a fixed point of print/parse; it goes through the tiling passes
// like any pattern.
//
// RUN: %roundtrip | filecheck %s
// RUN: %generic-roundtrip | filecheck %s
// RUN: attn-opt %s | attn-opt > %t1 && attn-opt %t1 | attn-opt > %t2 && diff %t1 %t2
// RUN: attn-opt %s -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=2 k=4}' | filecheck %s --check-prefix=TILED

// #attn.causal on 8 tokens in 4x4 tiles: bitmap 0 (rows 1000 1100 1110 1111)
// is shared by both diagonal tiles.
// CHECK-LABEL: func.func @causal_table
// CHECK-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.tiles<block = [4, 4], shape = [8, 8], ptr = [0, 1, 3], start = [0, 0, 1], count = [1, 1, 1], bitmap = [0, -1, 0], bitmaps = "8cef"> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
// The tile table in 2x4 tiles, derived from the bitmaps: full, partial, skipped.
// TILED-LABEL: func.func @causal_table
// TILED:         tile.attention {{.*}} tables [#tile.table<ptr = array<i32: 0, 1, 2, 4, 6>, start = array<i32: 0, 0, 0, 1, 0, 1>, count = array<i32: 1, 1, 1, 1, 1, 1>, full = array<i8: 0, 0, 1, 0, 1, 0>>]
func.func @causal_table(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.tiles<block = [4, 4], shape = [8, 8], ptr = [0, 1, 3], start = [0, 0, 1], count = [1, 1, 1], bitmap = [0, -1, 0], bitmaps = "8cef"> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}

// One table per head (2 heads x 2 query tiles: ptr has 5 entries), inside a
// union; an empty bitmaps string is the default and is not printed.
// CHECK-LABEL: func.func @per_head
// CHECK-NEXT:    attn.attention %q, %k, %v pattern #attn.union<[#attn.tiles<block = [4, 8], shape = [8, 8], ptr = [0, 1, 1, 1, 2], start = [0, 0], count = [1, 1], bitmap = [-1, -1]>, #attn.causal]>
func.func @per_head(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.tiles<block = [4, 8], shape = [8, 8], ptr = [0, 1, 1, 1, 2], start = [0, 0], count = [1, 1], bitmap = [-1, -1], bitmaps = "">, #attn.causal]> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o : tensor<1x2x8x4xf32>
}
