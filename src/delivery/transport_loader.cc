#include <dlfcn.h>
#include <unistd.h>

#include <climits>

#include "src/util/failure.h"
#include "src/delivery/http_transport.h"

namespace mcpr {
namespace {

std::string exe_dir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.find_last_of('/'));
}

}  // namespace

std::unique_ptr<HttpTransport> load_transport(const TransportOptions& options) {
  const std::string dir = exe_dir();
  const std::string candidates[] = {
      dir + "/mcp-report-transport.so",
      dir + "/../lib/mcp-report/mcp-report-transport.so",
      std::string(MCPR_TRANSPORT_INSTALL_DIR) + "/mcp-report-transport.so",
  };
  std::string errors;
  for (const std::string& path : candidates) {
    if (::access(path.c_str(), R_OK) != 0) continue;
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      errors = ::dlerror();
      continue;
    }
    auto create = reinterpret_cast<CreateTransportFn>(::dlsym(handle, kCreateTransportSymbol));
    if (!create) {
      errors = path + ": no entry point " + kCreateTransportSymbol;
      continue;
    }
    // The module stays loaded for the life of the process.
    return std::unique_ptr<HttpTransport>(create(&options));
  }
  throw Failure(kExitUnavailable, "cannot load the HTTP transport",
                errors.empty() ? "mcp-report-transport.so not found beside " + dir : errors,
                "reinstall mcp-report");
}

HttpResponse perform(HttpTransport& transport, const HttpRequest& request) {
  transport.submit(request);
  for (;;) {
    std::vector<HttpResponse> done = transport.wait(1.0);
    if (!done.empty()) return done.front();
  }
}

}  // namespace mcpr
