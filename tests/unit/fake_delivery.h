// A fake clock and a fake transport (ninja's FakeCommandRunner), so the flush
// loop runs deterministically: time moves only when the loop sleeps or waits
// on the transport, and each request is answered by a script after a fixed
// latency.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "src/delivery/http_transport.h"
#include "src/util/clock.h"

namespace mcpr {

class FakeClock : public Clock {
 public:
  static constexpr double kEpoch = 1764000100.0;  // the wall time at mono 0
  double mono() const override { return now_; }
  double wall() const override { return kEpoch + now_; }
  void sleep(double seconds) override { advance(seconds); }
  void advance(double seconds) {
    if (seconds <= 0) return;
    now_ += seconds;
    if (on_advance) on_advance(now_);
  }
  // Called with the new monotonic time whenever time moves: what the world
  // does meanwhile (another process changing the spool).
  std::function<void(double mono)> on_advance;

 private:
  double now_ = 0;
};

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

}  // namespace mcpr
