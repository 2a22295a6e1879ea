// Input without ops (blank, or only comments) is an empty module, as in
// mlir-opt, also as one chunk of a split file.
// RUN: attn-opt %s --split-input-file | filecheck %s
// RUN: printf '' | attn-opt | filecheck %s --check-prefix=EMPTY

// CHECK:      builtin.module {
// CHECK-NEXT: }
// CHECK-NEXT: // {{-----}}
// CHECK-NEXT: builtin.module {
// CHECK-NEXT:   func.func @f() {

// EMPTY: builtin.module {

// -----

func.func @f() {
  func.return
}
