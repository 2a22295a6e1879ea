func.func @f(%q: tensor<1x2x16x4xf32>, %k: tensor<1x2x16x4xf32>, %v: tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32> {
  // The op is valid: this expected error is never produced.
  // expected-error @+1 {{token 16 is out of range}}
  %o = attn.attention %q, %k, %v pattern #attn.global<[0, 15]> : (tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x4xf32>
  func.return %o : tensor<1x2x16x4xf32>
}
