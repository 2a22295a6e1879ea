// differential: seed=1 magnitude=4.0 passes=1 m0=1 tile_q=1 tile_k=1 target=salo
// hwmodel:salo: max |error| inf > 0.0224 before issue 17: the exp overflows in one row (no running max); now reported as overflow_rows and excused as a target limitation
builtin.module {
  func.func @f(%q: tensor<2x1x36x1xf32>, %k: tensor<2x1x36x1xf32>, %v: tensor<2x1x36x1xf32>) -> tensor<2x1x36x1xf32> {
    %out = attn.attention %q, %k, %v pattern #attn.window<left = 1, right = 0> : (tensor<2x1x36x1xf32>, tensor<2x1x36x1xf32>, tensor<2x1x36x1xf32>) -> tensor<2x1x36x1xf32>
    func.return %out : tensor<2x1x36x1xf32>
  }
}
