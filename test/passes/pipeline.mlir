// The whole lowering: attn.attention -> 3-pass cascade -> 1-pass cascade
// -> tile.attention, on a function with two attention ops of different
// patterns.  Each becomes one tile.attention with its own pattern and tile
// table; no cascade op and no attn.attention is left.
//
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64}' | filecheck %s
// The same through separate invocations (the text between the passes parses back):
// RUN: attn-opt %s --split-input-file -p attn-decompose | attn-opt --split-input-file -p 'attn-fuse{passes=1}' | attn-opt --split-input-file -p 'attn-tile{q=64 k=64}' | filecheck %s
// The result verifies and is a fixed point of the pipeline:
// RUN: attn-opt %s --split-input-file -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64}' > %t1 && attn-opt %t1 --split-input-file -p 'attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64}' > %t2 && diff %t1 %t2

// Footprint of a 64x64 tile step with D = Dv = 64 in f32:
// Q, K, V tiles 3 * 64*64*4 = 49152, scores 64*64*4 = 16384,
// state 64 * (2 + 64) * 4 = 16896: 82432 bytes.  Default scale 1/sqrt(64).
// CHECK-LABEL: func.func @two_layers
// CHECK-NEXT:    %[[A:.+]] = tile.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 32, right = 32>, #attn.global<[0]>]> tables [#tile.table<ptr = array<i32: {{.*}}>>] {footprint_bytes = 82432 : i64, block_q = 64 : i64, block_k = 64 : i64, scale = 1.250000e-01 : f64} : (tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>) -> tensor<1x2x256x64xf32>
// CHECK-NEXT:    %[[B:.+]] = tile.attention %[[A]], %k, %v pattern #attn.causal tables [#tile.table<ptr = array<i32: {{.*}}>>] {footprint_bytes = 82432 : i64, block_q = 64 : i64, block_k = 64 : i64, scale = 5.000000e-01 : f64} : (tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>) -> tensor<1x2x256x64xf32>
// CHECK-NEXT:    func.return %[[A]], %[[B]] : tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>
// CHECK-NEXT:  }
// CHECK-NOT:   cascade.
// CHECK-NOT:   attn.attention
func.func @two_layers(%q: tensor<1x2x256x64xf32>, %k: tensor<1x2x256x64xf32>, %v: tensor<1x2x256x64xf32>) -> (tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>) {
  %a = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 32, right = 32>, #attn.global<[0]>]> : (tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>) -> tensor<1x2x256x64xf32>
  %b = attn.attention %a, %k, %v pattern #attn.causal {scale = 0.5 : f64} : (tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>) -> tensor<1x2x256x64xf32>
  func.return %a, %b : tensor<1x2x256x64xf32>, tensor<1x2x256x64xf32>
}

// -----

// A mask operand and per-head dilation go through the pipeline too: the
// mask reaches tile.attention, per-head dilation gives one table per head.
// f16 halves the Q, K, V tiles: 3 * 64*16*2 + 64*64*4 + 64 * (2 + 16) * 4 = 27136.
// CHECK-LABEL: func.func @mask_and_heads
// CHECK-NEXT:    %[[M:.+]] = tile.attention %q, %k, %v mask %m pattern #attn.union<[#attn.mask, #attn.causal]> tables [#tile.table<{{[^#]*}}>] {footprint_bytes = 27136 : i64, block_q = 64 : i64, block_k = 64 : i64, scale = 2.500000e-01 : f64} : (tensor<1x2x100x16xf16>, tensor<1x2x100x16xf16>, tensor<1x2x100x16xf16>, tensor<1x1x100x100xi1>) -> tensor<1x2x100x16xf16>
// CHECK-NEXT:    %[[H:.+]] = tile.attention %q, %k, %v pattern #attn.window<left = 2, right = 2, dilation = [1, 40]> tables [#tile.table<{{[^#]*}}>, #tile.table<{{[^#]*}}>] {footprint_bytes = 27136 : i64, block_q = 64 : i64, block_k = 64 : i64, scale = 2.500000e-01 : f64}
// CHECK-NEXT:    func.return %[[M]], %[[H]]
// CHECK-NOT:   cascade.
func.func @mask_and_heads(%q: tensor<1x2x100x16xf16>, %k: tensor<1x2x100x16xf16>, %v: tensor<1x2x100x16xf16>, %m: tensor<1x1x100x100xi1>) -> (tensor<1x2x100x16xf16>, tensor<1x2x100x16xf16>) {
  %a = attn.attention %q, %k, %v mask %m pattern #attn.union<[#attn.mask, #attn.causal]> : (tensor<1x2x100x16xf16>, tensor<1x2x100x16xf16>, tensor<1x2x100x16xf16>, tensor<1x1x100x100xi1>) -> tensor<1x2x100x16xf16>
  %b = attn.attention %q, %k, %v pattern #attn.window<left = 2, right = 2, dilation = [1, 40]> : (tensor<1x2x100x16xf16>, tensor<1x2x100x16xf16>, tensor<1x2x100x16xf16>) -> tensor<1x2x100x16xf16>
  func.return %a, %b : tensor<1x2x100x16xf16>, tensor<1x2x100x16xf16>
}
