// crashfs-run: runs a program under test so that crashfs
// (tests/crashfs/crashfs.cc) sees its syncfs(2) and sync(2) calls, which
// FUSE never passes on to a file system.
//
//   crashfs-run CONTROL -- PROGRAM [ARG...]
//
// A seccomp filter, inherited by PROGRAM and every thread, child and exec of
// it, stops each syncfs and sync and tells this process (the filter's
// listener). It writes "syncfs" to CONTROL (the /.crashfs file at the root of
// a crashfs mount), which makes everything durable, and only then lets the
// call go on; when the power is already gone the call fails with EIO, as it
// would have. SIGINT and SIGTERM are passed on to PROGRAM. Exits as PROGRAM
// did (128+N when a signal ended it).
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

#if defined(__x86_64__)
#define CRASHFS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define CRASHFS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "crashfs-run: add this architecture's AUDIT_ARCH"
#endif

namespace {

pid_t g_child = -1;

void pass_on(int sig) {
  if (g_child > 0) ::kill(g_child, sig);
}

// The listener of a filter that stops syncfs and sync (and allows the rest).
int install_filter() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CRASHFS_AUDIT_ARCH, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_syncfs, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sync, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
  };
  sock_fprog prog = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return static_cast<int>(
      ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog));
}

// 0 when crashfs made everything durable, else the errno to fail the call with.
int tell_crashfs(const char* control) {
  int fd = ::open(control, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = ::write(fd, "syncfs\n", 7) == 7 ? 0 : errno;
  ::close(fd);
  return err;
}

void answer(int listener, const char* control) {
  seccomp_notif req;
  std::memset(&req, 0, sizeof req);
  if (::ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) return;
  seccomp_notif_resp resp;
  std::memset(&resp, 0, sizeof resp);
  resp.id = req.id;
  int err = tell_crashfs(control);
  if (err == 0)
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  else
    resp.error = -err;
  ::ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);  // ENOENT: the caller is gone
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || std::strcmp(argv[2], "--") != 0) {
    std::fprintf(stderr, "usage: crashfs-run CONTROL -- PROGRAM [ARG...]\n");
    return 2;
  }
  const char* control = argv[1];
  int listener = install_filter();
  if (listener < 0) {
    std::fprintf(stderr, "crashfs-run: seccomp: %s\n", std::strerror(errno));
    return 2;
  }
  g_child = ::fork();
  if (g_child < 0) return 2;
  if (g_child == 0) {
    ::close(listener);
    ::execvp(argv[3], argv + 3);
    std::fprintf(stderr, "crashfs-run: %s: %s\n", argv[3], std::strerror(errno));
    _exit(127);
  }
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = pass_on;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  int child_fd = static_cast<int>(::syscall(SYS_pidfd_open, g_child, 0));
  if (child_fd < 0) return 2;
  for (;;) {
    pollfd fds[2] = {{listener, POLLIN, 0}, {child_fd, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 2;
    }
    if (fds[0].revents & POLLIN) answer(listener, control);
    if (fds[1].revents & POLLIN) break;
  }
  int status = 0;
  ::waitpid(g_child, &status, 0);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
