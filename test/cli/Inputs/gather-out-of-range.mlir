func.func @decode(%imp: tensor<1x8xf64>) -> tensor<1x8xf64> {
  %tokens = attn.token_range {start = 27 : i64} : tensor<1x8xi64>
  %scores = attn.gather %imp, %tokens {dim = 1 : i64} : (tensor<1x8xf64>, tensor<1x8xi64>) -> tensor<1x8xf64>
  func.return %scores : tensor<1x8xf64>
}
