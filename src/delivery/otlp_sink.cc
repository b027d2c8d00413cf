#include "src/delivery/otlp_sink.h"

#include <unistd.h>

#include <cctype>
#include <deque>
#include <unordered_map>

#include "src/config/config.h"
#include "src/delivery/gzip.h"
#include "src/delivery/http_status.h"
#include "src/delivery/otlp_logs.h"
#include "src/delivery/otlp_policy.h"
#include "src/delivery/otlp_traces.h"
#include "src/util/clock.h"
#include "src/util/version.h"

namespace mcpr {
namespace {

int64_t wall_unix_nano() { return wall_now_ns(); }

// "the OTLP endpoint at http://c:4318" when every signal goes to its own
// path of one base URL, else each URL.
std::string describe_urls(const std::vector<OtlpSinkOptions::Signal>& signals) {
  std::string base, all;
  bool one_base = true;
  for (const OtlpSinkOptions::Signal& s : signals) {
    const std::string path = otlp_path(s.signal);
    const bool standard = s.url.size() > path.size() &&
                          s.url.compare(s.url.size() - path.size(), path.size(), path) == 0;
    const std::string b = standard ? s.url.substr(0, s.url.size() - path.size()) : s.url;
    one_base = one_base && standard && (base.empty() || b == base);
    base = b;
    all += (all.empty() ? "" : " and ") + display_url(s.url);
  }
  return "the OTLP endpoint at " + (one_base && signals.size() > 1 ? display_url(base) : all);
}

// Whether an answer refuses a request for its size: a 413, or a 400 that
// says "too large" (the Collector's OTLP/HTTP receiver answers a body over
// its max_request_body_size with 400 "... request body too large").
bool too_large(const HttpResponse& response) {
  if (response.status == 413) return true;
  if (response.status != 400) return false;
  std::string text = response.body_start;
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text.find("too large") != std::string::npos;
}

// `body` (a start kept in started/) parsed into `start`, when it is the
// interaction_start of `iid`; nullptr when not.
const OtlpEvent* parsed_start(OtlpEvent& start, const std::string& body, const std::string& iid) {
  std::string ignored;
  if (!start.parse(body, &ignored) || start.summary.action != Action::kStart ||
      start.summary.interaction_id != iid)
    return nullptr;
  return &start;
}

class OtlpSink : public Sink {
 public:
  explicit OtlpSink(OtlpSinkOptions options)
      : options_(std::move(options)), peer_(describe_urls(options_.signals)) {
    if (!options_.now_unix_nano) options_.now_unix_nano = wall_unix_nano;
  }

  size_t max_batch() const override { return options_.max_batch; }
  std::string credentials() const override { return "our headers"; }
  std::string key_hint() const override { return credentials_hint(SinkKind::kOtlp, true); }
  std::string peer() const override { return peer_; }
  bool keeps_starts() const override { return true; }

  std::vector<SinkRequest> requests(const std::vector<const QueuedEvent*>& batch) override {
    // Every body is parsed once (by the loop, or here into one pool for the
    // batch).
    rapidjson::MemoryPoolAllocator<> pool;
    std::vector<OtlpEvent> events;
    events.reserve(batch.size());
    std::vector<const std::string*> kept_starts;  // each event's start kept in started/
    std::string ignored;  // the loop set aside what is not an event before it got here
    for (const QueuedEvent* q : batch) {
      events.emplace_back(&pool);
      OtlpEvent& e = events.back();
      if (!(q->json ? e.use(*q->json, q->summary) : e.parse(q->body, &ignored))) {
        events.pop_back();
        continue;
      }
      e.event_id = q->event_id;
      kept_starts.push_back(&q->started_body);
    }
    std::vector<BatchEvent> order;
    order.reserve(events.size());
    for (const OtlpEvent& e : events)
      order.push_back({e.summary.interaction_id, action_info(e.summary.action).code});
    const std::vector<size_t> in_batch = batch_starts(order);
    std::vector<const OtlpEvent*> begins;  // each event's start, nullptr when none is known
    std::deque<OtlpEvent> kept;            // starts kept in started/
    std::unordered_map<std::string, const OtlpEvent*> kept_by_id;  // nullptr: none usable
    for (size_t k = 0; k < events.size(); ++k) {
      const OtlpEvent* start = in_batch[k] == kNoStart ? nullptr : &events[in_batch[k]];
      const std::string& iid = events[k].summary.interaction_id;
      if (!start && !kept_starts[k]->empty()) {
        auto [it, fresh] = kept_by_id.try_emplace(iid, nullptr);
        if (fresh) it->second = parsed_start(kept.emplace_back(&pool), *kept_starts[k], iid);
        start = it->second;
      }
      begins.push_back(start);
    }
    OtlpResourceInfo info{options_.host_name, kVersion, options_.resource};
    OtlpTracesEncoder traces(info, options_.span_value_limit);
    OtlpLogsEncoder logs(info, options_.now_unix_nano(), options_.log_value_limit);
    bool spans_sent = false;
    for (const OtlpSinkOptions::Signal& s : options_.signals)
      spans_sent = spans_sent || s.signal == OtlpSignal::kTraces;
    for (size_t k = 0; k < events.size(); ++k) {
      const OtlpEvent& e = events[k];
      const SpanIds ids = span_ids_of(e.summary, begins[k]);
      logs.add(e, log_record_context(ids, spans_sent));
      if (e.summary.action == Action::kComplete || e.summary.action == Action::kError)
        traces.add(begins[k], e, ids);
    }
    std::vector<SinkRequest> out;
    for (size_t k = 0; k < options_.signals.size(); ++k) {
      const OtlpSinkOptions::Signal& s = options_.signals[k];
      const bool spans = s.signal == OtlpSignal::kTraces;
      if ((spans ? traces.size() : logs.size()) == 0) continue;
      for (std::string& body : spans ? traces.finish(options_.max_request_bytes)
                                     : logs.finish(options_.max_request_bytes))
        out.push_back({http_request(s, std::move(body)), static_cast<int>(k)});
    }
    return out;
  }

  BatchOutcome outcome(const HttpResponse& response, int part, size_t) override {
    const bool spans = options_.signals[static_cast<size_t>(part)].signal == OtlpSignal::kTraces;
    BatchOutcome o = batch_outcome(classify(response, Peer::kOtlp), response);
    if (o.kind == BatchOutcome::Kind::kDead && too_large(response))
      o.kind = BatchOutcome::Kind::kTooLarge;
    if (o.kind == BatchOutcome::Kind::kDelivered) {
      if (std::optional<OtlpPartialSuccess> p = parse_partial_success(
              response.body_start, spans ? "rejectedSpans" : "rejectedLogRecords")) {
        o.rejected = static_cast<unsigned>(p->rejected);
        o.rejected_what = spans ? "span" : "record";
        o.note = p->message;
      }
    }
    return o;
  }

 private:
  HttpRequest http_request(const OtlpSinkOptions::Signal& s, std::string body) const {
    HttpRequest r;
    r.url = s.url;
    r.body = std::move(body);
    r.bearer = false;  // the coordinator's key is not the endpoint's business
    r.headers = s.headers;
    if (s.compression == "gzip" || (s.compression.empty() && r.body.size() >= kGzipThreshold)) {
      if (std::optional<std::string> gz = gzip_compress(r.body)) {
        r.body = std::move(*gz);
        r.headers.emplace_back("Content-Encoding", "gzip");
      }
    }
    return r;
  }

  OtlpSinkOptions options_;
  std::string peer_;
};

}  // namespace

std::unique_ptr<Sink> make_otlp_sink(OtlpSinkOptions options) {
  return std::make_unique<OtlpSink>(std::move(options));
}

OtlpSinkOptions otlp_sink_options(const Config& config) {
  OtlpSinkOptions o;
  for (OtlpSignal signal : {OtlpSignal::kTraces, OtlpSignal::kLogs}) {
    const std::string name = otlp_signal_name(signal);
    if (config.otlp_sends(name))
      o.signals.push_back({signal, config.otlp_url(name), config.otlp_headers(name),
                           signal == OtlpSignal::kTraces ? config.otlp_traces_compression
                                                         : config.otlp_logs_compression});
  }
  o.max_batch = static_cast<size_t>(config.otlp_batch);
  o.max_request_bytes = static_cast<size_t>(config.otlp_max_request_kb) * 1024;
  o.resource = config.otlp_resource;
  if (config.otlp_span_value_limit >= 0)
    o.span_value_limit = static_cast<size_t>(config.otlp_span_value_limit);
  if (config.otlp_log_value_limit >= 0)
    o.log_value_limit = static_cast<size_t>(config.otlp_log_value_limit);
  char host[256] = {0};
  if (::gethostname(host, sizeof host - 1) == 0) o.host_name = host;
  return o;
}

}  // namespace mcpr
