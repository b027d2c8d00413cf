// Running the wrapped command of `mcp-report run`: its stdio untouched, an
// extra environment variable, signals sent to us passed on to it.
#pragma once

#include <string>
#include <utility>
#include <vector>

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

// The same with several variables added (or replaced) in its environment.
using EnvVars = std::vector<std::pair<std::string, std::string>>;
ChildResult run_child(const std::vector<std::string>& argv, const EnvVars& env);

}  // namespace mcpr
