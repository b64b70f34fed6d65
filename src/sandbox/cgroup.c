/* cgroup.c: cgroup v2 limits for the child (memory.max, memory.swap.max,
 * pids.max). The parent finds the cgroup it runs in on the unified hierarchy, makes
 * a child cgroup "wasm-run-PID" beneath it with the limits written, moves the child
 * process there before the child goes on, and removes the cgroup after the child
 * ended. That works only where the cgroup is delegated to us: writable, with the
 * controllers available to its children. Explicit limits (--memory-limit,
 * --pids-limit) that cannot be applied stop the run; the default pids limit is
 * applied where it can be and said under -v where it cannot. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

/* Reads a small file at dirfd/name into buf (NUL-terminated, trailing newline
 * kept); -1 with errno on failure. */
static ssize_t read_small(int dirfd, const char *name, char *buf, size_t size) {
  int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size - 1);
  int e = errno;
  close(fd);
  if (n < 0) {
    errno = e;
    return -1;
  }
  buf[n] = 0;
  return n;
}

static int write_small(int dirfd, const char *name, const char *text) {
  int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = strlen(text);
  ssize_t n = write(fd, text, len);
  int e = errno;
  close(fd);
  if (n != (ssize_t)len) {
    errno = n < 0 ? e : EIO;
    return -1;
  }
  return 0;
}

/* Whether the space-separated word list `list` holds `word`. */
static bool has_word(const char *list, const char *word) {
  size_t len = strlen(word);
  for (const char *p = list; (p = strstr(p, word)) != NULL; p += len)
    if ((p == list || p[-1] == ' ') && (p[len] == 0 || p[len] == ' ' || p[len] == '\n')) return true;
  return false;
}

int wr_cgroup_parse_self(const char *proc_cgroup, char *path, size_t size) {
  for (const char *line = proc_cgroup; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    if (strncmp(line, "0::", 3) != 0) continue;
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line - 3) : strlen(line + 3);
    if (len == 0 || len >= size || line[3] != '/') return -1;
    memcpy(path, line + 3, len);
    path[len] = 0;
    return 0;
  }
  return -1;
}

int wr_cgroup_parse_mount(const char *mountinfo, char *mnt, size_t msize, char *root, size_t rsize) {
  for (const char *line = mountinfo; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    char buf[1024];
    if (len >= sizeof buf) continue;
    memcpy(buf, line, len);
    buf[len] = 0;
    char *sep = strstr(buf, " - ");
    if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0) continue;
    *sep = 0; /* the fields before the separator */
    char *save = NULL, *f[5];
    int n = 0;
    for (char *t = strtok_r(buf, " ", &save); t && n < 5; t = strtok_r(NULL, " ", &save)) f[n++] = t;
    if (n < 5 || strlen(f[4]) >= msize || strlen(f[3]) >= rsize) continue;
    /* Paths in mountinfo escape spaces and the like as \ooo; such a mount point is
     * not ours to guess at. */
    if (strchr(f[4], '\\') || strchr(f[3], '\\')) continue;
    strcpy(mnt, f[4]);
    strcpy(root, f[3]);
    return 0;
  }
  return -1;
}

static int read_proc(const char *path, char **out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  for (ssize_t n; buf; len += (size_t)n) {
    if (len + 1 == cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) break;
      buf = nb;
    }
    n = read(fd, buf + len, cap - 1 - len);
    if (n <= 0) {
      buf[len] = 0;
      close(fd);
      *out = buf;
      return n < 0 ? (free(buf), -1) : 0;
    }
  }
  free(buf);
  close(fd);
  errno = ENOMEM;
  return -1;
}

/* Finds the directory of our own cgroup on the unified hierarchy into dir, or
 * returns -1 with why set. */
static int find_own(char *dir, size_t size, char *why, size_t wsize) {
  char *self = NULL, *mounts = NULL;
  char path[PATH_MAX], mnt[PATH_MAX], root[PATH_MAX];
  int rc = -1;
  if (read_proc("/proc/self/cgroup", &self) < 0 || wr_cgroup_parse_self(self, path, sizeof path) < 0)
    snprintf(why, wsize, "this process is in no cgroup v2 hierarchy (/proc/self/cgroup)");
  else if (read_proc("/proc/self/mountinfo", &mounts) < 0 ||
           wr_cgroup_parse_mount(mounts, mnt, sizeof mnt, root, sizeof root) < 0)
    snprintf(why, wsize, "no cgroup2 file system is mounted");
  else {
    /* Our path is relative to the hierarchy's root; the mount shows the part
     * beneath `root`. */
    size_t rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
    if (rl && (strncmp(path, root, rl) != 0 || (path[rl] != '/' && path[rl] != 0)))
      snprintf(why, wsize, "our cgroup %.1000s is not visible under the cgroup2 mount %.1000s", path, mnt);
    else if ((size_t)snprintf(dir, size, "%s%s", mnt, strcmp(path + rl, "/") == 0 ? "" : path + rl) >= size)
      snprintf(why, wsize, "cgroup path too long");
    else
      rc = 0;
  }
  free(self);
  free(mounts);
  return rc;
}

int wr_cgroup_create(const wr_sandbox_config *cfg, wr_cgroup *cg, wr_error *err) {
  cg->dirfd = -1;
  cg->path[0] = 0;
  bool explicit = cfg->memory_max || cfg->pids_max;
  /* By default room for the run, the compile threads of a JIT mode (one per
   * core) and some to spare; a guest never starts a process. */
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  uint64_t pids = cfg->pids_max ? cfg->pids_max : 64 + (uint64_t)(ncpu > 0 ? ncpu : 1);
  char base[PATH_MAX], why[PATH_MAX + 128], text[256];
  const char *need[2] = {cfg->memory_max ? "memory" : NULL, "pids"};
  int basefd = -1;
  if (find_own(base, sizeof base, why, sizeof why) < 0) goto unavailable;
  basefd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (basefd < 0) {
    snprintf(why, sizeof why, "%s: %s", base, strerror(errno));
    goto unavailable;
  }
  if (read_small(basefd, "cgroup.controllers", text, sizeof text) < 0) {
    snprintf(why, sizeof why, "%s/cgroup.controllers: %s", base, strerror(errno));
    goto unavailable;
  }
  for (int i = 0; i < 2; i++)
    if (need[i] && !has_word(text, need[i])) {
      snprintf(why, sizeof why, "the %s controller is not delegated to %s", need[i], base);
      goto unavailable;
    }
  /* The controllers must be on in our cgroup's subtree for its children to have
   * them. Turning them on fails (EBUSY) where our cgroup holds processes and is
   * not the root: then it was not delegated for children. */
  if (read_small(basefd, "cgroup.subtree_control", text, sizeof text) < 0) {
    snprintf(why, sizeof why, "%s/cgroup.subtree_control: %s", base, strerror(errno));
    goto unavailable;
  }
  for (int i = 0; i < 2; i++) {
    char word[16];
    if (!need[i] || has_word(text, need[i])) continue;
    snprintf(word, sizeof word, "+%s", need[i]);
    if (write_small(basefd, "cgroup.subtree_control", word) < 0) {
      snprintf(why, sizeof why, "enabling the %s controller in %s: %s", need[i], base, strerror(errno));
      goto unavailable;
    }
  }
  snprintf(cg->path, sizeof cg->path, "%.*s/wasm-run-%d", (int)sizeof cg->path - 24, base, (int)getpid());
  if (mkdir(cg->path, 0755) < 0 && errno != EEXIST) {
    snprintf(why, sizeof why, "creating %s: %s", cg->path, strerror(errno));
    cg->path[0] = 0;
    goto unavailable;
  }
  close(basefd);
  basefd = -1;
  cg->dirfd = open(cg->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cg->dirfd < 0) {
    int e = errno;
    wr_cgroup_remove(cg);
    return wr_err(err, WR_ERR_IO, "cgroup: %s: %s", cg->path, strerror(e));
  }
  if (cfg->memory_max) {
    snprintf(text, sizeof text, "%llu", (unsigned long long)cfg->memory_max);
    if (write_small(cg->dirfd, "memory.max", text) < 0) {
      int e = errno;
      wr_cgroup_remove(cg);
      return wr_err(err, WR_ERR_IO, "cgroup: writing memory.max: %s", strerror(e));
    }
    /* Where swap is accounted, the limit holds for swap as well. */
    if (faccessat(cg->dirfd, "memory.swap.max", F_OK, 0) == 0 && write_small(cg->dirfd, "memory.swap.max", "0") < 0) {
      int e = errno;
      wr_cgroup_remove(cg);
      return wr_err(err, WR_ERR_IO, "cgroup: writing memory.swap.max: %s", strerror(e));
    }
  }
  snprintf(text, sizeof text, "%llu", (unsigned long long)pids);
  if (write_small(cg->dirfd, "pids.max", text) < 0) {
    int e = errno;
    wr_cgroup_remove(cg);
    return wr_err(err, WR_ERR_IO, "cgroup: writing pids.max: %s", strerror(e));
  }
  if (cfg->verbose >= 1) {
    char mem[48] = "";
    if (cfg->memory_max) snprintf(mem, sizeof mem, ", memory.max %llu", (unsigned long long)cfg->memory_max);
    fprintf(stderr, "wasm-run: sandbox: cgroup %s: pids.max %llu%s\n", cg->path, (unsigned long long)pids, mem);
  }
  return 0;

unavailable:
  if (basefd >= 0) close(basefd);
  if (explicit)
    return wr_err(err, WR_ERR_IO, "cgroup: %s needs a delegated cgroup v2: %s",
                  cfg->memory_max ? "--memory-limit" : "--pids-limit", why);
  if (cfg->verbose >= 1) fprintf(stderr, "wasm-run: sandbox: cgroup: limits not applied: %s\n", why);
  return 0;
}

int wr_cgroup_enter(wr_cgroup *cg, pid_t pid, wr_error *err) {
  if (cg->dirfd < 0) return 0;
  char text[32];
  snprintf(text, sizeof text, "%d", (int)pid);
  if (write_small(cg->dirfd, "cgroup.procs", text) < 0)
    return wr_err(err, WR_ERR_IO, "cgroup: moving the child into %s: %s", cg->path, strerror(errno));
  return 0;
}

bool wr_cgroup_oom_killed(const wr_cgroup *cg) {
  char text[512];
  if (cg->dirfd < 0 || read_small(cg->dirfd, "memory.events", text, sizeof text) < 0) return false;
  const char *p = strstr(text, "oom_kill ");
  return p && strtoull(p + 9, NULL, 10) > 0;
}

void wr_cgroup_remove(wr_cgroup *cg) {
  if (cg->dirfd >= 0) close(cg->dirfd);
  cg->dirfd = -1;
  if (!cg->path[0]) return;
  /* The child's processes are gone once it was reaped (it was init of its pid
   * namespace), but the kernel may take a moment to release the cgroup. */
  for (int i = 0; i < 100 && rmdir(cg->path) < 0 && errno == EBUSY; i++) usleep(1000);
  cg->path[0] = 0;
}
