func.func @f() {
  "mystery.op"() : () -> ()
  func.return
}
