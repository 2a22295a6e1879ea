// attn-run --backend numpy: lowers this attn-level file with the default
// pipeline, runs the emitted module on random inputs and checks every output
// against the reference oracle.

// RUN: attn-run %s --backend numpy --check --seed 3 | filecheck %s
// CHECK:      function             @two_layers
// CHECK-NEXT: backend              numpy
// CHECK-NEXT: pipeline             attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64}
// CHECK-NEXT: inputs               random normal, seed 3
// CHECK-NEXT: run_s                {{[0-9.e-]+}}
// CHECK:      tiled_attention_ops  2
// CHECK-NEXT: outputs              window, causal
// CHECK-NEXT: check window: max abs error {{[0-9.e-]+}} vs reference (tolerance 1e-04): ok
// CHECK-NEXT: check causal: max abs error {{[0-9.e-]+}} vs reference (tolerance 1e-04): ok

// The default pipeline, and an explicit one that stops at the 2-pass cascade.
// RUN: attn-run %s --print-pipeline | filecheck %s --check-prefix=PIPELINE
// PIPELINE: {{^}}attn-decompose,attn-fuse{passes=1},attn-tile{q=64 k=64},attn-coalesce{{$}}
// RUN: attn-run %s -p 'attn-decompose,attn-fuse{passes=2}' --check | filecheck %s --check-prefix=CASCADE
// CASCADE: tiled_attention_ops  0
// CASCADE: check window: {{.*}}: ok
// CASCADE: check causal: {{.*}}: ok

// Outputs saved, then read back as inputs of another run (by argument name).
// RUN: attn-run %s --save %t.npz
// RUN: python -c "import numpy as np; o = np.load('%t.npz'); np.savez('%t.in.npz', q=o['window'], k=o['causal'], v=o['window'])"
// RUN: attn-run %s --inputs %t.in.npz --check --json | filecheck %s --check-prefix=JSON
// JSON: {"function": "@two_layers", "backend": "numpy", {{.*}}"inputs": "{{.*}}.in.npz", {{.*}}"check": {"window": {"max_abs_error": {{.*}}, "ok": true}, "causal": {{.*}}"ok": true}}}

// Bad input: one line, exit code 1, no traceback.
// RUN: not attn-run %s --backend nope 2>&1 | filecheck %s --check-prefix=BACKEND
// BACKEND-NOT: Traceback
// BACKEND: {{^}}attn-run: error: unknown backend 'nope'; available: {{.*}}numpy{{.*}}{{$}}
// BACKEND-NOT: {{.}}
// RUN: not attn-run %s --inputs %t.npz 2>&1 | filecheck %s --check-prefix=INPUTS
// INPUTS: {{^}}attn-run: error: missing input for arguments %q, %k, %v{{$}}
// INPUTS-NOT: {{.}}

func.func @two_layers(%q: tensor<1x2x100x16xf32>, %k: tensor<1x2x100x16xf32>, %v: tensor<1x2x100x16xf32>) -> (tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>) {
  %window = attn.attention %q, %k, %v pattern #attn.union<[#attn.window<left = 8, right = 8>, #attn.global<[0]>]> : (tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>) -> tensor<1x2x100x16xf32>
  %causal = attn.attention %q, %k, %v pattern #attn.causal : (tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>) -> tensor<1x2x100x16xf32>
  func.return %window, %causal : tensor<1x2x100x16xf32>, tensor<1x2x100x16xf32>
}
