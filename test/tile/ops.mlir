// Round trip of tile.attention and #tile.table, in the custom and the
// generic form.  A table lists, per query tile t, the runs ptr[t]:ptr[t+1];
// run r covers key tiles start[r] .. start[r] + count[r] - 1, all full
// (full[r] = 1) or all partial.  The tables below are those attn-tile
// computes for the op's pattern and shape.
//
// RUN: attn-opt %s | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC
// The printed text is a fixed point of print/parse, in both forms:
// RUN: attn-opt %s | attn-opt > %t1 && attn-opt %t1 | attn-opt > %t2 && diff %t1 %t2
// RUN: attn-opt %s --print-op-generic > %t3 && attn-opt %t3 --print-op-generic > %t4 && diff %t3 %t4

// Window of one key either side, 4 tokens in tiles of 2.  Query tile 0
// (rows 0-1) touches key tile 0 (full: rows 0 and 1 both see keys 0 and 1)
// and key tile 1 (partial: only 1 -> 2); query tile 1 touches key tile 0
// (partial: only 2 -> 1) and key tile 1 (full).  Full and partial tiles are
// separate runs.  Written over several lines.
// CHECK-LABEL: func.func @window
// CHECK-NEXT:    %o = tile.attention %q, %k, %v pattern #attn.window<left = 1, right = 1> tables [#tile.table<ptr = array<i32: 0, 2, 4>, start = array<i32: 0, 1, 0, 1>, count = array<i32: 1, 1, 1, 1>, full = array<i8: 1, 0, 0, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 5.000000e-01 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
// CHECK-NEXT:    func.return %o
// GENERIC-LABEL: sym_name = "window"
// GENERIC:       %o = "tile.attention"(%q, %k, %v) <{pattern = #attn.window<left = 1, right = 1>, tables = [#tile.table<ptr = array<i32: 0, 2, 4>, start = array<i32: 0, 1, 0, 1>, count = array<i32: 1, 1, 1, 1>, full = array<i8: 1, 0, 0, 1>>], block_q = 2 : i64, block_k = 2 : i64, scale = 5.000000e-01 : f64}> : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
func.func @window(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  %o = tile.attention %q, %k, %v pattern #attn.window<left = 1, right = 1>
         tables [#tile.table<ptr = array<i32: 0, 2, 4>, start = array<i32: 0, 1, 0, 1>,
                             count = array<i32: 1, 1, 1, 1>, full = array<i8: 1, 0, 0, 1>>]
         {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64}
         : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return %o : tensor<1x1x4x8xf32>
}

// Dense and causal, 8 tokens in tiles of 2: a dense row is one run of 4
// full tiles; a causal row is a run of full tiles then the partial diagonal.
// CHECK-LABEL: func.func @runs
// CHECK-NEXT:    %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2, 3, 4>, start = array<i32: 0, 0, 0, 0>, count = array<i32: 4, 4, 4, 4>, full = array<i8: 1, 1, 1, 1>>]
// CHECK-NEXT:    %p = tile.attention %q, %k, %v pattern #attn.causal tables [#tile.table<ptr = array<i32: 0, 1, 3, 5, 7>, start = array<i32: 0, 0, 1, 0, 2, 0, 3>, count = array<i32: 1, 1, 1, 2, 1, 3, 1>, full = array<i8: 0, 1, 0, 1, 0, 1, 0>>]
// GENERIC-LABEL: sym_name = "runs"
// GENERIC:       tables = [#tile.table<ptr = array<i32: 0, 1, 2, 3, 4>, start = array<i32: 0, 0, 0, 0>, count = array<i32: 4, 4, 4, 4>, full = array<i8: 1, 1, 1, 1>>]
// GENERIC:       tables = [#tile.table<ptr = array<i32: 0, 1, 3, 5, 7>, start = array<i32: 0, 0, 1, 0, 2, 0, 3>, count = array<i32: 1, 1, 1, 2, 1, 3, 1>, full = array<i8: 0, 1, 0, 1, 0, 1, 0>>]
func.func @runs(%q: tensor<1x1x8x8xf32>, %k: tensor<1x1x8x8xf32>, %v: tensor<1x1x8x8xf32>) -> (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) {
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2, 3, 4>, start = array<i32: 0, 0, 0, 0>, count = array<i32: 4, 4, 4, 4>, full = array<i8: 1, 1, 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32>
  %p = tile.attention %q, %k, %v pattern #attn.causal tables [#tile.table<ptr = array<i32: 0, 1, 3, 5, 7>, start = array<i32: 0, 0, 1, 0, 2, 0, 3>, count = array<i32: 1, 1, 1, 2, 1, 3, 1>, full = array<i8: 0, 1, 0, 1, 0, 1, 0>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32>
  func.return %o, %p : tensor<1x1x8x8xf32>, tensor<1x1x8x8xf32>
}

// One table per head (per-head dilation 1 and 3: head 0 attends i, i+1,
// head 1 attends i, i+3, so head 1's query tile 0 reaches key tile 1), cross
// attention with Nq = 4 queries over Nk = 6 keys in tiles of 3 and Dv = 2,
// and the footprint annotation of attn-tile, which is an ordinary attribute.
// CHECK-LABEL: func.func @per_head
// CHECK-NEXT:    %o = tile.attention %q, %k, %v pattern #attn.window<left = 0, right = 1, dilation = [1, 3]> tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 2>, full = array<i8: 0, 0>>, #tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 0, 0>>] {footprint_bytes = 160 : i64, block_q = 2 : i64, block_k = 3 : i64, scale = 1.000000e+00 : f64} : (tensor<1x2x4x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x2xf32>) -> tensor<1x2x4x2xf32>
// GENERIC-LABEL: sym_name = "per_head"
// GENERIC:       "tile.attention"(%q, %k, %v) <{pattern = #attn.window<left = 0, right = 1, dilation = [1, 3]>, tables = [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 2>, full = array<i8: 0, 0>>, #tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 0, 0>>], block_q = 2 : i64, block_k = 3 : i64, scale = 1.000000e+00 : f64}> {footprint_bytes = 160 : i64}
func.func @per_head(%q: tensor<1x2x4x4xf32>, %k: tensor<1x2x6x4xf32>, %v: tensor<1x2x6x2xf32>) -> tensor<1x2x4x2xf32> {
  %o = tile.attention %q, %k, %v pattern #attn.window<left = 0, right = 1, dilation = [1, 3]> tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 2>, full = array<i8: 0, 0>>, #tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 0, 0>>] {footprint_bytes = 160 : i64, block_q = 2 : i64, block_k = 3 : i64, scale = 1.0 : f64} : (tensor<1x2x4x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x2xf32>) -> tensor<1x2x4x2xf32>
  func.return %o : tensor<1x2x4x2xf32>
}

// A mask operand (broadcast over batch and heads): every tile is partial.
// Ragged tiles: 5 rows in query tiles of 4, 3 keys in one key tile of 4.
// CHECK-LABEL: func.func @mask
// CHECK-NEXT:    %o = tile.attention %q, %k, %v mask %m pattern #attn.mask tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 1>, full = array<i8: 0, 0>>] {block_q = 4 : i64, block_k = 4 : i64, scale = 5.000000e-01 : f64} : (tensor<2x2x5x8xf16>, tensor<2x2x3x8xf16>, tensor<2x2x3x8xf16>, tensor<1x1x5x3xi1>) -> tensor<2x2x5x8xf16>
// GENERIC-LABEL: sym_name = "mask"
// GENERIC:       "tile.attention"(%q, %k, %v, %m) <{pattern = #attn.mask, tables = [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 1>, full = array<i8: 0, 0>>], block_q = 4 : i64, block_k = 4 : i64, scale = 5.000000e-01 : f64}>
func.func @mask(%q: tensor<2x2x5x8xf16>, %k: tensor<2x2x3x8xf16>, %v: tensor<2x2x3x8xf16>, %m: tensor<1x1x5x3xi1>) -> tensor<2x2x5x8xf16> {
  %o = tile.attention %q, %k, %v mask %m pattern #attn.mask tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 1>, full = array<i8: 0, 0>>] {block_q = 4 : i64, block_k = 4 : i64, scale = 0.5 : f64} : (tensor<2x2x5x8xf16>, tensor<2x2x3x8xf16>, tensor<2x2x3x8xf16>, tensor<1x1x5x3xi1>) -> tensor<2x2x5x8xf16>
  func.return %o : tensor<2x2x5x8xf16>
}

// A table with no tiles at all (every tile is skipped: nothing attends)
// and a query tile with no run (ptr repeats a value): with j <= i - 2,
// only rows 2 and 3 attend, key tile 0 partially (row 2 does not see key 1).
// CHECK-LABEL: func.func @empty
// CHECK-NEXT:    %o = tile.attention %q, %k, %v pattern #attn.causal<offset = -4> tables [#tile.table<ptr = array<i32: 0, 0, 0>, start = array<i32>, count = array<i32>, full = array<i8>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 5.000000e-01 : f64}
// CHECK-NEXT:    %p = tile.attention %q, %k, %v pattern #attn.causal<offset = -2> tables [#tile.table<ptr = array<i32: 0, 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 5.000000e-01 : f64}
// GENERIC-LABEL: sym_name = "empty"
// GENERIC:       tables = [#tile.table<ptr = array<i32: 0, 0, 0>, start = array<i32>, count = array<i32>, full = array<i8>>]
// GENERIC:       tables = [#tile.table<ptr = array<i32: 0, 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]
func.func @empty(%q: tensor<1x1x4x8xbf16>, %k: tensor<1x1x4x8xbf16>, %v: tensor<1x1x4x8xbf16>) -> (tensor<1x1x4x8xbf16>, tensor<1x1x4x8xbf16>) {
  %o = tile.attention %q, %k, %v pattern #attn.causal<offset = -4> tables [#tile.table<ptr = array<i32: 0, 0, 0>, start = array<i32>, count = array<i32>, full = array<i8>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xbf16>, tensor<1x1x4x8xbf16>, tensor<1x1x4x8xbf16>) -> tensor<1x1x4x8xbf16>
  %p = tile.attention %q, %k, %v pattern #attn.causal<offset = -2> tables [#tile.table<ptr = array<i32: 0, 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xbf16>, tensor<1x1x4x8xbf16>, tensor<1x1x4x8xbf16>) -> tensor<1x1x4x8xbf16>
  func.return %o, %p : tensor<1x1x4x8xbf16>, tensor<1x1x4x8xbf16>
}
