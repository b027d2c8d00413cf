#include "src/delivery/otlp_traces.h"

#include <cmath>

#include "src/delivery/mcp_conventions.h"

namespace mcpr {
namespace {

constexpr int kSpanKindInternal = 1;  // Span.SpanKind SPAN_KIND_INTERNAL
constexpr int kSpanKindServer = 2;    // Span.SpanKind SPAN_KIND_SERVER
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

// The conventions' opt-in gen_ai.tool.call.arguments and .result, in
// structured form, for a tools/call whose values were captured (proxy
// --capture): the start's "parameters" object (without capture it is a list
// of names) and a completion's "result" object (a value cut to fit
// max_event_kb is the start of its JSON text: not sent).
void write_tool_call_values(JsonWriter& w, const rapidjson::Value& request, const OtlpEvent& end,
                            size_t limit) {
  auto method = request.FindMember("mcp.method.name");
  if (method == request.MemberEnd() || !method->value.IsString() ||
      std::string_view(method->value.GetString(), method->value.GetStringLength()) != "tools/call")
    return;
  auto arguments = request.FindMember("parameters");
  if (arguments != request.MemberEnd() && arguments->value.IsObject())
    write_attribute(w, "gen_ai.tool.call.arguments", arguments->value, limit);
  if (end.summary.action != Action::kComplete) return;
  auto result = end.data->FindMember("result");
  if (result != end.data->MemberEnd() && result->value.IsObject())
    write_attribute(w, "gen_ai.tool.call.result", result->value, limit);
}

// Whether an event's data says that text JSON could not carry was written
// escaped (proxy --capture): its log record's body says "escaped": true.
bool escaped(const rapidjson::Value* data) {
  if (!data) return false;
  auto it = data->FindMember("escaped");
  return it != data->MemberEnd() && it->value.IsBool() && it->value.GetBool();
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
  const std::string name = span_name(request);
  const std::string_view cut = limit_chars(name, limit_);
  w.String(cut.data(), static_cast<rapidjson::SizeType>(cut.size()));
  // SERVER is "server-side handling of a synchronous RPC or other remote
  // request" (trace.proto): an MCP request. A recording command's job
  // (run, a wrapper's start) is not one: INTERNAL.
  const bool mcp_request = request && request->HasMember("mcp.method.name");
  w.Key("kind");
  w.Int(mcp_request ? kSpanKindServer : kSpanKindInternal);
  w.Key("startTimeUnixNano");
  write_int64(w, *begin_us * 1000);
  w.Key("endTimeUnixNano");
  write_int64(w, end_us * 1000);
  w.Key("attributes");
  w.StartArray();
  if (request) write_convention_attributes(w, *request, limit_);
  if (request) write_tool_call_values(w, *request, end, limit_);
  write_string_attribute(w, "mcp_report.interaction.id", end.summary.interaction_id, limit_);
  // The span says so too: a trace-only user tells "\\xff" escaped from the
  // same four characters sent.
  if (escaped(request) || escaped(end.data)) {
    w.StartObject();
    w.Key("key");
    w.String("mcp_report.escaped");
    w.Key("value");
    w.StartObject();
    w.Key("boolValue");
    w.Bool(true);
    w.EndObject();
    w.EndObject();
  }
  std::optional<ErrorFacts> error;
  if (end.summary.action == Action::kError) {
    error = error_facts(*end.data);
    write_error_attributes(w, *error, limit_);
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
