/* supervise.h: the parent that stays outside the sandbox while the child runs. */
#ifndef WR_SUPERVISE_H
#define WR_SUPERVISE_H

#include "cli.h"
#include "launch.h"

/* Runs wr_launch_run in a child inside the sandbox cfg asks for, forwards SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT to it, enforces --timeout, reaps it and returns the
 * exit status of DESIGN.md §8 (the guest's; 128+N for signal N; 125 when the
 * sandbox could not be set up), having printed at most one line about it. */
int wr_supervise_run(const wr_config *cfg, wr_resources *res);

#endif
