func.func @f(%q: tensor<1x1x8x4xf32>, %k: tensor<1x1x8x4xf32>, %v: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  %x = arith.constant 1 : i32
  %o = attn.attention %q, %k, %v pattern #attn.causal : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  func.return %o : tensor<1x1x8x4xf32>
}
