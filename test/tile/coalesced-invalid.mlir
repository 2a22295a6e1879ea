// One chunk per verifier rule of #tile.coalesced and of its use on tile.attention.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics

func.func @valid(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {coalesced = [#tile.coalesced<rows = array<i32: 0, 1, 4>, ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, end = array<i32: 4, 4>, full = array<i8: 1, 1>>], block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return
}

// -----

func.func @rows_type(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{#tile.coalesced: 'rows' must be an array of i32}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {coalesced = [#tile.coalesced<rows = array<i64: 0, 4>, ptr = array<i32: 0, 1>, start = array<i32: 0>, end = array<i32: 4>, full = array<i8: 1>>], block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return
}

// -----

func.func @rows_rise(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{#tile.coalesced: 'rows' must rise strictly from 0}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {coalesced = [#tile.coalesced<rows = array<i32: 0, 2, 2, 4>, ptr = array<i32: 0, 1, 1, 1>, start = array<i32: 0>, end = array<i32: 4>, full = array<i8: 1>>], block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return
}

// -----

func.func @ptr_len(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{#tile.coalesced: 'ptr' needs one entry per entry of 'rows' and must rise from 0 to the number of pieces}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {coalesced = [#tile.coalesced<rows = array<i32: 0, 4>, ptr = array<i32: 0, 2>, start = array<i32: 0>, end = array<i32: 4>, full = array<i8: 1>>], block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return
}

// -----

func.func @lengths(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{#tile.coalesced: 'start', 'end' and 'full' must have the same length}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {coalesced = [#tile.coalesced<rows = array<i32: 0, 4>, ptr = array<i32: 0, 1>, start = array<i32: 0>, end = array<i32: 4>, full = array<i8: 1, 0>>], block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return
}

// -----

func.func @empty_piece(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{#tile.coalesced: every piece needs 0 <= start < end}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {coalesced = [#tile.coalesced<rows = array<i32: 0, 4>, ptr = array<i32: 0, 1>, start = array<i32: 2>, end = array<i32: 2>, full = array<i8: 1>>], block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return
}

// -----

func.func @overlap(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{#tile.coalesced: the pieces of each block must be ascending and must not overlap}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {coalesced = [#tile.coalesced<rows = array<i32: 0, 4>, ptr = array<i32: 0, 2>, start = array<i32: 0, 1>, end = array<i32: 2, 4>, full = array<i8: 1, 1>>], block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return
}

// -----

func.func @not_plans(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' attribute 'coalesced' must be an array of #tile.coalesced}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {coalesced = [1 : i64], block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return
}

// -----

func.func @count(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' needs one #tile.coalesced per tile table (1), got 2}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {coalesced = [#tile.coalesced<rows = array<i32: 0, 4>, ptr = array<i32: 0, 0>, start = array<i32>, end = array<i32>, full = array<i8>>, #tile.coalesced<rows = array<i32: 0, 4>, ptr = array<i32: 0, 0>, start = array<i32>, end = array<i32>, full = array<i8>>], block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return
}

// -----

func.func @rows_end(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' #tile.coalesced: 'rows' must end at the number of queries (4), got 3}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {coalesced = [#tile.coalesced<rows = array<i32: 0, 3>, ptr = array<i32: 0, 0>, start = array<i32>, end = array<i32>, full = array<i8>>], block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return
}

// -----

func.func @past_keys(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' #tile.coalesced: a piece ends past the 4 keys}}
  %o = tile.attention %q, %k, %v pattern #attn.dense tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {coalesced = [#tile.coalesced<rows = array<i32: 0, 4>, ptr = array<i32: 0, 1>, start = array<i32: 0>, end = array<i32: 5>, full = array<i8: 1>>], block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return
}

// -----

// Query tile 0 lists only key tile 0: a plan reading keys 2-3 for rows 0-1
// would read a tile the table skips.
func.func @skipped_tile(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>) {
  // expected-error @+1 {{'tile.attention' #tile.coalesced: piece 0..3 of rows 0..1 reads key tiles the tile table skips}}
  %o = tile.attention %q, %k, %v pattern #attn.causal tables [#tile.table<ptr = array<i32: 0, 1, 3>, start = array<i32: 0, 0, 1>, count = array<i32: 1, 1, 1>, full = array<i8: 0, 1, 0>>] {coalesced = [#tile.coalesced<rows = array<i32: 0, 2, 4>, ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, end = array<i32: 4, 4>, full = array<i8: 0, 0>>], block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return
}

// -----

func.func @mask_pattern(%q: tensor<1x1x4x8xf32>, %k: tensor<1x1x4x8xf32>, %v: tensor<1x1x4x8xf32>, %m: tensor<1x1x4x4xi1>) {
  // expected-error @+1 {{'tile.attention' #tile.coalesced needs a pattern known at compile time; this one reads the mask operand}}
  %o = tile.attention %q, %k, %v mask %m pattern #attn.mask tables [#tile.table<ptr = array<i32: 0, 1, 2>, start = array<i32: 0, 0>, count = array<i32: 2, 2>, full = array<i8: 1, 1>>] {coalesced = [#tile.coalesced<rows = array<i32: 0, 4>, ptr = array<i32: 0, 1>, start = array<i32: 0>, end = array<i32: 4>, full = array<i8: 0>>], block_q = 2 : i64, block_k = 2 : i64, scale = 0.5 : f64} : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x4xi1>) -> tensor<1x1x4x8xf32>
  func.return
}
