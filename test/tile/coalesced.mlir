// Round trip of #tile.coalesced on tile.attention (the `coalesced`
// attribute, one plan per tile table), in the custom and the generic form,
// and a fixed point of print/parse.  Query block j is rows
// rows[j] .. rows[j+1] - 1 with pieces ptr[j] .. ptr[j+1] - 1; piece p is
// keys start[p] .. end[p] - 1, full (no mask work) or partial.
//
// RUN: attn-opt %s | attn-opt | filecheck %s
// RUN: attn-opt %s --print-op-generic | attn-opt | filecheck %s
// RUN: attn-opt %s | attn-opt > %t1 && attn-opt %t1 | attn-opt > %t2 && diff %t1 %t2
// RUN: attn-opt %s --print-op-generic > %t3 && attn-opt %t3 --print-op-generic > %t4 && diff %t3 %t4
// attn-coalesce leaves an op that has plans as it is:
// RUN: attn-opt %s -p 'attn-coalesce{rows=8}' | filecheck %s
// The NumPy backend executes the plan and matches the reference (the plan
// is the one attn-coalesce{rows=4} computes: test/passes/attn-coalesce.mlir):
// RUN: attn-run %s --backend numpy --check -p '' | filecheck %s --check-prefix=RESULT
// RUN: attn-translate %s --target numpy -p '' | filecheck %s --check-prefix=PY
// RESULT: check o: max abs error {{.*}}: ok
// PY: _coalesced_schedule(
// PY: o = _coalesced_attention(

// Longformer-like: a window of 2 each side and token 0 global over 16
// tokens in 2x2 tiles, query blocks of 4 rows.  Row 0 (global) is a block
// of its own: every key, full.  Rows 1-3 attend keys 0 .. i+2: one partial
// piece 0..5.  Rows 4-7 attend 2..9 and the global column 0; key 1 is
// attended by none but lies inside a tile the table lists: one partial
// piece 0..9.  Rows 8-11: the global column is a one-key full piece, the
// band 6..13 a partial piece (its full middle, keys 9-10, is too short to
// be split off).  Rows 12-15: the global column, then 10..15.
// CHECK-LABEL: func.func @longformer
// CHECK: coalesced = [#tile.coalesced<rows = array<i32: 0, 1, 4, 8, 12, 16>, ptr = array<i32: 0, 1, 2, 3, 5, 7>, start = array<i32: 0, 0, 0, 0, 6, 0, 10>, end = array<i32: 16, 6, 10, 1, 14, 1, 16>, full = array<i8: 1, 0, 0, 1, 0, 1, 0>>]
func.func @longformer(%q: tensor<1x1x16x4xf32>, %k: tensor<1x1x16x4xf32>, %v: tensor<1x1x16x4xf32>) -> tensor<1x1x16x4xf32> {
  %o = tile.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 2, right = 2>, #attn.global<[0]>]> tables [#tile.table<ptr = array<i32: 0, 2, 4, 7, 11, 15, 19, 23, 26>, start = array<i32: 0, 2, 0, 2, 0, 2, 3, 0, 2, 3, 4, 0, 3, 4, 5, 0, 4, 5, 6, 0, 5, 6, 7, 0, 6, 7>, count = array<i32: 2, 6, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>, full = array<i8: 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1>>]
         {coalesced = [#tile.coalesced<rows = array<i32: 0, 1, 4, 8, 12, 16>, ptr = array<i32: 0, 1, 2, 3, 5, 7>, start = array<i32: 0, 0, 0, 0, 6, 0, 10>, end = array<i32: 16, 6, 10, 1, 14, 1, 16>, full = array<i8: 1, 0, 0, 1, 0, 1, 0>>],
          block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64}
         : (tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>, tensor<1x1x16x4xf32>) -> tensor<1x1x16x4xf32>
  func.return %o : tensor<1x1x16x4xf32>
}
