func.func private @decl(tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
