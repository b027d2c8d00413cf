#include "src/delivery/otlp_logs.h"

#include "src/delivery/mcp_conventions.h"
#include "src/event/event_json.h"

namespace mcpr {

bool OtlpEvent::parse(std::string_view body, std::string* error) {
  std::optional<EventSummary> event = parse_event(body, doc, error);
  if (!event) return false;
  summary = std::move(*event);
  data = &doc[action_info(summary.action).data_member];
  return true;
}

bool OtlpEvent::use(const rapidjson::Value& json, const EventSummary& event) {
  auto d = json.FindMember(action_info(event.action).data_member);
  if (d == json.MemberEnd() || !d->value.IsObject()) return false;
  summary = event;
  data = &d->value;
  return true;
}

std::string_view OtlpEvent::data_text(const char* name) const {
  if (!data) return {};
  auto it = data->FindMember(name);
  if (it == data->MemberEnd() || !it->value.IsString()) return {};
  return std::string_view(it->value.GetString(), it->value.GetStringLength());
}

SpanIds span_ids_of(const EventSummary& event, const OtlpEvent* start) {
  if (!start) return span_ids(event.mcp_id, event.interaction_id);
  return span_ids(event.mcp_id, event.interaction_id, start->data_text("traceparent"),
                  start->data_text("tracestate"), start->summary.timestamp_us);
}

SpanIds log_record_context(const SpanIds& span, bool spans_sent) {
  if (spans_sent) return span;
  SpanIds caller;
  if (span.parent_span_id.empty()) {
    caller.flags = 0;
    return caller;
  }
  caller.trace_id = span.trace_id;
  caller.span_id = span.parent_span_id;
  caller.trace_state = span.trace_state;
  caller.flags = span.flags;
  return caller;
}

void OtlpLogsEncoder::add(const OtlpEvent& event, const SpanIds& ids) {
  const EventSummary& e = event.summary;
  const bool is_error = e.action == Action::kError;
  const char* action = action_info(e.action).name;

  JsonWriter& w = envelope_.begin_item(e.mcp_id);
  w.StartObject();
  w.Key("timeUnixNano");
  write_int64(w, e.timestamp_us * 1000);
  w.Key("observedTimeUnixNano");
  w.String(observed_.c_str(), static_cast<rapidjson::SizeType>(observed_.size()));
  w.Key("severityNumber");  // SeverityNumber: 9 INFO, 17 ERROR
  w.Int(is_error ? 17 : 9);
  w.Key("severityText");
  w.String(is_error ? "ERROR" : "INFO");
  w.Key("body");
  write_any_value(w, *event.data);
  w.Key("attributes");
  w.StartArray();
  write_string_attribute(w, "mcp_report.interaction.id", e.interaction_id, limit_);
  write_string_attribute(w, "mcp_report.action", action, limit_);
  // The coordinator's Idempotency-Key: the same on every resend, so a
  // receiver can drop the duplicates at-least-once allows.
  if (!event.event_id.empty())
    write_string_attribute(w, "mcp_report.event.id", event.event_id, limit_);
  write_convention_attributes(w, *event.data, limit_);
  if (is_error) write_error_attributes(w, error_facts(*event.data), limit_);
  w.EndArray();
  if (!ids.trace_id.empty()) {  // no trace context: no ids at all
    w.Key("flags");  // LogRecordFlags: the W3C trace flags of its span
    w.Uint(ids.flags);
    w.Key("traceId");
    w.String(ids.trace_id.c_str(), static_cast<rapidjson::SizeType>(ids.trace_id.size()));
    w.Key("spanId");
    w.String(ids.span_id.c_str(), static_cast<rapidjson::SizeType>(ids.span_id.size()));
  }
  w.Key("eventName");
  w.String(action);
  w.EndObject();
  envelope_.end_item();
}

bool OtlpLogsEncoder::add(std::string_view body, std::string* error, std::string_view event_id) {
  OtlpEvent event;
  if (!event.parse(body, error)) return false;
  event.event_id = std::string(event_id);
  add(event, span_ids_of(event.summary, event.summary.action == Action::kStart ? &event : nullptr));
  return true;
}

}  // namespace mcpr
