#include "cli/command.h"

#ifdef MCPR_STATIC_FRONT
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <climits>
#include <cstring>
#include <iostream>
#include <string>

namespace {

// The static front (SPEC.md §7): recording commands run here, without the
// dynamic loader; the network commands are handed to the dynamic build,
// mcp-report-net, which loads the libcurl transport module. It lives beside
// this binary in the build tree and in lib/mcp-report/ once installed.
void hand_over_network_commands(int argc, char** argv) {
  const std::string command = mcpr::cli::named_command(argc, argv);
  if (command != "flush" && command != "health" && command != "validate-key") return;
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string dir = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("./x");
  dir.resize(dir.find_last_of('/'));
  const std::string candidates[] = {
      dir + "/mcp-report-net",
      dir + "/../lib/mcp-report/mcp-report-net",
      std::string(MCPR_NET_INSTALL_DIR) + "/mcp-report-net",
  };
  int err = ENOENT;
  for (const std::string& path : candidates) {
    ::execv(path.c_str(), argv);
    if (errno != ENOENT) err = errno;
  }
  std::cerr << "mcp-report: " << command << ": cannot run mcp-report-net beside " << dir << ": "
            << std::strerror(err) << "\nmcp-report: hint: reinstall mcp-report\n";
  std::exit(69);
}

}  // namespace
#endif

int main(int argc, char** argv) {
#ifdef MCPR_STATIC_FRONT
  hand_over_network_commands(argc, argv);
#endif
  return mcpr::cli::finish_output(mcpr::cli::run_cli(argc, argv));
}
