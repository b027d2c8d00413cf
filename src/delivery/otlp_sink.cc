#include "src/delivery/otlp_sink.h"

#include <unistd.h>


#include "src/config/config.h"
#include "src/delivery/gzip.h"
#include "src/delivery/http_status.h"
#include "src/delivery/otlp_logs.h"
#include "src/delivery/otlp_policy.h"
#include "src/util/clock.h"
#include "src/util/version.h"

namespace mcpr {
namespace {

int64_t wall_unix_nano() { return wall_now_ns(); }

class OtlpSink : public Sink {
 public:
  explicit OtlpSink(OtlpSinkOptions options) : options_(std::move(options)) {
    if (!options_.now_unix_nano) options_.now_unix_nano = wall_unix_nano;
  }

  size_t max_batch() const override { return options_.max_batch; }
  std::string credentials() const override { return "our headers"; }
  std::string key_hint() const override {
    return "check the headers in otlp_headers_file or OTEL_EXPORTER_OTLP_HEADERS";
  }
  std::string peer() const override { return "the OTLP endpoint at " + display_url(options_.url); }

  HttpRequest request(const std::vector<const QueuedEvent*>& batch) override {
    OtlpLogsEncoder encoder({options_.host_name, kVersion}, options_.now_unix_nano());
    std::string ignored;  // the loop sets aside what is not an event before it gets here
    for (const QueuedEvent* e : batch) encoder.add(e->body, &ignored, e->event_id);
    HttpRequest r;
    r.url = options_.url;
    r.body = encoder.finish();
    r.bearer = false;  // the coordinator's key is not the endpoint's business
    r.headers = options_.headers;
    if (r.body.size() >= kGzipThreshold) {
      if (std::optional<std::string> gz = gzip_compress(r.body)) {
        r.body = std::move(*gz);
        r.headers.emplace_back("Content-Encoding", "gzip");
      }
    }
    return r;
  }

  BatchOutcome outcome(const HttpResponse& response, size_t) override {
    BatchOutcome o = batch_outcome(classify(response, Peer::kOtlp), response);
    if (o.kind == BatchOutcome::Kind::kDelivered) {
      if (std::optional<OtlpPartialSuccess> p = parse_partial_success(response.body_start)) {
        o.rejected = static_cast<unsigned>(p->rejected);
        o.note = p->message;
      }
    }
    return o;
  }

 private:
  OtlpSinkOptions options_;
};

}  // namespace

std::unique_ptr<Sink> make_otlp_sink(OtlpSinkOptions options) {
  return std::make_unique<OtlpSink>(std::move(options));
}

OtlpSinkOptions otlp_sink_options(const Config& config) {
  OtlpSinkOptions o;
  o.url = config.otlp_logs_url();
  o.headers = config.otlp_headers();
  o.max_batch = static_cast<size_t>(config.otlp_batch);
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) == 0) o.host_name = host;
  return o;
}

}  // namespace mcpr
