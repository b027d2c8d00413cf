#include "src/delivery/http_transport.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "src/util/failure.h"

namespace mcpr {

void require_ca_file(const std::string& path) {
  if (path.empty()) return;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw Failure(kExitConfig, "ca_file " + path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw Failure(kExitConfig, "ca_file " + path, "not a regular file");
  if (::access(path.c_str(), R_OK) != 0)
    throw Failure(kExitConfig, "ca_file " + path, std::strerror(errno));
}

HttpResponse perform(HttpTransport& transport, const HttpRequest& request, double timeout,
                     Clock& clock) {
  const double start = clock.mono();
  const double deadline = start + std::max(0.0, timeout) + kPerformMargin;
  transport.submit(request);
  for (;;) {
    const double left = deadline - clock.mono();
    if (left <= 0) break;
    std::vector<HttpResponse> done = transport.wait(std::min(left, 1.0));
    if (!done.empty()) return done.front();
  }
  HttpResponse r;
  r.tag = request.tag;
  r.error = NetError::kTimeout;
  r.seconds = clock.mono() - start;
  char text[64];
  std::snprintf(text, sizeof text, "no answer within %g s", deadline - start);
  r.error_text = text;
  return r;
}

}  // namespace mcpr
