#include "src/delivery/otlp_traces.h"

#include <cmath>

#include "src/delivery/mcp_conventions.h"

namespace mcpr {
namespace {

constexpr int kSpanKindServer = 2;  // Span.SpanKind SPAN_KIND_SERVER
constexpr int kStatusError = 2;     // Status.StatusCode STATUS_CODE_ERROR

// When the interaction began, in µs: its start's recording time, or the end's
// minus its processing_time; nullopt when neither is known.
std::optional<int64_t> start_time_us(const OtlpEvent* start, const OtlpEvent& end) {
  if (start) return start->summary.timestamp_us;
  auto it = end.data->FindMember("processing_time");
  if (it == end.data->MemberEnd() || !it->value.IsNumber()) return std::nullopt;
  const double seconds = it->value.GetDouble();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1e9) return std::nullopt;
  return end.summary.timestamp_us - std::llround(seconds * 1e6);
}

void write_text(JsonWriter& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

uint32_t otlp_span_flags(const SpanIds& ids) {
  constexpr uint32_t kHasIsRemote = 0x100, kIsRemote = 0x200;
  return ids.flags | kHasIsRemote | (ids.parent_span_id.empty() ? 0 : kIsRemote);
}

bool OtlpTracesEncoder::add(const OtlpEvent* start, const OtlpEvent& end, const SpanIds& ids) {
  // A caller that did not sample (flags without bit 0) recorded no span for
  // ours to hang from: as a ParentBased sampler would, ours is not sent
  // (its log records still carry its ids and flags).
  if (!ids.parent_span_id.empty() && !(ids.flags & 1)) return false;
  const std::optional<int64_t> begin_us = start_time_us(start, end);
  if (!begin_us) return false;
  // A clock stepped back between the two events gives an empty span, never
  // one that ends before it starts.
  const int64_t end_us = std::max(end.summary.timestamp_us, *begin_us);
  const rapidjson::Value* request = start ? start->data : nullptr;

  JsonWriter& w = envelope_.begin_item(end.summary.mcp_id);
  w.StartObject();
  w.Key("traceId");
  write_text(w, ids.trace_id);
  w.Key("spanId");
  write_text(w, ids.span_id);
  if (!ids.trace_state.empty()) {
    w.Key("traceState");
    write_text(w, ids.trace_state);
  }
  if (!ids.parent_span_id.empty()) {
    w.Key("parentSpanId");
    write_text(w, ids.parent_span_id);
  }
  w.Key("flags");
  w.Uint(otlp_span_flags(ids));
  w.Key("name");
  write_text(w, span_name(request));
  w.Key("kind");
  w.Int(kSpanKindServer);
  w.Key("startTimeUnixNano");
  write_int64(w, *begin_us * 1000);
  w.Key("endTimeUnixNano");
  write_int64(w, end_us * 1000);
  w.Key("attributes");
  w.StartArray();
  if (request) write_convention_attributes(w, *request);
  write_string_attribute(w, "mcp_report.interaction.id", end.summary.interaction_id);
  std::optional<ErrorFacts> error;
  if (end.summary.action == Action::kError) {
    error = error_facts(*end.data);
    write_error_attributes(w, *error);
  }
  w.EndArray();
  if (error) {
    w.Key("status");
    w.StartObject();
    if (!error->message.empty()) {
      w.Key("message");
      write_text(w, error->message);
    }
    w.Key("code");
    w.Int(kStatusError);
    w.EndObject();
  }
  w.EndObject();
  envelope_.end_item();
  return true;
}

}  // namespace mcpr
