// An attention whose pattern is its mask operand (input of test/cli/attn-ir-stats.test).
func.func @masked(%q: tensor<1x2x40x8xf32>, %m: tensor<1x1x40x40xi1>) -> tensor<1x2x40x8xf32> {
  %o = attn.attention %q, %q, %q mask %m pattern #attn.mask : (tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>, tensor<1x2x40x8xf32>, tensor<1x1x40x40xi1>) -> tensor<1x2x40x8xf32>
  func.return %o : tensor<1x2x40x8xf32>
}
