// Longformer-like layers for the SALO schedule: a sliding window with a
// global token, and per-head dilation in f16.
func.func @window_global(%q: tensor<1x2x64x8xf32>, %k: tensor<1x2x64x8xf32>, %v: tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32> {
  %o = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 8, right = 8>, #attn.global<[0]>]> : (tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) -> tensor<1x2x64x8xf32>
  func.return %o : tensor<1x2x64x8xf32>
}

// -----

func.func @dilated(%q: tensor<1x2x64x8xf16>, %k: tensor<1x2x64x8xf16>, %v: tensor<1x2x64x8xf16>) -> tensor<1x2x64x8xf16> {
  %o = attn.attention %q, %k, %v pattern #attn.window<left = 4, right = 4, dilation = [1, 2]> {scale = 0.25 : f64} : (tensor<1x2x64x8xf16>, tensor<1x2x64x8xf16>, tensor<1x2x64x8xf16>) -> tensor<1x2x64x8xf16>
  func.return %o : tensor<1x2x64x8xf16>
}
