/* The floor of a durable recording, for scripts/bench.py: what `mcp-report
 * start` must do at the least, in a minimal static C program (no dynamic
 * loader, no C++ runtime, no configuration, no argument parsing):
 *
 *   bench-floor SPOOL BYTES
 *
 * opens SPOOL/tmp and SPOOL/queue, creates tmp/<unique name> with
 * O_EXCL|O_NOFOLLOW and mode 0600, writes BYTES bytes, fsyncs, closes,
 * renames it into queue/ with RENAME_NOREPLACE and fsyncs queue/ — the same
 * system calls a durable `start` needs for its event, measured in the same
 * run as the same-run reference of the recording budget (README.md, Performance). Built with gcc -O2 -static. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: bench-floor SPOOL BYTES\n");
    return 64;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/tmp", argv[1]);
  int tmp = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  snprintf(path, sizeof path, "%s/queue", argv[1]);
  int queue = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (tmp < 0 || queue < 0) {
    perror(argv[1]);
    return 73;
  }
  size_t size = (size_t)strtoul(argv[2], NULL, 10);
  char body[65536];
  if (size > sizeof body) size = sizeof body;
  memset(body, 'x', size);

  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  unsigned r = 0;
  getrandom(&r, sizeof r, GRND_NONBLOCK);
  char name[128];
  snprintf(name, sizeof name, "%010lld%06ld-%08x0000.s.floor", (long long)ts.tv_sec,
           ts.tv_nsec / 1000, r);

  int fd = openat(tmp, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 || write(fd, body, size) != (ssize_t)size || fsync(fd) != 0 || close(fd) != 0 ||
      renameat2(tmp, name, queue, name, RENAME_NOREPLACE) != 0 || fsync(queue) != 0) {
    perror(name);
    return 73;
  }
  puts(name);  /* start prints the id */
  return 0;
}
