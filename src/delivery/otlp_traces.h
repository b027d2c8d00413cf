// OTLP/HTTP JSON encoding of ended interactions as spans (man page
// OPENTELEMETRY SINK): one SERVER span per interaction, by the MCP semantic
// conventions (mcp_conventions.h), made when its end event is delivered.
#pragma once

#include <cstdint>
#include <string>

#include "src/delivery/otlp_json.h"
#include "src/delivery/otlp_logs.h"
#include "src/event/trace_context.h"

namespace mcpr {

// Span.flags: the W3C trace flags, and whether the parent was remote
// (SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK, ..._IS_REMOTE_MASK of trace.proto).
uint32_t otlp_span_flags(const SpanIds& ids);

// Builds one ExportTraceServiceRequest (OtlpEnvelope's grouping by mcp_id).
class OtlpTracesEncoder {
 public:
  // `value_limit`: the span attribute value length limit in characters,
  // which the span's name keeps too.
  explicit OtlpTracesEncoder(OtlpResourceInfo info, size_t value_limit = kNoLimit)
      : envelope_(OtlpSignal::kTraces, std::move(info)), limit_(value_limit) {}

  // Adds the span of the interaction that `end` (an interaction_complete or
  // interaction_error) ends. `start` is its interaction_start, or nullptr
  // when it is not known: the span then starts processing_time seconds
  // before the end when the end's data has it, and without it no span is
  // made. Nor is one whose caller did not sample (flags 00). Returns whether
  // a span was added.
  bool add(const OtlpEvent* start, const OtlpEvent& end, const SpanIds& ids);
  size_t size() const { return envelope_.size(); }
  std::string finish() const { return envelope_.finish(); }
  std::vector<std::string> finish(size_t max_bytes) const { return envelope_.finish(max_bytes); }

 private:
  OtlpEnvelope envelope_;
  size_t limit_;
};

}  // namespace mcpr
