/* files.c: files and directories beneath the preopen /sandbox: create, large writes
 * and reads, seek, readdir with many entries, rename, symlinks, hard links,
 * timestamps, truncation, removal. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char big[3 << 20];

int main(void) {
  CHECK(chdir("/sandbox") == 0);
  CHECK(mkdir("d", 0777) == 0);
  CHECK_ERR(mkdir("d", 0777), EEXIST);

  /* Large writes and reads: 3 MiB through one call each way. */
  for (size_t i = 0; i < sizeof big; i++) big[i] = (char)(i * 7 + 3);
  int fd = open("d/big", O_CREAT | O_RDWR | O_TRUNC, 0644);
  CHECK(fd >= 0);
  size_t done = 0;
  while (done < sizeof big) {
    ssize_t n = write(fd, big + done, sizeof big - done);
    CHECK(n > 0);
    done += (size_t)n;
  }
  CHECK(lseek(fd, 0, SEEK_CUR) == (off_t)sizeof big);
  CHECK(lseek(fd, 12345, SEEK_SET) == 12345);
  char small[16];
  CHECK(read(fd, small, sizeof small) == sizeof small);
  CHECK(memcmp(small, big + 12345, sizeof small) == 0);
  CHECK(pread(fd, small, 4, 1) == 4 && memcmp(small, big + 1, 4) == 0);
  static char back[3 << 20];
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  done = 0;
  for (;;) {
    ssize_t n = read(fd, back + done, sizeof back - done);
    CHECK(n >= 0);
    if (n == 0) break;
    done += (size_t)n;
  }
  CHECK(done == sizeof big && memcmp(back, big, sizeof big) == 0);
  CHECK(ftruncate(fd, 100) == 0);
  struct stat st;
  CHECK(fstat(fd, &st) == 0 && st.st_size == 100 && S_ISREG(st.st_mode));
  CHECK(close(fd) == 0);

  /* Timestamps. */
  struct timespec ts[2] = {{1000000000, 5}, {1200000000, 7}};
  CHECK(utimensat(AT_FDCWD, "d/big", ts, 0) == 0);
  CHECK(stat("d/big", &st) == 0);
  CHECK(st.st_atim.tv_sec == 1000000000 && st.st_mtim.tv_sec == 1200000000 && st.st_mtim.tv_nsec == 7);

  /* readdir with many entries. */
  CHECK(mkdir("many", 0777) == 0);
  enum { N = 600 };
  for (int i = 0; i < N; i++) {
    char name[64];
    snprintf(name, sizeof name, "many/entry-with-a-longish-name-%04d", i);
    int f = open(name, O_CREAT | O_WRONLY, 0644);
    CHECK(f >= 0);
    close(f);
  }
  DIR *dir = opendir("many");
  CHECK(dir);
  static char seen[N];
  int count = 0;
  struct dirent *de;
  while ((de = readdir(dir))) {
    int k;
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    CHECK(sscanf(de->d_name, "entry-with-a-longish-name-%d", &k) == 1 && k >= 0 && k < N && !seen[k]);
    CHECK(de->d_type == DT_REG);
    seen[k] = 1;
    count++;
  }
  CHECK(count == N);
  closedir(dir);

  /* rename, hard links, symlinks. */
  CHECK(rename("d/big", "d/big2") == 0);
  CHECK_ERR(stat("d/big", &st), ENOENT);
  CHECK(link("d/big2", "d/hard") == 0);
  CHECK(stat("d/hard", &st) == 0 && st.st_nlink == 2);
  CHECK(symlink("big2", "d/soft") == 0);
  char target[64];
  ssize_t tl = readlink("d/soft", target, sizeof target);
  CHECK(tl == 4 && memcmp(target, "big2", 4) == 0);
  CHECK(lstat("d/soft", &st) == 0 && S_ISLNK(st.st_mode));
  CHECK(stat("d/soft", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 100);
  CHECK_ERR(open("d/soft", O_RDONLY | O_NOFOLLOW), ELOOP);

  /* Removal. */
  CHECK_ERR(rmdir("d"), ENOTEMPTY);
  CHECK_ERR(unlink("d"), EISDIR);
  CHECK(unlink("d/soft") == 0 && unlink("d/hard") == 0 && unlink("d/big2") == 0);
  CHECK(rmdir("d") == 0);
  for (int i = 0; i < N; i++) {
    char name[64];
    snprintf(name, sizeof name, "many/entry-with-a-longish-name-%04d", i);
    CHECK(unlink(name) == 0);
  }
  CHECK(rmdir("many") == 0);
  puts("files ok");
  return 0;
}
