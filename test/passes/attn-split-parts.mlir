// attn-split-parts{ratio=R}: a tile.attention whose query tiles do uneven
// work -> a rows part (the heavy query rows, only_rows), the rest
// (except_rows) and tile.merge_parts (log-sum-exp).  The cost rule: a query
// tile visiting at least R x the median number of key tiles is a straggler;
// its rows attending at least R x (median tiles x block_k) keys are split.
//
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=8 k=8},attn-split-parts{ratio=3}' | filecheck %s --check-prefix=R3
// A ratio of 5 leaves the same op alone: 16 tiles are fewer than 5 x 4.
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=8 k=8},attn-split-parts{ratio=5}' | filecheck %s --check-prefix=R5
// The output verifies and a second run changes nothing (parts are not split again):
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=8 k=8},attn-split-parts{ratio=3}' > %t1 && attn-opt %t1 --split-input-file -p 'attn-split-parts{ratio=3}' > %t2 && diff %t1 %t2
// A ratio of 1 or less is an option error:
// RUN: not attn-opt %s -p 'attn-split-parts{ratio=1}' 2>&1 | filecheck %s --check-prefix=BAD
// BAD: ratio must be greater than 1
// min_keys: a straggler must also visit that many keys more than the median
// query tile.  @longformer's visits 12 key tiles (96 keys) more: 96 splits
// it, 97 leaves it alone.
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=8 k=8},attn-split-parts{ratio=3 min_keys=96}' | filecheck %s --check-prefix=MIN96
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=8 k=8},attn-split-parts{ratio=3 min_keys=97}' | filecheck %s --check-prefix=MIN97
// RUN: not attn-opt %s -p 'attn-split-parts{min_keys=-1}' 2>&1 | filecheck %s --check-prefix=BADKEYS
// BADKEYS: min_keys must be non-negative

// Longformer-like: window of 2 either side plus global token 0, N = 128 in
// tiles of 8 (16 query tiles x 16 key tiles).  Query tile 0 holds the global
// row and visits all 16 key tiles; the others visit their window's 3 (2 at
// the ends) plus key tile 0 (the global column): 4 tiles, the median.
//   rows part: row 0 only, query tile 0's 16 key tiles (partial: rows 1-7
//     are not in the part), no other query tile;
//   rest: query tile 0 keeps key tiles 0-1 (rows 1-7 reach key 9 at most),
//     partial because row 0 is masked out; every other query tile as in the
//     op's table: tile 1 keys 0..2 (one run), tile 2 keys 0..3 (one run),
//     tile 3 key 0 then keys 2..4, ...
// R3-LABEL: func.func @longformer
// R3:      %o_rows, %o_rows_lse = tile.attention_part %q, %k, %v pattern #attn.union<[#attn.window<left = 2, right = 2>, #attn.global<[0]>]>
// R3-SAME:   tables [#tile.table<ptr = array<i32: 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>, start = array<i32: 0>, count = array<i32: 16>, full = array<i8: 0>>]
// R3-SAME:   only_rows = array<i64: 0>
// R3-SAME:   -> (tensor<1x2x128x8xf32>, tensor<1x2x128xf32>)
// R3-NEXT: %o_rest, %o_rest_lse = tile.attention_part %q, %k, %v
// R3-SAME:   tables [#tile.table<ptr = array<i32: 0, 1, 2, 3, 5, 7,
// R3-SAME:   start = array<i32: 0, 0, 0, 0, 2, 0, 3,
// R3-SAME:   count = array<i32: 2, 3, 4, 1, 3, 1, 3,
// R3-SAME:   except_rows = array<i64: 0>
// R3-NEXT: %o = tile.merge_parts %o_rows, %o_rest lse %o_rows_lse, %o_rest_lse : (tensor<1x2x128x8xf32>, tensor<1x2x128x8xf32>), (tensor<1x2x128xf32>, tensor<1x2x128xf32>) -> tensor<1x2x128x8xf32>
// R3-NEXT: func.return %o
// R5-LABEL: func.func @longformer
// R5-NOT:  tile.attention_part
// R5:      tile.attention %q
// MIN96-LABEL: func.func @longformer
// MIN96:      only_rows = array<i64: 0>
// MIN96:      tile.merge_parts
// MIN97-LABEL: func.func @longformer
// MIN97-NOT:  tile.attention_part
// MIN97:      tile.attention %q
func.func @longformer(%q: tensor<1x2x128x8xf32>, %k: tensor<1x2x128x8xf32>, %v: tensor<1x2x128x8xf32>) -> tensor<1x2x128x8xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 2, right = 2>, #attn.global<[0]>]> : (tensor<1x2x128x8xf32>, tensor<1x2x128x8xf32>, tensor<1x2x128x8xf32>) -> tensor<1x2x128x8xf32>
  func.return %o : tensor<1x2x128x8xf32>
}

// -----

// Two global tokens in different query tiles (0 and 70): both tiles are
// stragglers; rows 0 and 70 form the rows part, each tile keeping its 16 key
// tiles (query tiles 0 and 8).
// R3-LABEL: func.func @two_globals
// R3:      tile.attention_part
// R3-SAME:   tables [#tile.table<ptr = array<i32: 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2>, start = array<i32: 0, 0>, count = array<i32: 16, 16>, full = array<i8: 0, 0>>]
// R3-SAME:   only_rows = array<i64: 0, 70>
// R3:      tile.attention_part
// R3-SAME:   except_rows = array<i64: 0, 70>
// R3:      tile.merge_parts
func.func @two_globals(%q: tensor<1x1x128x8xf32>, %k: tensor<1x1x128x8xf32>, %v: tensor<1x1x128x8xf32>) -> tensor<1x1x128x8xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 2, right = 2>, #attn.global<[0, 70]>]> : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>) -> tensor<1x1x128x8xf32>
  func.return %o : tensor<1x1x128x8xf32>
}

// -----

// Even work (a window alone, a causal mask): nothing to split.
// R3-LABEL: func.func @even
// R3-NOT:  tile.attention_part
// R3:      tile.attention %q
// R3:      tile.attention %q
// R3-NOT:  tile.attention_part
func.func @even(%q: tensor<1x1x128x8xf32>, %k: tensor<1x1x128x8xf32>, %v: tensor<1x1x128x8xf32>) -> (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>) {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 2, right = 2> : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>) -> tensor<1x1x128x8xf32>
  %c = attn.attention %q, %k, %v pattern #attn.causal : (tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>) -> tensor<1x1x128x8xf32>
  func.return %o, %c : tensor<1x1x128x8xf32>, tensor<1x1x128x8xf32>
}
