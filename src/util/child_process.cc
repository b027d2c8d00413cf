#include "src/util/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

namespace mcpr {
namespace {

constexpr int kForwarded[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
constexpr size_t kForwardedCount = sizeof kForwarded / sizeof kForwarded[0];
struct sigaction g_saved[kForwardedCount];

// Read and written by the handlers, on whichever thread takes a signal.
static_assert(std::atomic<pid_t>::is_always_lock_free && std::atomic<unsigned>::is_always_lock_free);
std::atomic<pid_t> g_child{0};
// Signals caught before spawn() knew the child's pid (bit N: signal N), for it.
std::atomic<unsigned> g_unforwarded{0};
volatile sig_atomic_t g_told_fd = -1;

void tell(int sig) {
  if (g_told_fd < 0) return;
  const int saved = errno;
  const unsigned char byte = static_cast<unsigned char>(sig);
  (void)!::write(g_told_fd, &byte, 1);
  errno = saved;
}

void pass_on_unforwarded(pid_t child) {
  const unsigned missed = g_unforwarded.exchange(0);
  for (int sig : kForwarded)
    if (missed & (1u << sig)) ::kill(child, sig);
}

void forward(int sig, siginfo_t* info, void*) {
  tell(sig);
  // Keyboard signals reach the child from the terminal already.
  if ((sig == SIGINT || sig == SIGQUIT) && info && info->si_code == SI_KERNEL) return;
  pid_t child = g_child.load();
  if (child > 0) {
    ::kill(child, sig);
    return;
  }
  // No child yet (spawn() is between setting these handlers and learning
  // its pid, and another thread took the signal): kept for it, or passed
  // on here if the pid came meanwhile.
  g_unforwarded.fetch_or(1u << sig);
  child = g_child.load();
  if (child > 0) pass_on_unforwarded(child);
}

void install_forwarding() {
  struct sigaction action = {};
  action.sa_sigaction = forward;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < kForwardedCount; ++i) ::sigaction(kForwarded[i], &action, &g_saved[i]);
}

void restore_signals() {
  for (size_t i = 0; i < kForwardedCount; ++i) ::sigaction(kForwarded[i], &g_saved[i], nullptr);
}

// The forwarding handlers give way to the caller's, with the signals
// blocked in this thread meanwhile (one it is given then waits for the
// caller's handlers). A signal kept for a child that never came (fork
// failed) is dropped, as one another thread takes after the child ended:
// each was told (tell_signals_to) already.
void stop_forwarding();

sigset_t forwarded_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : kForwarded) sigaddset(&set, sig);
  return set;
}

}  // namespace

void tell_signals_to(int fd) { g_told_fd = fd; }

namespace {

struct Spawned {
  pid_t pid = -1;
  int exec_errno = 0;
};

// Forks and execs `argv`; in the child, `in`/`out` (when >= 0) become its
// stdin/stdout. Signal forwarding is installed before the fork (and undone in
// the child). Returns once exec succeeded or failed.
Spawned spawn(const std::vector<std::string>& argv, const EnvVars& env, int in, int out) {
  Spawned result;
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  // exec failures come back through a close-on-exec pipe.
  UniqueFd exec_read, exec_write;
  if (!make_pipe(&exec_read, &exec_write)) {
    result.exec_errno = errno;
    return result;
  }
  // A signal caught between setting the handlers and learning the child's
  // pid found no child to pass it to and was lost (the command ran on).
  // Now this thread holds the forwarded signals blocked until the pid is
  // known, and one another thread takes meanwhile is kept for the child
  // (g_unforwarded).
  const sigset_t forwarded = forwarded_set();
  sigset_t caller_mask;
  ::pthread_sigmask(SIG_BLOCK, &forwarded, &caller_mask);
  g_unforwarded = 0;
  install_forwarding();
  pid_t pid = ::fork();
  if (pid == 0) {
    // The command gets the default actions (what exec gives a caught
    // signal), an ignored signal staying ignored, before the signals are
    // unblocked: one passed on before its exec is its, not a handler's of
    // ours or of our caller's.
    for (size_t i = 0; i < kForwardedCount; ++i) {
      struct sigaction action = {};
      action.sa_handler = g_saved[i].sa_handler == SIG_IGN ? SIG_IGN : SIG_DFL;
      ::sigaction(kForwarded[i], &action, nullptr);
    }
    ::pthread_sigmask(SIG_SETMASK, &caller_mask, nullptr);
    ::signal(SIGPIPE, SIG_DFL);  // the proxy ignores it; its server must not
    exec_read.reset();
    if (in >= 0) ::dup2(in, 0);
    if (out >= 0) ::dup2(out, 1);
    for (const auto& [name, value] : env) {
      if (name[0] == '-')
        ::unsetenv(name.c_str() + 1);
      else
        ::setenv(name.c_str(), value.c_str(), 1);
    }
    ::execvp(args[0], args.data());
    int err = errno;
    (void)!::write(exec_write.get(), &err, sizeof err);
    ::_exit(127);
  }
  const int fork_errno = errno;
  exec_write.reset();
  if (pid < 0) {
    result.exec_errno = fork_errno;
    ::pthread_sigmask(SIG_SETMASK, &caller_mask, nullptr);
    stop_forwarding();
    return result;
  }
  g_child = pid;
  pass_on_unforwarded(pid);
  ::pthread_sigmask(SIG_SETMASK, &caller_mask, nullptr);  // what came meanwhile goes on now
  result.pid = pid;
  int err = 0;
  ssize_t n;
  while ((n = ::read(exec_read.get(), &err, sizeof err)) < 0 && errno == EINTR) {
  }
  if (n == sizeof err) result.exec_errno = err;
  return result;
}

void stop_forwarding() {
  const sigset_t forwarded = forwarded_set();
  sigset_t caller_mask;
  ::pthread_sigmask(SIG_BLOCK, &forwarded, &caller_mask);
  g_child = 0;
  restore_signals();
  g_unforwarded = 0;
  ::pthread_sigmask(SIG_SETMASK, &caller_mask, nullptr);
}

// Waits for `pid` to end, stops forwarding signals, then reaps it: until
// it is reaped its pid is not another process's, so a signal passed on
// meanwhile reaches no one else.
void reap(pid_t pid, ChildResult* result) {
  siginfo_t ended;
  while (::waitid(P_PID, static_cast<id_t>(pid), &ended, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  stop_forwarding();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (result->exec_errno != 0) return;
  result->started = true;
  result->signaled = WIFSIGNALED(status);
  result->code = result->signaled ? WTERMSIG(status) : WEXITSTATUS(status);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

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
  const auto start = std::chrono::steady_clock::now();
  Spawned spawned = spawn(argv, env, -1, -1);
  ChildResult result;
  result.exec_errno = spawned.exec_errno;
  if (spawned.pid > 0) reap(spawned.pid, &result);
  result.seconds = seconds_since(start);
  return result;
}

PipedChild::PipedChild(const std::vector<std::string>& argv) {
  start_ = std::chrono::steady_clock::now();
  UniqueFd child_in, child_out;
  if (!make_pipe(&child_in, &stdin_fd_) || !make_pipe(&stdout_fd_, &child_out)) {
    exec_errno_ = errno;
    stdin_fd_.reset();
    return;
  }
  Spawned spawned = spawn(argv, {}, child_in.get(), child_out.get());
  pid_ = spawned.pid;
  exec_errno_ = spawned.exec_errno;
  forwarding_ = pid_ > 0;
}

PipedChild::~PipedChild() {
  close_stdin();
  stdout_fd_.reset();
  if (forwarding_) wait();
}

void PipedChild::close_stdin() {
  stdin_fd_.reset();
}

ChildResult PipedChild::wait() {
  ChildResult result;
  result.exec_errno = exec_errno_;
  if (forwarding_) {
    reap(pid_, &result);
    forwarding_ = false;
  }
  result.seconds = seconds_since(start_);
  return result;
}

}  // namespace mcpr
