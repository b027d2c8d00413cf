/* The floor of a flush without the network, for scripts/bench.py: what
 * delivering a spool must do on the disk at the least, in a minimal C
 * program (no HTTP, no parsing, no scheduling):
 *
 *   bench-drain-floor QUEUE THREADS
 *
 * lists QUEUE, then from THREADS threads opens, reads and closes each file
 * and unlinks it — a flush's reads and deletes, nothing else. It prints
 * "FILES SECONDS". Built with gcc -O2 -pthread. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int queue_fd;
static char** names;
static size_t count;
static size_t threads;

static void* drain(void* arg) {
  char body[65536];
  for (size_t i = (size_t)arg; i < count; i += threads) {
    int fd = openat(queue_fd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || read(fd, body, sizeof body) < 0 || close(fd) != 0 ||
        unlinkat(queue_fd, names[i], 0) != 0) {
      perror(names[i]);
      exit(74);
    }
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 3 || (threads = strtoul(argv[2], NULL, 10)) == 0 || threads > 64) {
    fprintf(stderr, "usage: bench-drain-floor QUEUE THREADS (1-64)\n");
    return 64;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  queue_fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* dir = queue_fd < 0 ? NULL : fdopendir(dup(queue_fd));
  if (!dir) {
    perror(argv[1]);
    return 66;
  }
  size_t room = 1024;
  names = malloc(room * sizeof *names);
  for (struct dirent* e; (e = readdir(dir));) {
    if (e->d_name[0] == '.') continue;
    if (count == room) names = realloc(names, (room *= 2) * sizeof *names);
    names[count++] = strdup(e->d_name);
  }
  closedir(dir);
  pthread_t workers[64];
  for (size_t k = 0; k < threads; ++k) pthread_create(&workers[k], NULL, drain, (void*)k);
  for (size_t k = 0; k < threads; ++k) pthread_join(workers[k], NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("%zu %.6f\n", count, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
  return 0;
}
