/* sleeper.c: a WASI guest for tests/sandbox/run.sh. "sleep N" blocks N seconds in
 * poll_oneoff; "ls PATH" lists PATH (exit 0) or exits 1 when it cannot be opened;
 * "exit N" exits N. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
    struct timespec ts = {atoi(argv[2]), 0};
    puts("sleeping");
    fflush(stdout);
    nanosleep(&ts, NULL); /* poll_oneoff with one clock subscription */
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "ls") == 0) {
    DIR *d = opendir(argv[2]);
    if (!d) return 1;
    struct dirent *e;
    while ((e = readdir(d))) puts(e->d_name);
    closedir(d);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
  return 2;
}
