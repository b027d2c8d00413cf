// A fake transport (ninja's FakeCommandRunner) on the fake clock, so the flush
// loop runs deterministically: time moves only when the loop sleeps or waits
// on the transport, and each request is answered by a script after a fixed
// latency.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "src/delivery/http_transport.h"
#include "fake_clock.h"

namespace mcpr {

struct SentRequest {
  HttpRequest request;
  double at = 0;  // fake monotonic time
};

class FakeTransport : public HttpTransport {
 public:
  using Script = std::function<HttpResponse(const HttpRequest&, size_t index)>;
  FakeTransport(FakeClock& clock, Script script, double latency = 0.01)
      : clock_(clock), script_(std::move(script)), latency_(latency) {}

  void submit(const HttpRequest& request) override {
    sent_.push_back({request, clock_.mono()});
    HttpResponse r = script_(request, sent_.size() - 1);
    r.tag = request.tag;
    pending_.push_back({clock_.mono() + latency_, r});
  }

  std::vector<HttpResponse> wait(double max_wait) override {
    double first = 1e300;
    for (const auto& p : pending_) first = std::min(first, p.first);
    std::vector<HttpResponse> done;
    if (first > clock_.mono() + max_wait) {
      clock_.advance(max_wait);
      return done;
    }
    clock_.advance(first - clock_.mono());
    for (size_t i = 0; i < pending_.size();) {
      if (pending_[i].first <= clock_.mono()) {
        done.push_back(pending_[i].second);
        pending_.erase(pending_.begin() + static_cast<long>(i));
      } else {
        ++i;
      }
    }
    return done;
  }

  size_t in_flight() const override { return pending_.size(); }
  const std::vector<SentRequest>& sent() const { return sent_; }

 private:
  FakeClock& clock_;
  Script script_;
  double latency_;
  std::vector<SentRequest> sent_;
  std::vector<std::pair<double, HttpResponse>> pending_;
};

// Hands the test's FakeTransport to the loop, which owns what it is given.
class Forward : public HttpTransport {
 public:
  explicit Forward(HttpTransport& to) : to_(to) {}
  void submit(const HttpRequest& r) override { to_.submit(r); }
  std::vector<HttpResponse> wait(double w) override { return to_.wait(w); }
  size_t in_flight() const override { return to_.in_flight(); }

 private:
  HttpTransport& to_;
};

inline HttpResponse answer(int status, const std::string& retry_after = "") {
  HttpResponse r;
  r.status = status;
  r.retry_after = retry_after;
  return r;
}

inline HttpResponse no_connection() {
  HttpResponse r;
  r.error = NetError::kUnreachable;
  r.error_text = "Connection refused";
  return r;
}

// A request to a port nobody listens on, handed back with `tag`.
inline HttpRequest tagged_request(uint64_t tag) {
  HttpRequest r;
  r.tag = tag;
  r.url = "http://127.0.0.1:9/";
  return r;
}

}  // namespace mcpr
