/* modes.h: the running modes' hooks, as the runtime's mode table sees them. */
#ifndef WR_MODES_H
#define WR_MODES_H

#include "runtime/runtime.h"

extern const wr_mode_ops wr_classic_ops;
extern const wr_mode_ops wr_fast_ops;

#endif
