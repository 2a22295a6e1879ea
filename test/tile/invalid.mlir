// One chunk per verifier rule of tile.attention and #tile.table.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics

// ===========================================================================
// #tile.table
// ===========================================================================

func.func @ptr_element_type(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: 'ptr' must be an array of i32}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i64: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @start_element_type(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: 'start' must be an array of i32}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i16: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @count_element_type(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: 'count' must be an array of i32}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i64: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

// The full flags are i8 (0 or 1), not i1.
func.func @full_element_type(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: 'full' must be an array of i8}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i1: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @ptr_empty(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: 'ptr' must rise from 0 to the number of runs}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32>, start = array<i32>, count = array<i32>, full = array<i8>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @ptr_start(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: 'ptr' must rise from 0 to the number of runs}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 1, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

// ptr ends at 1 but there are 2 runs.
func.func @ptr_end(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: 'ptr' must rise from 0 to the number of runs}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 1>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @ptr_falls(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: 'ptr' must rise from 0 to the number of runs}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 2, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @lengths(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: 'start', 'count' and 'full' must have the same length}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @count_zero(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: runs need a non-negative start and a positive count}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 0>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @start_negative(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: runs need a non-negative start and a positive count}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, -1>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

// Key tile 1 is listed twice for query tile 0 (runs 0..1 and 1..1):
// it would be counted twice.
func.func @runs_overlap(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: the runs of each query tile must be ascending and must not overlap}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 2, 3>, start = array<i32: 0, 1, 0>, count = array<i32: 2, 1, 2>, full = array<i8: 1, 0, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @runs_descending(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: the runs of each query tile must be ascending and must not overlap}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 2, 3>, start = array<i32: 1, 0, 0>, count = array<i32: 1, 1, 2>, full = array<i8: 0, 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @not_dense_array(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{#tile.table: 'ptr' must be a dense array}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = [0, 1, 2], start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

// ===========================================================================
// tile.attention: the tables against the op
// ===========================================================================

func.func @query_tiles(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' tile table has 1 query tiles, expected 2 (4 rows in tiles of 2)}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 2>, full = array<i8: 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

// 5 rows in tiles of 2 make 3 query tiles (the last one ragged).
func.func @query_tiles_ragged(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' tile table has 2 query tiles, expected 3 (5 rows in tiles of 2)}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x5x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x5x8xf32>
  func.return
}

// -----

// Every table of a per-head list is checked.
func.func @query_tiles_second_table(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' tile table has 3 query tiles, expected 2 (4 rows in tiles of 2)}}
  %o = tile.attention %q, %k, %v pattern #attn.window<left = 1, right = 1, dilation = [1, 2]> tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>, #tile.table<ptr = array<i32: 0, 1, 2, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

// 4 keys in tiles of 2: key tiles 0 and 1 only; the run 1..2 goes past.
func.func @key_tile_range(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' tile table names a key tile outside 0..1}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 1>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

// 5 keys in tiles of 2: key tiles 0, 1 and 2 (the last one ragged).
func.func @key_tile_range_ragged(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>) {
  // expected-error @+1 {{'tile.attention' tile table names a key tile outside 0..2}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 4, 3>, full = array<i8: 0, 0>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x5x8xf32>, tensor<1x2x5x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @block_q_zero(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' tile sizes must be positive, got 0x2}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 0 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @block_k_negative(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' tile sizes must be positive, got 2x-2}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = -2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @too_many_tables(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' needs one tile table or one per head (2), got 3}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>, #tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>, #tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @no_table(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' needs one tile table or one per head (2), got 0}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

// ===========================================================================
// tile.attention: operands, mask and pattern
// ===========================================================================

func.func @mask_without_mask_pattern(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x2x4x4xi1>) {
  // expected-error @+1 {{'tile.attention' a mask operand is needed exactly when the pattern uses #attn.mask}}
  %o = tile.attention %q, %k, %v mask %m pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x4xi1>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @mask_pattern_without_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' a mask operand is needed exactly when the pattern uses #attn.mask}}
  %o = tile.attention %q, %k, %v pattern #attn.intersect<[#attn.causal, #attn.mask]> tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @mask_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x2x4x5xi1>) {
  // expected-error @+1 {{'tile.attention' mask must be an i1 tensor broadcastable to 1x2x4x4, got tensor<1x2x4x5xi1>}}
  %o = tile.attention %q, %k, %v mask %m pattern #attn.mask tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x5xi1>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @mask_batch(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<3x1x4x4xi1>) {
  // expected-error @+1 {{'tile.attention' mask must be an i1 tensor broadcastable to 1x2x4x4, got tensor<3x1x4x4xi1>}}
  %o = tile.attention %q, %k, %v mask %m pattern #attn.mask tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<3x1x4x4xi1>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @mask_element_type(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x2x4x4xf32>) {
  // expected-error @+1 {{'tile.attention' mask must be an i1 tensor broadcastable to 1x2x4x4, got tensor<1x2x4x4xf32>}}
  %o = tile.attention %q, %k, %v mask %m pattern #attn.mask tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

// The pattern is validated against the op's shape.
func.func @pattern_heads(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' #attn.window: per-head dilation has 3 entries but the attention has 2 heads}}
  %o = tile.attention %q, %k, %v pattern #attn.window<left = 1, right = 1, dilation = [1, 2, 4]> tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @pattern_global(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' #attn.global: token 7 is out of range for sequence length 4}}
  %o = tile.attention %q, %k, %v pattern #attn.global<[0, 7]> tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @q_rank(%q: tensor<2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' q must be a rank-4 tensor, got tensor<2x4x8xf32>}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @k_head_dim(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x6xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' k must have shape 1x2x4x8 to match q and v, got 1x2x4x6}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x6xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

// k and v must have the same number of keys.
func.func @k_v_length(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' k must have shape 1x2x4x8 to match q and v, got 1x2x6x8}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @k_heads(%q: tensor<1x2x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' k must have shape 1x2x4x8 to match q and v, got 1x1x4x8}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @v_batch(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<2x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' v must have batch 1 and 2 heads to match q, got 2x2x4x8}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<2x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @result_shape(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' result must have shape 1x2x4x8}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x8x8xf32>
  func.return
}

// -----

func.func @not_float(%q: tensor<1x2x4x8xi32>, %k: tensor<1x2x4x8xi32>, %v: tensor<1x2x4x8xi32>) {
  // expected-error @+1 {{'tile.attention' q, k, v and result must share one float element type, got i32, i32, i32, i32}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xi32>, tensor<1x2x4x8xi32>, tensor<1x2x4x8xi32>) -> tensor<1x2x4x8xi32>
  func.return
}

// -----

func.func @element_types(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf16>) {
  // expected-error @+1 {{'tile.attention' q, k, v and result must share one float element type, got f32, f32, f16, f32}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf16>) -> tensor<1x2x4x8xf32>
  func.return
}

// -----

func.func @dynamic(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' k must have a static shape, got tensor<1x2x?x8xf32>}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x2x4x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32>
  func.return
}
