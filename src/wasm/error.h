/* error.h: wr_error, the error value every layer fills and returns.
 *
 * Functions that can fail return 0 or a negative wr_errcode and fill the caller's
 * wr_error with the code and a one-line message that names what failed and why.
 * Nothing below the command layer prints or exits. */
#ifndef WR_ERROR_H
#define WR_ERROR_H

#include <stdarg.h>

typedef enum wr_errcode {
  WR_OK = 0,
  WR_ERR_MALFORMED = -1,   /* the bytes are not a well-formed wasm binary */
  WR_ERR_INVALID = -2,     /* well-formed but fails validation */
  WR_ERR_LINK = -3,        /* unknown import, or import of the wrong type */
  WR_ERR_INSTANTIATE = -4, /* segment out of bounds, start function trapped, ... */
  WR_ERR_TRAP = -5,        /* the guest trapped; wr_error.trap has the kind */
  WR_ERR_NOMEM = -6,       /* the host ran out of memory or address space */
  WR_ERR_IO = -7,          /* a file or system call failed */
  WR_ERR_USAGE = -8,       /* bad option, argument or API use */
  WR_ERR_UNSUPPORTED = -9, /* a feature this build or mode does not have */
  WR_ERR_EXIT = -10,       /* the guest called proc_exit; wr_error.exit_code has the code */
} wr_errcode;

#define WR_ERROR_MSG_MAX 512

typedef struct wr_error {
  int code;       /* a wr_errcode */
  int trap;       /* a wr_trap_kind when code == WR_ERR_TRAP */
  int exit_code;  /* when code == WR_ERR_EXIT */
  char msg[WR_ERROR_MSG_MAX];
} wr_error;

/* Sets err (when not NULL) and returns code, so callers can write
 * `return wr_err(err, WR_ERR_INVALID, "type mismatch in %s", what);`. */
int wr_err(wr_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int wr_verr(wr_error *err, int code, const char *fmt, va_list ap);
/* Prepends "PREFIX: " to an error's message (adds context on the way up). */
int wr_err_prefix(wr_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wr_error_clear(wr_error *err);

#endif
