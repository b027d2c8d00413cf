// OTLP/HTTP JSON encoding of spooled events as log records (man page
// OPENTELEMETRY SINK): one record per event, carrying the trace and span
// ids of its interaction's span. Pure: the caller gives the host name, the
// version and the observed time.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "src/delivery/otlp_json.h"
#include "src/event/event.h"
#include "src/event/trace_context.h"

namespace mcpr {

// One spooled event as the OTLP encoders read it: parsed once, then used by
// both signals.
struct OtlpEvent {
  // Parsed values live in `pool` when given (a batch shares one), else in
  // the event's own.
  explicit OtlpEvent(rapidjson::MemoryPoolAllocator<>* pool = nullptr) : doc(pool) {}

  EventSummary summary{};
  std::string event_id;  // the Idempotency-Key, "" when unknown
  rapidjson::Document doc;                 // what parse() parsed
  const rapidjson::Value* data = nullptr;  // its *_data object

  // Parses `body`; false with the reason in `error` when it is not an event.
  bool parse(std::string_view body, std::string* error);
  // Takes an event already parsed and checked (parse_event(), which said
  // `event` of it); `json` must outlive this.
  bool use(const rapidjson::Value& json, const EventSummary& event);
  // The traceparent and tracestate its data carries ("" when none).
  std::string_view data_text(const char* name) const;
};

// The ids of the span of `event`'s interaction, by the trace context of its
// start (nullptr when the start is unknown: a trace of its own).
SpanIds span_ids_of(const EventSummary& event, const OtlpEvent* start);

// The trace context a log record carries: its span's ids when that span is
// exported (`spans_sent`: otlp_signals has traces), else never a span no
// backend will see, as an SDK with tracing off stamps the context it was
// given: the caller's trace, span (as spanId) and flags when there was a
// caller, else none (empty ids: the record names no trace).
SpanIds log_record_context(const SpanIds& span, bool spans_sent);

// Builds one ExportLogsServiceRequest (OtlpEnvelope's grouping by mcp_id).
class OtlpLogsEncoder {
 public:
  // `observed_unix_nano` is the time of the export, every record's
  // observedTimeUnixNano; `value_limit` the log record attribute value
  // length limit in characters (the body is not cut).
  OtlpLogsEncoder(OtlpResourceInfo info, int64_t observed_unix_nano,
                  size_t value_limit = kNoLimit)
      : envelope_(OtlpSignal::kLogs, std::move(info)),
        observed_(std::to_string(observed_unix_nano)),
        limit_(value_limit) {}

  // Adds one event's record, in the span `ids`.
  void add(const OtlpEvent& event, const SpanIds& ids);
  // The same from a body, in a span of its own interaction (tests, and
  // callers without a start); false with the reason when it is not an event.
  bool add(std::string_view body, std::string* error, std::string_view event_id = {});
  size_t size() const { return envelope_.size(); }
  std::string finish() const { return envelope_.finish(); }
  std::vector<std::string> finish(size_t max_bytes) const { return envelope_.finish(max_bytes); }

 private:
  OtlpEnvelope envelope_;
  std::string observed_;
  size_t limit_;
};

}  // namespace mcpr
