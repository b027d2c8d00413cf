// mcp-report hands the commands that use the network to mcp-report-net
// (README.md, Layout): an exec with the same argv.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "cli/command.h"
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

// Where mcp-report-net may be, in this order: beside this binary (the build
// tree), where an install puts it relative to this binary (an unpacked .deb,
// another prefix), and where this build installs it.
std::vector<std::string> network_executable_paths() {
  const std::string dir = own_folder();
  return {dir + "/mcp-report-net", dir + "/" MCPR_NET_RELATIVE_PATH, MCPR_NET_INSTALLED_PATH};
}

// "flush, health and validate-key", from the table.
std::string network_commands() {
  std::vector<std::string> names;
  for (size_t i = 0; i < kCommandCount; ++i)
    if (kCommandTable[i].runs_in == Executable::kNetwork) names.push_back(kCommandTable[i].name);
  std::string text;
  for (size_t i = 0; i < names.size(); ++i)
    text += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return text;
}

}  // namespace

int run_network_executable(int argc, char** argv) {
  const std::string command = named_command(argc, argv);
  std::string not_found;
  for (const std::string& path : network_executable_paths()) {
    ::execv(path.c_str(), argv);
    if (errno != ENOENT && errno != ENOTDIR)
      throw Failure(kExitUnavailable, command + ": cannot run " + path, std::strerror(errno));
    not_found += (not_found.empty() ? "" : ", ") + path;
  }
  throw Failure(kExitUnavailable, command,
                "mcp-report-net, which runs " + network_commands() +
                    ", is not installed: looked for " + not_found,
                "install mcp-report-net with mcp-report (or copy it beside this binary)");
}

}  // namespace mcpr::cli
