// accel-double-buffer: sets double_buffer = true on every accel.kernel, so
// each buffer a DMA fills gets two copies (the load of step s + 1 overlaps
// the compute of step s).  The kernel's body and its other properties are
// left alone; a kernel already double-buffered is unchanged.  If the
// doubled buffers no longer fit the target, the pass fails at the kernel.
//
// RUN: attn-opt %s --split-input-file --verify-diagnostics -p accel-double-buffer | filecheck %s
// A second run changes nothing:
// RUN: attn-opt %s --split-input-file --verify-diagnostics -p accel-double-buffer > %t1 && attn-opt %t1 --split-input-file -p accel-double-buffer > %t2 && diff %t1 %t2

// A generic kernel without the flag gets it, after its other properties;
// its body is the same.
// CHECK-LABEL: func.func @generic
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 32, k = 32, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.causal {scale = 2.500000e-01 : f64, schedule = "generic", double_buffer = true} : (tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
// CHECK-NEXT:    ^bb0(%qd: memref<1x1x32x16xf32>, %kd: memref<1x1x32x16xf32>, %vd: memref<1x1x32x16xf32>, %od: memref<1x1x32x16xf32>):
// CHECK-NEXT:      %kb = memref.alloc() : memref<32x16xf32>
// CHECK-NEXT:      %s = memref.alloc() : memref<32x16xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x32x16xf32>, memref<32x16xf32>
// CHECK-NEXT:        accel.fill %s {value = 0.000000e+00 : f64, unit = "VEC1D"} : memref<32x16xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
// CHECK-NEXT:    func.return %o
func.func @generic(%q: tensor<1x1x32x16xf32>, %k: tensor<1x1x32x16xf32>, %v: tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.blocks<q = 32, k = 32, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.causal {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
  ^bb0(%qd: memref<1x1x32x16xf32>, %kd: memref<1x1x32x16xf32>, %vd: memref<1x1x32x16xf32>, %od: memref<1x1x32x16xf32>):
    %kb = memref.alloc() : memref<32x16xf32>
    %s = memref.alloc() : memref<32x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x32x16xf32>, memref<32x16xf32>
      accel.fill %s {value = 0.0 : f64, unit = "VEC1D"} : memref<32x16xf32>
    }
  }
  func.return %o : tensor<1x1x32x16xf32>
}

// -----

// double_buffer = false (as accel-schedule-salo leaves it) becomes true in
// place; pipeline stays.
// CHECK-LABEL: func.func @salo
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.band<rows = 32, cols = 32, parts = 1, left = 4, right = 4, dilation = [1], globals = []> pattern #attn.window<left = 4, right = 4> {scale = 2.500000e-01 : f64, schedule = "salo", pipeline = true, double_buffer = true} :
func.func @salo(%q: tensor<1x1x32x16xf32>, %k: tensor<1x1x32x16xf32>, %v: tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"salo"> iteration #accel.band<rows = 32, cols = 32, parts = 1, left = 4, right = 4, dilation = [1], globals = []> pattern #attn.window<left = 4, right = 4> {scale = 0.25 : f64, schedule = "salo", pipeline = true, double_buffer = false} : (tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
  ^bb0(%qd: memref<1x1x32x16xf32>, %kd: memref<1x1x32x16xf32>, %vd: memref<1x1x32x16xf32>, %od: memref<1x1x32x16xf32>):
    %kb = memref.alloc() : memref<63x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x32x16xf32>, memref<63x16xf32>
    }
  }
  func.return %o : tensor<1x1x32x16xf32>
}

// -----

// Already double-buffered: unchanged, property order included.
// CHECK-LABEL: func.func @already
// CHECK-NEXT:    %o = accel.kernel %q, %k, %v target #accel.target<"fusemax", buffer_bytes = 4096> iteration #accel.blocks<q = 32, k = 32, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {double_buffer = true, scale = 2.500000e-01 : f64, schedule = "fusemax", kv_resident = false} : (tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
// CHECK-NEXT:    ^bb0(%qd: memref<1x1x32x16xf32>, %kd: memref<1x1x32x16xf32>, %vd: memref<1x1x32x16xf32>, %od: memref<1x1x32x16xf32>):
// CHECK-NEXT:      %kb = memref.alloc() : memref<32x16xf32>
// CHECK-NEXT:      accel.step {
// CHECK-NEXT:        accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x32x16xf32>, memref<32x16xf32>
// CHECK-NEXT:      }
// CHECK-NEXT:    }
func.func @already(%q: tensor<1x1x32x16xf32>, %k: tensor<1x1x32x16xf32>, %v: tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
  %o = accel.kernel %q, %k, %v target #accel.target<"fusemax", buffer_bytes = 4096> iteration #accel.blocks<q = 32, k = 32, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {double_buffer = true, scale = 0.25 : f64, schedule = "fusemax", kv_resident = false} : (tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
  ^bb0(%qd: memref<1x1x32x16xf32>, %kd: memref<1x1x32x16xf32>, %vd: memref<1x1x32x16xf32>, %od: memref<1x1x32x16xf32>):
    %kb = memref.alloc() : memref<32x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x32x16xf32>, memref<32x16xf32>
    }
  }
  func.return %o : tensor<1x1x32x16xf32>
}

// -----

// Two kernels in one function: both get the flag.
// CHECK-LABEL: func.func @two
// CHECK-NEXT:    %o = accel.kernel {{.*}} {scale = 2.500000e-01 : f64, double_buffer = true} :
// CHECK:         %p = accel.kernel {{.*}} {scale = 5.000000e-01 : f64, double_buffer = true} :
func.func @two(%q: tensor<1x1x32x16xf32>, %k: tensor<1x1x32x16xf32>, %v: tensor<1x1x32x16xf32>) -> (tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) {
  %o = accel.kernel %q, %k, %v target #accel.target<"flat"> iteration #accel.blocks<q = 32, k = 32, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.25 : f64} : (tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
  ^bb0(%qd: memref<1x1x32x16xf32>, %kd: memref<1x1x32x16xf32>, %vd: memref<1x1x32x16xf32>, %od: memref<1x1x32x16xf32>):
    %kb = memref.alloc() : memref<32x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x32x16xf32>, memref<32x16xf32>
    }
  }
  %p = accel.kernel %q, %k, %v target #accel.target<"flat"> iteration #accel.blocks<q = 32, k = 32, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 1>>]> pattern #attn.dense {scale = 0.5 : f64} : (tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
  ^bb0(%qd: memref<1x1x32x16xf32>, %kd: memref<1x1x32x16xf32>, %vd: memref<1x1x32x16xf32>, %od: memref<1x1x32x16xf32>):
    %kb = memref.alloc() : memref<32x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x32x16xf32>, memref<32x16xf32>
    }
  }
  func.return %o, %p : tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>
}

// -----

// A 5000-byte buffer holds the DMA target kb (32 * 16 * 4 = 2048 bytes)
// and s (2048) once, not kb twice: only buffers a DMA fills are doubled.
func.func @too_small(%q: tensor<1x1x32x16xf32>, %k: tensor<1x1x32x16xf32>, %v: tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
  // expected-error @+1 {{accel-double-buffer: buffers do not fit target 'salo': buffer 'kb' needs 4096 bytes, all buffers need 6144 bytes, 5000 bytes are available}}
  %o = accel.kernel %q, %k, %v target #accel.target<"salo", buffer_bytes = 5000> iteration #accel.blocks<q = 32, k = 32, tables = [#tile.table<ptr = array<i32: 0, 1>, start = array<i32: 0>, count = array<i32: 1>, full = array<i8: 0>>]> pattern #attn.causal {scale = 0.25 : f64, schedule = "generic"} : (tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>, tensor<1x1x32x16xf32>) -> tensor<1x1x32x16xf32> {
  ^bb0(%qd: memref<1x1x32x16xf32>, %kd: memref<1x1x32x16xf32>, %vd: memref<1x1x32x16xf32>, %od: memref<1x1x32x16xf32>):
    %kb = memref.alloc() : memref<32x16xf32>
    %s = memref.alloc() : memref<32x16xf32>
    accel.step {
      accel.dma_load %kd, %kb {tile = "k", unit = "DMA"} : memref<1x1x32x16xf32>, memref<32x16xf32>
      accel.fill %s {value = 0.0 : f64, unit = "VEC1D"} : memref<32x16xf32>
    }
  }
  func.return %o : tensor<1x1x32x16xf32>
}
