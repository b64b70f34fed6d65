;; llvm-jit and aot drop a SIMD load whose value is unused (here: kept in a local
;; never read), and with it the out-of-bounds trap: _start must trap (exit 134),
;; never reach proc_exit(3).
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (local v128)
    i32.const 65505
    v128.load64_zero offset=58
    local.set 0
    i32.const 3
    call $exit))
