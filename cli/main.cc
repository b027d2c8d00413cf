#include "cli/command.h"
#include "cli/proxy_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#ifdef MCPR_STATIC_FRONT
#include <cstdlib>
#include <climits>
#include <cstring>
#include <iostream>
#include <string>

namespace {

// The static front (the recording budget of README.md, Performance): recording commands run here, without the
// dynamic loader; the network commands are handed to the dynamic build,
// mcp-report-net, which loads the libcurl transport module and links the
// HTTP proxy (proxy --listen: libcurl and libmicrohttpd). It lives beside
// this binary in the build tree and in lib/mcp-report/ once installed.
void hand_over_network_commands(int argc, char** argv) {
  const std::string command = mcpr::cli::named_command(argc, argv);
  const bool http_proxy =
      command == "proxy" && mcpr::cli::is_http_proxy_command_line(argc, argv);
  if (command != "flush" && command != "health" && command != "validate-key" && !http_proxy)
    return;
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

namespace {

// A standard fd we were started without (`<&-`, `>&-`) is held by /dev/null,
// opened read-only: otherwise the next pipe or file we open would become fd
// 0, 1 or 2 (the proxy once read its own pipe as its stdin and never ended).
// Reads then see an end of input and writes fail (exit 74), as they would
// have on the closed fd.
void hold_closed_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int held = ::open("/dev/null", O_RDONLY);
    if (held >= 0 && held != fd) ::close(held);  // not the lowest free fd: leave it be
  }
}

}  // namespace

int main(int argc, char** argv) {
  hold_closed_standard_fds();
#ifdef MCPR_HTTP_PROXY
  mcpr::cli::set_http_proxy_command(&mcpr::cli::http_proxy);
#endif
#ifdef MCPR_STATIC_FRONT
  hand_over_network_commands(argc, argv);
#endif
  return mcpr::cli::finish_output(mcpr::cli::run_cli(argc, argv));
}
