# chain.awk: a module (text format) whose compile takes a while, for bench/start.sh
# and tests/cache/run.sh: awk -v n=N -f chain.awk > chainN.wat. Function i does a
# little arithmetic on its argument and calls function i-1; _start exits with the
# chain's value from 5, masked to 7 bits.
BEGIN {
  print "(module (import \"wasi_snapshot_preview1\" \"proc_exit\" (func $exit (param i32)))"
  for (i = 0; i < n; i++) {
    printf "(func $f%d (param i32) (result i32) (local i32) local.get 0 i32.const %d i32.mul local.get 0 i32.const 7 i32.xor i32.add local.tee 1 local.get 1 i32.const 3 i32.shr_u i32.sub", i, i
    if (i > 0) printf " call $f%d", i - 1
    print ")"
  }
  printf "(func (export \"_start\") (call $exit (i32.and (call $f%d (i32.const 5)) (i32.const 127)))))\n", n - 1
}
