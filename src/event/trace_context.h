// W3C Trace Context (https://www.w3.org/TR/trace-context/, Level 1 and 2)
// for the man page's OPENTELEMETRY SINK: the caller's traceparent and
// tracestate, as the proxy finds them in a request's params._meta and the
// recording commands in TRACEPARENT/TRACESTATE (OpenTelemetry's environment
// carriers), and the ids of an interaction's span. Pure functions: the same
// ids come out of the same spooled events on every host and every resend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpr {

// A valid traceparent: version 00's fields (a later version is read as 00,
// as the recommendation says).
struct TraceParent {
  std::string trace_id;   // 32 lowercase hex digits, not all zero
  std::string parent_id;  // 16 lowercase hex digits, not all zero
  uint8_t flags = 0;      // trace-flags; bit 0 is "sampled"
};

// Parses a traceparent header value; nullopt with the reason in `why` for
// anything the recommendation says to ignore (a wrong length or field,
// upper-case hex, an all-zero id, version ff).
std::optional<TraceParent> parse_traceparent(std::string_view text, std::string* why = nullptr);

// Why a tracestate value is not valid (its list-members, keys, values, at
// most 32 members, no key twice); "" when it is. An empty value is valid.
std::string tracestate_problem(std::string_view text);

// The ids of an interaction's span. Its span id is derived from the mcp_id,
// the interaction id and its start's time (`start_us`, the start event's
// timestamp in µs, as the sink reads it from the spooled body): a resend is
// the same span, an id used again (a job's name) a new one. Its trace id is
// the caller's when a valid traceparent was given, else derived from the
// same, so an interaction without a caller starts its own trace. Without
// the start (an end whose start is gone), from the first two alone.
struct SpanIds {
  std::string trace_id;        // 32 lowercase hex
  std::string span_id;         // 16 lowercase hex
  std::string parent_span_id;  // the caller's span, "" for none
  std::string trace_state;     // the caller's tracestate when valid, else ""
  uint8_t flags = 1;           // the caller's trace-flags, else sampled
};
SpanIds span_ids(std::string_view mcp_id, std::string_view interaction_id,
                 std::string_view traceparent = {}, std::string_view tracestate = {},
                 std::optional<int64_t> start_us = std::nullopt);

// The traceparent naming a span, to hand to a child: "00-<trace>-<span>-<flags>".
std::string traceparent_of(const SpanIds& ids);

// The environment's TRACEPARENT and TRACESTATE as members to add to a start
// event's data: both when valid, none without a valid TRACEPARENT (and
// TRACESTATE alone when it is invalid). Each value that is set but not
// valid is left out with a line for the user in `notes`.
struct TraceEnvironment {
  std::vector<std::pair<std::string, std::string>> members;  // name, value
  std::vector<std::string> notes;
};
TraceEnvironment trace_environment(const char* traceparent, const char* tracestate);

// The trace context of an interaction_start a recording command records
// (start, run): `payload` (a serialized JSON object) with the environment's
// valid TRACEPARENT and TRACESTATE added as its "traceparent" and
// "tracestate" members where it has none of its own (left byte for byte as
// it was when there is nothing to add), the notes about values ignored, and
// the context a child of the interaction's span inherits. A span that will
// never be exported (`exports_span` false: logging off, the coordinator sink,
// or an OTLP sink without traces) is no parent: the child inherits the
// caller's valid context unchanged, or none. `start_us` is the timestamp the
// start is recorded with (see span_ids).
struct StartContext {
  std::string payload;
  std::vector<std::string> notes;
  std::string child_traceparent;  // "00-<trace id>-<the span's id>-<flags>", or the caller's, or ""
  std::string child_tracestate;   // the caller's valid tracestate, "" for none
};
StartContext start_context(const std::string& payload, std::string_view mcp_id,
                           std::string_view interaction_id, const char* traceparent,
                           const char* tracestate, bool exports_span = true,
                           std::optional<int64_t> start_us = std::nullopt);

}  // namespace mcpr
