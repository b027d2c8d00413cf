// What the HTTP proxy's connection threads share: the upstream, the rules,
// the stop, and the count of requests in flight that a stop waits for.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "src/http_proxy/exchange_observer.h"
#include "src/http_proxy/request_policy.h"
#include "src/http_proxy/upstream.h"
#include "src/http_proxy/upstream_url.h"

namespace mcpr {

// Request bodies larger than this are refused (413) and never forwarded.
constexpr size_t kMaxRequestBodyBytes = 64u << 20;

// What every connection thread shares.
struct ProxyContext {
  ProxyContext(const UpstreamUrl& url, const UpstreamOptions& options, const ListenAddress& listen,
               int stop)
      : upstream(url), upstream_options(options), policy(listen), stop_fd(stop) {}

  const UpstreamUrl upstream;
  const UpstreamOptions upstream_options;
  const OriginPolicy policy;
  const int stop_fd;  // readable once the proxy stops: every wait ends
  ExchangeObserver* observer = nullptr;
  std::function<void(const std::string&)> note;  // -v: one line per request
  std::function<void(const std::string&)> warn;
  std::atomic<bool> stopping{false};  // no new requests
  std::atomic<uint64_t> next_exchange{1};
  std::atomic<bool> upstream_down{false};  // warned once until it answers again
  // Requests to the MCP endpoint forwarded with no observer: not recorded.
  std::atomic<uint64_t> unrecorded{0};

  // Requests whose response is still coming, so that a stop can wait for
  // them. A GET's stream has no end of its own: it counts only as a stream.
  void begin_request(bool stream_only);
  void end_request(bool stream_only);
  // Waits until no request (`streams_too`: and no stream) is in flight, or
  // `deadline`; true when none is.
  bool wait_idle(bool streams_too, std::chrono::steady_clock::time_point deadline);

 private:
  std::mutex mutex_;
  std::condition_variable idle_;
  int requests_ = 0;
  int streams_ = 0;
};

// The upstream connection a client connection's requests reuse.
struct ClientConnection {
  explicit ClientConnection(ProxyContext& context)
      : upstream(context.upstream_options, context.stop_fd) {}
  UpstreamConnection upstream;
};

}  // namespace mcpr
