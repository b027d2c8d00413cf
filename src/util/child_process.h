// Running a wrapped command: `mcp-report run` (stdio untouched, an extra
// environment variable) and `mcp-report proxy` (stdin and stdout piped).
// Signals sent to us are passed on to it while it runs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "src/util/unique_fd.h"

namespace mcpr {

struct ChildResult {
  bool started = false;  // false: exec failed, see exec_errno
  int exec_errno = 0;
  bool signaled = false;  // killed by a signal rather than exiting
  int code = 0;           // exit status, or the signal number
  double seconds = 0;     // wall time from fork to exit

  // The status a shell would report: the exit status, 128+N for signal N,
  // 127 when the command was not found, 126 when it could not be run.
  int shell_status() const;
};

// Runs `argv` (PATH searched) with `env_name=env_value` added, and waits for
// it. SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 and SIGWINCH sent to this process are
// passed on; SIGINT and SIGQUIT too unless they came from the terminal, which
// already sent them to the whole foreground group.
ChildResult run_child(const std::vector<std::string>& argv, const std::string& env_name,
                      const std::string& env_value);

// The same with several variables added (or replaced) in its environment;
// a name written "-NAME" (its value unused) removes NAME, so that the
// command does not inherit it.
using EnvVars = std::vector<std::pair<std::string, std::string>>;
ChildResult run_child(const std::vector<std::string>& argv, const EnvVars& env);

// While a child runs, each signal given to us (forwarded or not) is also
// told to `fd`, a non-blocking pipe's write end, as one byte: its number.
// -1 tells no one.
void tell_signals_to(int fd);

// A child whose stdin and stdout are pipes held by us (stderr is ours).
// Signals are forwarded as by run_child from spawn_piped until wait().
class PipedChild {
 public:
  // Starts `argv` (PATH searched). When exec fails, started() is false and
  // wait() reports the errno; the pipes are then closed.
  explicit PipedChild(const std::vector<std::string>& argv);
  PipedChild(const PipedChild&) = delete;
  PipedChild& operator=(const PipedChild&) = delete;
  ~PipedChild();

  bool started() const { return pid_ > 0 && exec_errno_ == 0; }
  int stdin_fd() const { return stdin_fd_.get(); }    // write end of its stdin
  int stdout_fd() const { return stdout_fd_.get(); }  // read end of its stdout
  void close_stdin();
  // Waits for the child to end (or reports the failed start).
  ChildResult wait();

 private:
  pid_t pid_ = -1;
  int exec_errno_ = 0;
  UniqueFd stdin_fd_;
  UniqueFd stdout_fd_;
  bool forwarding_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace mcpr
