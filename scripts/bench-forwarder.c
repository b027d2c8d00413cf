/* The floor of a stdio proxy, for scripts/bench_proxy.py: a bare byte
 * forwarder, the same-run reference of the proxy's round-trip budget
 * (README.md, Performance):
 *
 *   bench-forwarder CMD [ARG...]
 *
 * runs CMD with its stdin and stdout on pipes and copies both ways as bytes
 * arrive, one thread each (our stdin to its stdin, its stdout to ours), then
 * exits with its status. No parsing, no recording, no signal forwarding.
 * Built with gcc -O2 -pthread. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int to_child;

static int write_all(int fd, const char *p, ssize_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, (size_t)n);
    if (w < 0) return -1;
    p += w;
    n -= w;
  }
  return 0;
}

static void *upstream(void *unused) {
  (void)unused;
  char buf[65536];
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n <= 0 || write_all(to_child, buf, n) < 0) break;
  }
  close(to_child);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) return 64;
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) return 71;
  pid_t pid = fork();
  if (pid < 0) return 71;
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  to_child = in[1];
  signal(SIGPIPE, SIG_IGN);
  pthread_t thread;
  pthread_create(&thread, NULL, upstream, NULL);
  char buf[65536];
  for (;;) {
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0 || write_all(1, buf, n) < 0) break;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
