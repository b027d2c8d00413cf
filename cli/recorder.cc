// mcp-report, the executable users run (README.md, Layout): it records a
// plain recording command line itself and hands anything else to
// mcp-report-cli, by exec with the same argv. No CLI11 and no iostreams are
// linked into it (tests/e2e/test_binaries.py checks its symbols).
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "cli/command_table.h"
#include "cli/front.h"
#include "src/util/failure.h"

namespace mcpr::cli {
namespace {

// This binary's folder, as the kernel knows it (symlinks resolved).
std::string own_folder() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  const std::string path = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// `folder` + "/" + `relative`, each leading "../" of `relative` taken off
// `folder` (which has no symlinks left): the full path a user can look at.
std::string join_lexically(std::string folder, std::string relative) {
  while (relative.compare(0, 3, "../") == 0 && folder.size() > 1) {
    const size_t slash = folder.find_last_of('/');
    folder = slash == 0 ? "/" : folder.substr(0, slash);
    relative.erase(0, 3);
  }
  return folder == "/" ? "/" + relative : folder + "/" + relative;
}

// Where mcp-report-cli may be, in this order, each once: beside this binary
// (the build tree), where an install puts it relative to this binary (an
// unpacked .deb, another prefix), and where this build installs it.
std::vector<std::string> cli_paths() {
  const std::string dir = own_folder();
  std::vector<std::string> paths;
  for (std::string path : {dir + "/mcp-report-cli", join_lexically(dir, MCPR_CLI_RELATIVE_PATH),
                           std::string(MCPR_CLI_INSTALLED_PATH)}) {
    bool seen = false;
    for (const std::string& p : paths) seen = seen || p == path;
    if (!seen) paths.push_back(std::move(path));
  }
  return paths;
}

// Execs mcp-report-cli with argv; returns only when it cannot (Failure 69,
// naming each path it looked for).
int run_full_command_line(int argc, char** argv) {
  const std::string command = named_command(argc, argv);
  const std::string what = command.empty() ? "mcp-report" : command;
  std::string not_found;
  for (const std::string& path : cli_paths()) {
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
