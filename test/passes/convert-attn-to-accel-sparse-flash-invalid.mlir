// convert-attn-to-accel on tile.indexed_attention whose buffers do not fit
// the target: one diagnostic at the tiled op, naming the largest buffer.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics -p 'convert-attn-to-accel{target=fusemax}'

// Tiles of 2048 x 1024 need 8 MiB of f32 scores, doubled by the pipeline:
// more than FuseMax's 16 MiB buffer.
func.func @too_big(%q: tensor<1x1x4096x64xf32>, %p: tensor<1x1x4096xi32>) -> tensor<1x1x4096x64xf32> {
  // expected-error @+1 {{convert-attn-to-accel: buffers do not fit target 'fusemax': buffer 'scores' needs 16777216 bytes, all buffers need 21078016 bytes, 16777216 bytes are available}}
  %o = tile.indexed_attention %q, %q, %q positions %p, %p {block_q = 2048 : i64, block_k = 1024 : i64, scale = 0.125 : f64} : (tensor<1x1x4096x64xf32>, tensor<1x1x4096x64xf32>, tensor<1x1x4096x64xf32>, tensor<1x1x4096xi32>, tensor<1x1x4096xi32>) -> tensor<1x1x4096x64xf32>
  func.return %o : tensor<1x1x4096x64xf32>
}
