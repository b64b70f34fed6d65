/* check.h: CHECK() for the WASI test programs: on failure, say where and exit 1. */
#ifndef WASI_TEST_CHECK_H
#define WASI_TEST_CHECK_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", __FILE__, __LINE__, \
              #cond, errno, strerror(errno));                                         \
      exit(1);                                                                        \
    }                                                                                 \
  } while (0)
/* CHECK_ERR(call, E): call fails with errno E. */
#define CHECK_ERR(call, e)                                                            \
  do {                                                                                \
    errno = 0;                                                                        \
    long r_ = (long)(call);                                                           \
    if (r_ != -1 || errno != (e)) {                                                   \
      fprintf(stderr, "%s:%d: %s: returned %ld errno %d (%s), expected errno %d (%s)\n", \
              __FILE__, __LINE__, #call, r_, errno, strerror(errno), (e), strerror(e)); \
      exit(1);                                                                        \
    }                                                                                 \
  } while (0)
#endif
