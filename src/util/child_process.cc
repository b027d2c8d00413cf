#include "src/util/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>

namespace mcpr {
namespace {

volatile sig_atomic_t g_child = 0;

void forward(int sig, siginfo_t* info, void*) {
  // Keyboard signals reach the child from the terminal already.
  if ((sig == SIGINT || sig == SIGQUIT) && info && info->si_code == SI_KERNEL) return;
  if (g_child > 0) ::kill(g_child, sig);
}

constexpr int kForwarded[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

}  // namespace

int ChildResult::shell_status() const {
  if (!started) return exec_errno == ENOENT ? 127 : 126;
  return signaled ? 128 + code : code;
}

ChildResult run_child(const std::vector<std::string>& argv, const std::string& env_name,
                      const std::string& env_value) {
  return run_child(argv, EnvVars{{env_name, env_value}});
}

ChildResult run_child(const std::vector<std::string>& argv, const EnvVars& env) {
  ChildResult result;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  // exec failures come back through a close-on-exec pipe.
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    result.exec_errno = errno;
    return result;
  }
  struct sigaction action = {};
  action.sa_sigaction = forward;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  struct sigaction saved[sizeof kForwarded / sizeof kForwarded[0]];
  for (size_t i = 0; i < sizeof kForwarded / sizeof kForwarded[0]; ++i)
    ::sigaction(kForwarded[i], &action, &saved[i]);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    for (size_t i = 0; i < sizeof kForwarded / sizeof kForwarded[0]; ++i)
      ::sigaction(kForwarded[i], &saved[i], nullptr);
    ::close(pipe_fds[0]);
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    ::execvp(args[0], args.data());
    int err = errno;
    (void)!::write(pipe_fds[1], &err, sizeof err);
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  if (pid < 0) {
    result.exec_errno = errno;
    ::close(pipe_fds[0]);
  } else {
    g_child = pid;
    int err = 0;
    ssize_t n;
    while ((n = ::read(pipe_fds[0], &err, sizeof err)) < 0 && errno == EINTR) {
    }
    ::close(pipe_fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    g_child = 0;
    if (n == sizeof err) {
      result.exec_errno = err;
    } else {
      result.started = true;
      result.signaled = WIFSIGNALED(status);
      result.code = result.signaled ? WTERMSIG(status) : WEXITSTATUS(status);
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (size_t i = 0; i < sizeof kForwarded / sizeof kForwarded[0]; ++i)
    ::sigaction(kForwarded[i], &saved[i], nullptr);
  return result;
}

}  // namespace mcpr
