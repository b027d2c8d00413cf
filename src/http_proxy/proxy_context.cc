#include "src/http_proxy/proxy_context.h"

namespace mcpr {

void ProxyContext::begin_request(bool stream_only) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++streams_;
  if (!stream_only) ++requests_;
}

void ProxyContext::end_request(bool stream_only) {
  std::lock_guard<std::mutex> lock(mutex_);
  --streams_;
  if (!stream_only) --requests_;
  idle_.notify_all();
}

bool ProxyContext::wait_idle(bool streams_too, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  return idle_.wait_until(lock, deadline,
                          [&] { return requests_ == 0 && (!streams_too || streams_ == 0); });
}

}  // namespace mcpr
