// One chunk per verifier or parser rule of ViTCoD's additions to the attn
// dialect; each message is the text the tool prints.
//
// RUN: python -c "import numpy as np; m = np.eye(4, dtype=bool); np.save('%t.npy', m); np.savez('%t.npz', l0=m, l1=~m); np.save('%tf.npy', np.array(['a', 'b']))"
// RUN: sed 's|@T@|%t|g' %s > %t.mlir
// RUN: attn-opt %t.mlir --split-input-file --verify-diagnostics

// ===========================================================================
// #attn.mask_file
// ===========================================================================

func.func @missing_file(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'attn.attention' #attn.mask_file: cannot read 'no/such/mask.npy': no such file}}
  %o = attn.attention %q, %q, %q pattern #attn.mask_file<path = "no/such/mask.npy"> : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @wrong_size(%q: tensor<1x1x6x8xf32>) -> tensor<1x1x6x8xf32> {
  // expected-error @+1 {{.npy' is 4x4, the attention is 6x6}}
  %o = attn.attention %q, %q, %q pattern #attn.mask_file<path = "@T@.npy"> : (tensor<1x1x6x8xf32>, tensor<1x1x6x8xf32>, tensor<1x1x6x8xf32>) -> tensor<1x1x6x8xf32>
  func.return %o : tensor<1x1x6x8xf32>
}

// -----

func.func @npz_needs_key(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{.npz' holds 2 arrays; give key = one of l0, l1}}
  %o = attn.attention %q, %q, %q pattern #attn.mask_file<path = "@T@.npz"> : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @npz_unknown_key(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{.npz' has no array 'l9'; it holds l0, l1}}
  %o = attn.attention %q, %q, %q pattern #attn.mask_file<path = "@T@.npz", key = "l9"> : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @layer_of_2d(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{.npy' has shape 4x4; layer applies to [L, H, Nq, Nk] arrays only}}
  %o = attn.attention %q, %q, %q pattern #attn.mask_file<path = "@T@.npy", layer = 1> : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @strings(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{must be [Nq, Nk], [H, Nq, Nk] or [L, H, Nq, Nk], got 2}}
  %o = attn.attention %q, %q, %q pattern #attn.mask_file<path = "@T@f.npy"> : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @kept_two(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{'attn.attention' #attn.mask_file: kept must be 0 or 1, got 2}}
  %o = attn.attention %q, %q, %q pattern #attn.mask_file<path = "@T@.npy", kept = 2> : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return %o : tensor<1x1x4x8xf32>
}

// -----

func.func @path_is_a_string(%q: tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32> {
  // expected-error @+1 {{#attn.mask_file: parameter 'path' expects a string}}
  %o = attn.attention %q, %q, %q pattern #attn.mask_file<path = 3> : (tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>, tensor<1x1x4x8xf32>) -> tensor<1x1x4x8xf32>
  func.return %o : tensor<1x1x4x8xf32>
}

// ===========================================================================
// #attn.synthetic_mask
// ===========================================================================

// -----

func.func @synthetic_heads(%q: tensor<1x3x16x8xf32>) -> tensor<1x3x16x8xf32> {
  // expected-error @+1 {{'attn.attention' #attn.synthetic_mask: heads = 2, the attention has 3 heads}}
  %o = attn.attention %q, %q, %q pattern #attn.synthetic_mask<heads = 2> : (tensor<1x3x16x8xf32>, tensor<1x3x16x8xf32>, tensor<1x3x16x8xf32>) -> tensor<1x3x16x8xf32>
  func.return %o : tensor<1x3x16x8xf32>
}

// -----

func.func @synthetic_square(%q: tensor<1x1x16x8xf32>, %k: tensor<1x1x12x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.attention' #attn.synthetic_mask: self-attention only (Nq = Nk), got 16x12}}
  %o = attn.attention %q, %k, %k pattern #attn.synthetic_mask<heads = 1> : (tensor<1x1x16x8xf32>, tensor<1x1x12x8xf32>, tensor<1x1x12x8xf32>) -> tensor<1x1x16x8xf32>
  func.return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @synthetic_density(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.attention' #attn.synthetic_mask: kept_permille must be at most 1000, got 1001}}
  %o = attn.attention %q, %q, %q pattern #attn.synthetic_mask<heads = 1, kept_permille = 1001> : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  func.return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @synthetic_no_heads(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{#attn.synthetic_mask: missing parameter 'heads'}}
  %o = attn.attention %q, %q, %q pattern #attn.synthetic_mask<layer = 1> : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  func.return %o : tensor<1x1x16x8xf32>
}

// ===========================================================================
// #attn.polar_part and the polarised attention's ops
// ===========================================================================

// -----

func.func @unknown_part(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.partial_attention' #attn.polar_part: part must be one of dense, sparse, all, got 'middle'}}
  %o, %l = attn.partial_attention %q, %q, %q pattern #attn.polar_part<source = #attn.synthetic_mask<heads = 1>, threshold = 5, part = "middle"> {format = "dense"} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> (tensor<1x1x16x8xf32>, tensor<1x1x16xf32>)
  func.return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @negative_threshold(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.partial_attention' #attn.polar_part: threshold must be non-negative, got -1}}
  %o, %l = attn.partial_attention %q, %q, %q pattern #attn.polar_part<source = #attn.synthetic_mask<heads = 1>, threshold = -1, part = "dense"> {format = "dense"} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> (tensor<1x1x16x8xf32>, tensor<1x1x16xf32>)
  func.return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @source_not_a_pattern(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{#attn.polar_part: parameter 'source' expects a pattern attribute, got 3 : i64}}
  %o, %l = attn.partial_attention %q, %q, %q pattern #attn.polar_part<source = 3, threshold = 5, part = "dense"> {format = "dense"} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> (tensor<1x1x16x8xf32>, tensor<1x1x16xf32>)
  func.return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @source_mask_operand(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.partial_attention' #attn.polar_part: the source must be a fixed pattern, not #attn.mask}}
  %o, %l = attn.partial_attention %q, %q, %q pattern #attn.polar_part<source = #attn.mask, threshold = 5, part = "dense"> {format = "dense"} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> (tensor<1x1x16x8xf32>, tensor<1x1x16xf32>)
  func.return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @unknown_format(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.partial_attention' format must be dense or coo, got 'csr'}}
  %o, %l = attn.partial_attention %q, %q, %q pattern #attn.causal {format = "csr"} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> (tensor<1x1x16x8xf32>, tensor<1x1x16xf32>)
  func.return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @lse_shape(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.partial_attention' results must be 1x1x16x8 and 1x1x16}}
  %o, %l = attn.partial_attention %q, %q, %q pattern #attn.causal {format = "dense"} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> (tensor<1x1x16x8xf32>, tensor<1x1x8xf32>)
  func.return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @lse_type(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.partial_attention' q, k, v, output and lse must share one element type}}
  %o, %l = attn.partial_attention %q, %q, %q pattern #attn.causal {format = "dense"} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> (tensor<1x1x16x8xf32>, tensor<1x1x16xf64>)
  func.return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @permute_type(%k: tensor<1x1x16x8xf32>) -> tensor<1x1x16x4xf32> {
  // expected-error @+1 {{'attn.permute_keys' result type must equal the input type tensor<1x1x16x8xf32>, got tensor<1x1x16x4xf32>}}
  %kp = attn.permute_keys %k by #attn.polar_part<source = #attn.synthetic_mask<heads = 1>, threshold = 5, part = "all"> {queries = 16 : i64} : tensor<1x1x16x8xf32> -> tensor<1x1x16x4xf32>
  func.return %kp : tensor<1x1x16x4xf32>
}

// -----

func.func @permute_queries(%k: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.permute_keys' queries must be positive, got 0}}
  %kp = attn.permute_keys %k by #attn.polar_part<source = #attn.synthetic_mask<heads = 1>, threshold = 5, part = "all"> {queries = 0 : i64} : tensor<1x1x16x8xf32> -> tensor<1x1x16x8xf32>
  func.return %kp : tensor<1x1x16x8xf32>
}

// -----

func.func @merge_types(%o: tensor<1x1x16x8xf32>, %l: tensor<1x1x16xf32>, %p: tensor<1x1x16x4xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.softmax_merge' second output must have the first output's type tensor<1x1x16x8xf32>, got tensor<1x1x16x4xf32>}}
  %m, %n = attn.softmax_merge %o, %l, %p, %l : (tensor<1x1x16x8xf32>, tensor<1x1x16xf32>, tensor<1x1x16x4xf32>, tensor<1x1x16xf32>) -> (tensor<1x1x16x8xf32>, tensor<1x1x16xf32>)
  func.return %m : tensor<1x1x16x8xf32>
}

// -----

func.func @merge_lse(%o: tensor<1x1x16x8xf32>, %l: tensor<1x1x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.softmax_merge' lse must be 1x1x16 (one value per output row), got tensor<1x1x8xf32>}}
  %m, %n = attn.softmax_merge %o, %l, %o, %l : (tensor<1x1x16x8xf32>, tensor<1x1x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x8xf32>) -> (tensor<1x1x16x8xf32>, tensor<1x1x8xf32>)
  func.return %m : tensor<1x1x16x8xf32>
}

// ===========================================================================
// #attn.autoencoder, attn.qk_encode, attn.qk_decode
// ===========================================================================

// -----

func.func @hidden_too_big(%q: tensor<1x3x4x8xf32>) -> tensor<1x4x4x8xf32> {
  // expected-error @+1 {{#attn.autoencoder: hidden (4) must not exceed heads (3); it compresses them}}
  %c = attn.qk_encode %q with #attn.autoencoder<heads = 3, hidden = 4> : tensor<1x3x4x8xf32> -> tensor<1x4x4x8xf32>
  func.return %c : tensor<1x4x4x8xf32>
}

// -----

func.func @weights_missing(%q: tensor<1x3x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{#attn.autoencoder: cannot read 'no/such/weights.npz': no such file}}
  %c = attn.qk_encode %q with #attn.autoencoder<heads = 3, hidden = 2, path = "no/such/weights.npz"> : tensor<1x3x4x8xf32> -> tensor<1x2x4x8xf32>
  func.return %c : tensor<1x2x4x8xf32>
}

// -----

func.func @weights_names(%q: tensor<1x3x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{.npz' has no array 'encoder.weight', 'encoder.bias', 'decoder.weight', 'decoder.bias'}}
  %c = attn.qk_encode %q with #attn.autoencoder<heads = 3, hidden = 2, path = "@T@.npz"> : tensor<1x3x4x8xf32> -> tensor<1x2x4x8xf32>
  func.return %c : tensor<1x2x4x8xf32>
}

// -----

func.func @unknown_parameter(%q: tensor<1x3x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{#attn.autoencoder has no parameter 'ratio'; expected one of heads, hidden, seed, path, encoder, decoder}}
  %c = attn.qk_encode %q with #attn.autoencoder<heads = 3, ratio = 2> : tensor<1x3x4x8xf32> -> tensor<1x2x4x8xf32>
  func.return %c : tensor<1x2x4x8xf32>
}

// -----

func.func @missing_hidden(%q: tensor<1x3x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{#attn.autoencoder: missing parameter 'hidden'}}
  %c = attn.qk_encode %q with #attn.autoencoder<heads = 3> : tensor<1x3x4x8xf32> -> tensor<1x2x4x8xf32>
  func.return %c : tensor<1x2x4x8xf32>
}

// -----

func.func @encode_heads(%q: tensor<1x4x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{'attn.qk_encode' input must have 3 heads (#attn.autoencoder heads = 3, hidden = 2), got 4}}
  %c = attn.qk_encode %q with #attn.autoencoder<heads = 3, hidden = 2> : tensor<1x4x4x8xf32> -> tensor<1x2x4x8xf32>
  func.return %c : tensor<1x2x4x8xf32>
}

// -----

func.func @decode_heads(%c: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{'attn.qk_decode' result must have 3 heads (#attn.autoencoder heads = 3, hidden = 2), got 2}}
  %d = attn.qk_decode %c with #attn.autoencoder<heads = 3, hidden = 2> : tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  func.return %d : tensor<1x2x4x8xf32>
}

// -----

func.func @decode_tokens(%c: tensor<1x2x4x8xf32>) -> tensor<1x3x5x8xf32> {
  // expected-error @+1 {{'attn.qk_decode' input and result must agree on batch, tokens, head dimension and element type}}
  %d = attn.qk_decode %c with #attn.autoencoder<heads = 3, hidden = 2> : tensor<1x2x4x8xf32> -> tensor<1x3x5x8xf32>
  func.return %d : tensor<1x3x5x8xf32>
}

// -----

func.func @permute_int(%k: tensor<1x1x16x8xi32>) -> tensor<1x1x16x8xi32> {
  // expected-error @+1 {{'attn.permute_keys' input must have a float element type, got i32}}
  %kp = attn.permute_keys %k by #attn.polar_part<source = #attn.synthetic_mask<heads = 1>, threshold = 5, part = "all"> {queries = 16 : i64} : tensor<1x1x16x8xi32> -> tensor<1x1x16x8xi32>
  func.return %kp : tensor<1x1x16x8xi32>
}

// -----

func.func @lse_rank(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.partial_attention' lse must be a rank-3 tensor, got tensor<1x1x16x1xf32>}}
  %o, %l = attn.partial_attention %q, %q, %q pattern #attn.causal {format = "dense"} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> (tensor<1x1x16x8xf32>, tensor<1x1x16x1xf32>)
  func.return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @partial_heads(%q: tensor<1x1x16x8xf32>, %k: tensor<1x2x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.partial_attention' q, k and v must agree on batch and heads}}
  %o, %l = attn.partial_attention %q, %k, %q pattern #attn.causal {format = "dense"} : (tensor<1x1x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x1x16x8xf32>) -> (tensor<1x1x16x8xf32>, tensor<1x1x16xf32>)
  func.return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @partial_keys(%q: tensor<1x1x16x8xf32>, %v: tensor<1x1x12x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.partial_attention' k must be [B, H, Nk, 8] and v [B, H, Nk, Dv]}}
  %o, %l = attn.partial_attention %q, %q, %v pattern #attn.causal {format = "dense"} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x12x8xf32>) -> (tensor<1x1x16x8xf32>, tensor<1x1x16xf32>)
  func.return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @partial_mask(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.partial_attention' takes no mask operand; its pattern must not use #attn.mask}}
  %o, %l = attn.partial_attention %q, %q, %q pattern #attn.mask {format = "dense"} : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> (tensor<1x1x16x8xf32>, tensor<1x1x16xf32>)
  func.return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @merge_lse_types(%o: tensor<1x1x16x8xf32>, %l: tensor<1x1x16xf32>, %m: tensor<1x1x16xf64>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.softmax_merge' second lse must have the first lse's type tensor<1x1x16xf32>, got tensor<1x1x16xf64>}}
  %r, %n = attn.softmax_merge %o, %l, %o, %m : (tensor<1x1x16x8xf32>, tensor<1x1x16xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16xf64>) -> (tensor<1x1x16x8xf32>, tensor<1x1x16xf32>)
  func.return %r : tensor<1x1x16x8xf32>
}

// -----

func.func @encode_int(%q: tensor<1x3x4x8xi32>) -> tensor<1x2x4x8xi32> {
  // expected-error @+1 {{'attn.qk_encode' input must have a float element type, got i32}}
  %c = attn.qk_encode %q with #attn.autoencoder<heads = 3, hidden = 2> : tensor<1x3x4x8xi32> -> tensor<1x2x4x8xi32>
  func.return %c : tensor<1x2x4x8xi32>
}

// -----

// The polarisation is checked against the keys it permutes.
func.func @permute_heads(%k: tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{'attn.permute_keys' #attn.synthetic_mask: heads = 2, the attention has 1 heads}}
  %kp = attn.permute_keys %k by #attn.polar_part<source = #attn.synthetic_mask<heads = 2>, threshold = 5, part = "all"> {queries = 16 : i64} : tensor<1x1x16x8xf32> -> tensor<1x1x16x8xf32>
  func.return %kp : tensor<1x1x16x8xf32>
}
