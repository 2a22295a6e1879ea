// An explicit tile table (#attn.tiles): #attn.causal on 8 tokens in 4x4
// tiles, one partial bitmap (a triangle) shared by both diagonal tiles,
// next to a sliding window; and one table per head.
func.func @tiles(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.tiles<block = [4, 4], shape = [8, 8], ptr = [0, 1, 3], start = [0, 0, 1], count = [1, 1, 1], bitmap = [0, -1, 0], bitmaps = "8cef">, #attn.window<left = 1, right = 1>]> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  %p = attn.attention %q, %k, %v pattern #attn.tiles<block = [4, 8], shape = [8, 8], ptr = [0, 1, 2, 3, 4], start = [0, 0, 0, 0], count = [1, 1, 1, 1], bitmap = [-1, 0, 0, -1], bitmaps = "ff00ff00ff00ff00"> : (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  func.return %o, %p : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>
}
