#include "src/delivery/http_transport.h"

#include <algorithm>
#include <cstdio>

namespace mcpr {

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
