#include "src/delivery/http_transport.h"

namespace mcpr {

HttpResponse perform(HttpTransport& transport, const HttpRequest& request) {
  transport.submit(request);
  for (;;) {
    std::vector<HttpResponse> done = transport.wait(1.0);
    if (!done.empty()) return done.front();
  }
}

}  // namespace mcpr
