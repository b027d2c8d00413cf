// The coordinator sink: one event per request, the file's content as the
// body, POST {url}/api/v2/interactions (man page WIRE PROTOCOL), answers read by the
// outcome table of src/delivery/http_status.h.
#include "src/config/config.h"
#include "src/delivery/http_status.h"
#include "src/delivery/retry_policy.h"
#include "src/delivery/sink.h"

namespace mcpr {
namespace {

class CoordinatorSink : public Sink {
 public:
  explicit CoordinatorSink(const std::string& base_url)
      : url_(base_url + "/api/v2/interactions"), peer_("the coordinator at " + display_url(base_url)) {}

  size_t max_batch() const override { return 1; }
  std::string peer() const override { return peer_; }

  std::vector<SinkRequest> requests(const std::vector<const QueuedEvent*>& batch) override {
    SinkRequest r;
    r.http.url = url_;
    r.http.body = batch.front()->body;
    r.http.idempotency_key = batch.front()->event_id;
    return {std::move(r)};
  }

  BatchOutcome outcome(const HttpResponse& response, int, size_t) override {
    return batch_outcome(classify(response, Peer::kCoordinator), response);
  }

 private:
  std::string url_;
  std::string peer_;
};

}  // namespace

std::unique_ptr<Sink> make_coordinator_sink(const std::string& base_url) {
  return std::make_unique<CoordinatorSink>(base_url);
}

}  // namespace mcpr
