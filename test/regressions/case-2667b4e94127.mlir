// differential: seed=0 magnitude=1.0 passes=1 m0=1 tile_q=1 tile_k=1 target=None
// interpreter:attn: failed: result float32[1, 1, 1, 1], expected float16[1, 1, 1, 1]
// interpreter:decompose: failed: result float32[1, 1, 1, 1], expected float16[1, 1, 1, 1]
// interpreter:fuse2: failed: result float32[1, 1, 1, 1], expected float16[1, 1, 1, 1]
// interpreter:fuse1: failed: result float32[1, 1, 1, 1], expected float16[1, 1, 1, 1]
// interpreter:tile: failed: result float32[1, 1, 1, 1], expected float16[1, 1, 1, 1]
builtin.module {
  func.func @f(%q: tensor<1x1x1x1xf16>, %k: tensor<1x1x1x1xf16>, %v: tensor<1x1x1x1xf16>) -> tensor<1x1x1x1xf16> {
    %out = attn.attention %q, %k, %v pattern #attn.dense : (tensor<1x1x1x1xf16>, tensor<1x1x1x1xf16>, tensor<1x1x1x1xf16>) -> tensor<1x1x1x1xf16>
    func.return %out : tensor<1x1x1x1xf16>
  }
}
