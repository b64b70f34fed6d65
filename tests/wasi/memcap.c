/* memcap.c: under --max-memory=2M, growing memory by 8 MiB fails (memory.grow
 * returns -1), and so does malloc, and the program goes on; exits 0 when both
 * failed, 1 when either worked. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  if (__builtin_wasm_memory_grow(0, 128) != (size_t)-1) return 1;
  char *volatile p = malloc(8 << 20);
  if (p) {
    p[0] = 1;
    printf("%p\n", (void *)p); /* keep the allocation observable */
    return 1;
  }
  return 0;
}
