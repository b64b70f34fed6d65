/* error.c: filling and decorating wr_error values. */
#include "error.h"

#include <stdio.h>
#include <string.h>

int wr_verr(wr_error *err, int code, const char *fmt, va_list ap) {
  if (err) {
    err->code = code;
    err->trap = 0;
    err->exit_code = 0;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  }
  return code;
}

int wr_err(wr_error *err, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  wr_verr(err, code, fmt, ap);
  va_end(ap);
  return code;
}

int wr_err_prefix(wr_error *err, const char *fmt, ...) {
  if (!err) return 0;
  char old[WR_ERROR_MSG_MAX];
  memcpy(old, err->msg, sizeof old);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  size_t used = n < 0 ? 0 : (size_t)n;
  if (used < sizeof err->msg) snprintf(err->msg + used, sizeof err->msg - used, ": %s", old);
  return err->code;
}

void wr_error_clear(wr_error *err) {
  if (err) memset(err, 0, sizeof *err);
}
