func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // The window has no 'size' parameter.
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 2, size = 2> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}
