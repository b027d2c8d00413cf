// mcp-report, the executable users run (README.md, Layout): it records a
// plain recording command line itself and hands anything else to
// mcp-report-cli, by exec with the same argv. No CLI11 and no iostreams are
// linked into it (tests/e2e/test_binaries.py checks its symbols).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "cli/command_table.h"
#include "cli/front.h"
#include "src/util/failure.h"
#include "src/util/path.h"

namespace mcpr::cli {
namespace {

// Execs mcp-report-cli with argv; returns only when it cannot (Failure 69,
// naming each path it looked for).
int run_full_command_line(int argc, char** argv) {
  const std::string command = named_command(argc, argv);
  const std::string what = command.empty() ? "mcp-report" : command;
  std::string not_found;
  for (const std::string& path : companion_paths(executable_folder(), "mcp-report-cli",
                                                 MCPR_CLI_RELATIVE_PATH, MCPR_CLI_INSTALLED_PATH)) {
    ::execv(path.c_str(), argv);
    if (errno != ENOENT && errno != ENOTDIR)
      throw Failure(kExitUnavailable, what + ": cannot run " + path, std::strerror(errno));
    not_found += (not_found.empty() ? "" : ", ") + path;
  }
  throw Failure(kExitUnavailable, what,
                "mcp-report-cli, which runs every command but the plain recording ones, is not "
                "installed: looked for " + not_found,
                "install mcp-report-cli with mcp-report (or copy it beside this binary)");
}

}  // namespace

int run_recorder(int argc, char** argv) {
  hold_closed_standard_fds();
  try {
    if (std::optional<SimpleRecording> simple = parse_simple_recording(argc, argv))
      return finish_output(record(simple->globals, simple->action, simple->request));
    return run_full_command_line(argc, argv);
  } catch (const std::exception& e) {
    return finish_output(report_error(e));
  }
}

}  // namespace mcpr::cli
