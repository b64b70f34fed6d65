/* compile.h: the `wasm-run compile` command. */
#ifndef WR_COMPILE_H
#define WR_COMPILE_H

/* argv[0] is "compile". Returns the exit status, having printed any error. */
int wr_compile_main(int argc, char **argv);

#endif
