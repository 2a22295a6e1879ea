// attn-tile{q=Q k=K}: the 1-pass cascade -> tile.attention with the tile
// table of the pattern (as runs: the runs of query tile t are
// ptr[t]:ptr[t+1]; run r covers key tiles start[r] .. start[r] + count[r] - 1,
// all full or all partial; tiles not listed are skipped).  The tables below
// are derived by hand in the comments.  Cascades in another form and
// attn.attention are left as they are.
//
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1 m0=4},attn-tile{q=4 k=4}' | filecheck %s --check-prefix=T4
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1 m0=4},attn-tile{q=2 k=2}' | filecheck %s --check-prefix=T2
// attn-tile alone: only the 1-pass cascade is tiled.
// RUN: attn-opt %s --split-input-file -p 'attn-tile{q=4 k=4}' | filecheck %s --check-prefix=ALONE
// The output verifies and a second run changes nothing:
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1 m0=4},attn-tile{q=4 k=4}' > %t1 && attn-opt %t1 --split-input-file -p 'attn-tile{q=4 k=4}' > %t2 && diff %t1 %t2
//
// A window at N = 65536 (the input is in the LONG-IR comment lines at the
// end, so the runs above do not see it), with 64x64 tiles.  The table has
// 3064 runs (not 65536^2 pairs, not even the 9196 tiles); it must finish
// quickly (about a second), so a generous timeout guards against a
// computation that grows with Nq x Nk:
// RUN: sed -n 's|^// LONG-IR: ||p' %s | timeout 60 attn-opt -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64}' | filecheck %s --check-prefix=LONG

// Footprint of a 4x4 tile step with D = Dv = 8 in f32: Q, K, V tiles
// 3 * 4*8*4 = 384, scores 4*4*4 = 64, state 4 * (2 + 8) * 4 = 160: 608
// bytes; of a 2x2 one: 3 * 2*8*4 = 192, 2*2*4 = 16, 2 * 10 * 4 = 80: 288.

// Window of one key either side, N = 10 (ragged: tiles of 4 rows and keys
// are 0-3, 4-7, 8-9).  Query i attends keys i-1 .. i+1.
//   query tile 0 (rows 0-3, keys 0..4): key tile 0 partial (row 0 misses
//     key 3), key tile 1 partial (only 3 -> 4): one partial run 0..1;
//   query tile 1 (rows 4-7, keys 3..8): key tiles 0 (4 -> 3), 1, 2 (7 -> 8),
//     all partial: one run 0..2;
//   query tile 2 (rows 8-9, keys 7..9): key tile 1 partial (8 -> 7), key
//     tile 2 (keys 8-9, rows 8-9 see both) full: two runs.
// T4-LABEL: func.func @window
// T4-NEXT:    %[[O:.+]] = tile.attention %q, %k, %v pattern #attn.window<left = 1, right = 1> tables [#tile.table<ptr = array<i32: 0, 1, 2, 4>, start = array<i32: 0, 0, 1, 2>, count = array<i32: 2, 3, 1, 1>, full = array<i8: 0, 0, 0, 1>>] {footprint_bytes = 608 : i64, block_q = 4 : i64, block_k = 4 : i64, scale = 0.35355339059327373 : f64} : (tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32>
// T4-NEXT:    func.return %[[O]] : tensor<1x2x10x8xf32>
// T4-NEXT:  }
// ALONE-LABEL: func.func @window
// ALONE-NEXT:    %o = attn.attention %q, %k, %v pattern #attn.window<left = 1, right = 1>
func.func @window(%q: tensor<1x2x10x8xf32>, %k: tensor<1x2x10x8xf32>, %v: tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 1, right = 1> : (tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>, tensor<1x2x10x8xf32>) -> tensor<1x2x10x8xf32>
  func.return %o : tensor<1x2x10x8xf32>
}

// -----

// Window of 4 keys either side, N = 12, tiles of 4: query i attends keys
// i-4 .. i+4, so within 3 of each other every pair attends.
//   query tile 0 (rows 0-3): key tile 0 full, key tile 1 partial (row 0
//     sees only key 4), key tile 2 none (row 3 reaches key 7);
//   query tile 1 (rows 4-7): key tile 0 partial (row 7 misses key 0..2),
//     key tile 1 full, key tile 2 partial;
//   query tile 2 (rows 8-11): key tile 0 none (row 8 starts at key 4), key
//     tile 1 partial, key tile 2 full.
// Full and partial tiles alternate, so every run is one tile.
// T4-LABEL: func.func @window_full
// T4-NEXT:    tile.attention %q, %k, %v pattern #attn.window<left = 4, right = 4> tables [#tile.table<ptr = array<i32: 0, 2, 5, 7>, start = array<i32: 0, 1, 0, 1, 2, 1, 2>, count = array<i32: 1, 1, 1, 1, 1, 1, 1>, full = array<i8: 1, 0, 0, 1, 0, 0, 1>>] {footprint_bytes = 608 : i64, block_q = 4 : i64, block_k = 4 : i64, scale = 0.35355339059327373 : f64}
func.func @window_full(%q: tensor<1x1x12x8xf32>, %k: tensor<1x1x12x8xf32>, %v: tensor<1x1x12x8xf32>) -> tensor<1x1x12x8xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 4, right = 4> : (tensor<1x1x12x8xf32>, tensor<1x1x12x8xf32>, tensor<1x1x12x8xf32>) -> tensor<1x1x12x8xf32>
  func.return %o : tensor<1x1x12x8xf32>
}

// -----

// Per-head dilation [1, 4] (key i and one after, dilated): one table per
// head.  Tiles of 2, N = 8.
//   head 0 attends i, i+1: query tile t touches key tiles t (partial: row
//     2t+1 misses key 2t) and t+1 (only 2t+1 -> 2t+2), one run of 2 (the
//     last query tile only its own key tile: key 8 is past the end);
//   head 1 attends i, i+4: query tile t touches key tile t (the diagonal)
//     and key tile t+2 (2t -> 2t+4, 2t+1 -> 2t+5), two runs of one tile,
//     up to query tile 1; query tiles 2 and 3 only their own.
// T2-LABEL: func.func @per_head
// T2-NEXT:    tile.attention %q, %k, %v pattern #attn.window<left = 0, right = 1, dilation = [1, 4]> tables [#tile.table<ptr = array<i32: 0, 1, 2, 3, 4>, start = array<i32: 0, 1, 2, 3>, count = array<i32: 2, 2, 2, 1>, full = array<i8: 0, 0, 0, 0>>, #tile.table<ptr = array<i32: 0, 2, 4, 5, 6>, start = array<i32: 0, 2, 1, 3, 2, 3>, count = array<i32: 1, 1, 1, 1, 1, 1>, full = array<i8: 0, 0, 0, 0, 0, 0>>] {footprint_bytes = 288 : i64, block_q = 2 : i64, block_k = 2 : i64, scale = 0.35355339059327373 : f64}
// Heads with the same dilation share one table (dilation [2, 2]):
// T2-NEXT:    tile.attention %q, %k, %v pattern #attn.window<left = 0, right = 1, dilation = [2, 2]> tables [#tile.table<{{[^#]*}}>] {footprint_bytes = 288 : i64
func.func @per_head(%q: tensor<1x2x8x8xf32>, %k: tensor<1x2x8x8xf32>, %v: tensor<1x2x8x8xf32>) -> (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 0, right = 1, dilation = [1, 4]> : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %p = attn.attention %q, %k, %v pattern #attn.window<left = 0, right = 1, dilation = [2, 2]> : (tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  func.return %o, %p : tensor<1x2x8x8xf32>, tensor<1x2x8x8xf32>
}

// -----

// Ragged edges on both sides: Nq = 5 (query tiles of rows 0-1, 2-3, 4),
// Nk = 7 (key tiles of keys 0-1, 2-3, 4-5, 6), tiles of 2, causal with
// offset 2 (query i attends keys j <= i + 2).
//   query tile 0 (keys <= 2, 3): key tile 0 full, key tile 1 partial;
//   query tile 1 (keys <= 4, 5): key tiles 0-1 full, key tile 2 partial;
//   query tile 2 (row 4, keys <= 6): key tiles 0-3 full, the short ones
//     included (one row, and key tile 3 holds key 6 only): one run of 4.
// T2-LABEL: func.func @ragged
// T2-NEXT:    tile.attention %q, %k, %v pattern #attn.causal<offset = 2> tables [#tile.table<ptr = array<i32: 0, 2, 4, 5>, start = array<i32: 0, 1, 0, 2, 0>, count = array<i32: 1, 1, 2, 1, 4>, full = array<i8: 1, 0, 1, 0, 1>>] {footprint_bytes = 288 : i64, block_q = 2 : i64, block_k = 2 : i64, scale = 0.35355339059327373 : f64} : (tensor<1x1x5x8xf32>, tensor<1x1x7x8xf32>, tensor<1x1x7x8xf32>) -> tensor<1x1x5x8xf32>
func.func @ragged(%q: tensor<1x1x5x8xf32>, %k: tensor<1x1x7x8xf32>, %v: tensor<1x1x7x8xf32>) -> tensor<1x1x5x8xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.causal<offset = 2> : (tensor<1x1x5x8xf32>, tensor<1x1x7x8xf32>, tensor<1x1x7x8xf32>) -> tensor<1x1x5x8xf32>
  func.return %o : tensor<1x1x5x8xf32>
}

// -----

// The footprint does not depend on the sequence length: N = 12 and
// N = 1000 with the same tiles and head dimensions hold the same bytes.
// T4-LABEL: func.func @footprint
// T4:         tile.attention {{.*}} {footprint_bytes = 608 : i64, {{.*}} -> tensor<1x1x12x8xf32>
// T4:         tile.attention {{.*}} {footprint_bytes = 608 : i64, {{.*}} -> tensor<1x1x1000x8xf32>
// T2-LABEL: func.func @footprint
// T2:         tile.attention {{.*}} {footprint_bytes = [[FP:[0-9]+]] : i64, {{.*}} -> tensor<1x1x12x8xf32>
// T2:         tile.attention {{.*}} {footprint_bytes = [[FP]] : i64, {{.*}} -> tensor<1x1x1000x8xf32>
func.func @footprint(%q: tensor<1x1x12x8xf32>, %k: tensor<1x1x12x8xf32>, %v: tensor<1x1x12x8xf32>, %lq: tensor<1x1x1000x8xf32>, %lk: tensor<1x1x1000x8xf32>, %lv: tensor<1x1x1000x8xf32>) -> (tensor<1x1x12x8xf32>, tensor<1x1x1000x8xf32>) {
  %o = attn.attention %q, %k, %v pattern #attn.causal : (tensor<1x1x12x8xf32>, tensor<1x1x12x8xf32>, tensor<1x1x12x8xf32>) -> tensor<1x1x12x8xf32>
  %p = attn.attention %lq, %lk, %lv pattern #attn.causal : (tensor<1x1x1000x8xf32>, tensor<1x1x1000x8xf32>, tensor<1x1x1000x8xf32>) -> tensor<1x1x1000x8xf32>
  func.return %o, %p : tensor<1x1x12x8xf32>, tensor<1x1x1000x8xf32>
}

// -----

// attn-tile alone on cascades: the 3-pass and the 2-pass forms are left as
// they are (fuse them first); the 1-pass one becomes tile.attention, its
// key tile taking the place of M0 (2 here, 4 in the table), its mask
// operand carried over.  Nothing of the 1-pass cascade is left.  The
// table is the causal one (query tile 0: key tile 0; query tile 1: key
// tiles 0 and 1) with every tile partial, as the mask is only known at run
// time: one run per query tile.  Footprint with D = Dv = 4 in f32:
// 3 * 4*4*4 + 4*4*4 + 4 * (2 + 4) * 4 = 352 bytes.
// ALONE-LABEL: func.func @cascades
// ALONE-NEXT:    %s = cascade.qk %q, %k pattern #attn.dense {scale = 5.000000e-01 : f64} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x8xf32>
// ALONE-NEXT:    %gm = cascade.max %s : tensor<1x1x8x8xf32> -> tensor<1x1x8xf32>
// ALONE-NEXT:    %sn = cascade.sub_exp %s, %gm : (tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8x8xf32>
// ALONE-NEXT:    %sd = cascade.sum %sn : tensor<1x1x8x8xf32> -> tensor<1x1x8xf32>
// ALONE-NEXT:    %a = cascade.normalize %sn, %sd : (tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8x8xf32>
// ALONE-NEXT:    %three = cascade.av %a, %v : (tensor<1x1x8x8xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
// ALONE-NEXT:    %snv = cascade.av %sn, %v : (tensor<1x1x8x8xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
// ALONE-NEXT:    %two = cascade.div_rows %snv, %sd : (tensor<1x1x8x4xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8x4xf32>
// ALONE-NEXT:    %one = tile.attention %q, %k, %v mask %m pattern #attn.intersect<[#attn.mask, #attn.causal]> tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 1, 2>, full = array<i8: 0, 0>>] {footprint_bytes = 352 : i64, block_q = 4 : i64, block_k = 4 : i64, scale = 5.000000e-01 : f64} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x8xi1>) -> tensor<1x1x8x4xf32>
// ALONE-NEXT:    func.return %three, %two, %one
// ALONE-NOT:     cascade.
// The runs above with attn-decompose and attn-fuse first tile all three:
// T4-LABEL: func.func @cascades
// T4-NEXT:    tile.attention %q, %k, %v pattern #attn.dense
// T4-NEXT:    tile.attention %q, %k, %v pattern #attn.dense
// T4-NEXT:    tile.attention %q, %k, %v mask %m pattern #attn.intersect<[#attn.mask, #attn.causal]>
// T4-NEXT:    func.return
func.func @cascades(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>, %m: tensor<1x1x8x8xi1>) -> (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) {
  %s = cascade.qk %q, %k pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x8xf32>
  %gm = cascade.max %s : tensor<1x1x8x8xf32> -> tensor<1x1x8xf32>
  %sn = cascade.sub_exp %s, %gm : (tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8x8xf32>
  %sd = cascade.sum %sn : tensor<1x1x8x8xf32> -> tensor<1x1x8xf32>
  %a = cascade.normalize %sn, %sd : (tensor<1x1x8x8xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8x8xf32>
  %three = cascade.av %a, %v : (tensor<1x1x8x8xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  %snv = cascade.av %sn, %v : (tensor<1x1x8x8xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  %two = cascade.div_rows %snv, %sd : (tensor<1x1x8x4xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8x4xf32>
  %bqk = cascade.qk %q, %k mask %m pattern #attn.intersect<[#attn.mask, #attn.causal]> {scale = 0.5 : f64} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x8xi1>) -> tensor<1x1x8x4x2xf32>
  %lm = cascade.max %bqk : tensor<1x1x8x4x2xf32> -> tensor<1x1x8x4xf32>
  %rm = cascade.running_max %lm : tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %sln = cascade.sub_exp %bqk, %rm : (tensor<1x1x8x4x2xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4x2xf32>
  %sld = cascade.sum %sln : tensor<1x1x8x4x2xf32> -> tensor<1x1x8x4xf32>
  %slnv = cascade.av %sln, %v : (tensor<1x1x8x4x2xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4x4xf32>
  %prm = cascade.rescale %rm : tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %rd = cascade.running_sum %sld, %prm : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8xf32>
  %rnv = cascade.running_av %slnv, %prm : (tensor<1x1x8x4x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  %one = cascade.div_rows %rnv, %rd : (tensor<1x1x8x4xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8x4xf32>
  func.return %three, %two, %one : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>
}

// The long window.  Query tile t (rows 64t .. 64t+63) attends keys
// 64t-256 .. 64t+319: key tiles t-4 (partial: only row 64t sees key
// 64t-256) through t+4 (partial: only row 64t+63 sees key 64t+319), the 7
// between full.  So query tiles 0-3 have a full run from key tile 0 and a
// partial tile t+4: (0, 4+t full), (4+t, 1 partial); from query tile 4 on
// there are three runs (t-4, 1 partial), (t-3, 7 full), (t+4, 1 partial);
// the last four lose the partial run past the end: query tile 1023 has
// (1019, 1 partial), (1020, 4 full).  4*2 + 1016*3 + 4*2 = 3064 runs.
// LONG:      %o = tile.attention %q, %k, %v pattern #attn.window<left = 256, right = 256> tables [#tile.table<ptr = array<i32: 0, 2, 4, 6, 8, 11, 14, 17, 20,
// LONG-SAME: 3047, 3050, 3053, 3056, 3058, 3060, 3062, 3064>,
// LONG-SAME: start = array<i32: 0, 4, 0, 5, 0, 6, 0, 7, 0, 1, 8, 1, 2, 9, 2, 3, 10,
// LONG-SAME: 1015, 1016, 1023, 1016, 1017, 1017, 1018, 1018, 1019, 1019, 1020>,
// LONG-SAME: count = array<i32: 4, 1, 5, 1, 6, 1, 7, 1, 1, 7, 1, 1, 7, 1, 1, 7, 1,
// LONG-SAME: 1, 7, 1, 1, 7, 1, 6, 1, 5, 1, 4>,
// LONG-SAME: full = array<i8: 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0,
// LONG-SAME: 0, 1, 0, 1, 0, 1, 0, 1>>]
// LONG-SAME: {footprint_bytes = 82432 : i64, block_q = 64 : i64, block_k = 64 : i64, scale = 1.250000e-01 : f64} : (tensor<1x1x65536x64xf32>, tensor<1x1x65536x64xf32>, tensor<1x1x65536x64xf32>) -> tensor<1x1x65536x64xf32>
// LONG-NEXT: func.return %o
// LONG-NOT:  cascade.
//
// LONG-IR: func.func @long(%q: tensor<1x1x65536x64xf32>, %k: tensor<1x1x65536x64xf32>, %v: tensor<1x1x65536x64xf32>) -> tensor<1x1x65536x64xf32> {
// LONG-IR:   %o = attn.attention %q, %k, %v pattern #attn.window<left = 256, right = 256> : (tensor<1x1x65536x64xf32>, tensor<1x1x65536x64xf32>, tensor<1x1x65536x64xf32>) -> tensor<1x1x65536x64xf32>
// LONG-IR:   func.return %o : tensor<1x1x65536x64xf32>
// LONG-IR: }
