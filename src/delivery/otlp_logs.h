// OTLP/HTTP JSON encoding of spooled events as log records (man page OPENTELEMETRY SINK),
// following opentelemetry-proto's docs/specification.md: lowerCamelCase
// keys, hex trace ids, 64-bit integers as decimal strings, enums as integers.
// Pure: the caller gives the host name, the version and the observed time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpr {

struct OtlpResourceInfo {
  std::string host_name;      // resource attribute host.name ("" leaves it out)
  std::string scope_version;  // InstrumentationScope.version
};

// The 32 lowercase hex digits of the trace id of an interaction: a hash of
// the id, the same on every host and run, never all zeros (invalid in OTLP).
std::string otlp_trace_id(std::string_view interaction_id);

// Builds one ExportLogsServiceRequest from a batch of event bodies (man page
// WIRE PROTOCOL). Records are grouped in one ResourceLogs per mcp_id, in the order the
// mcp_ids first appear; within a resource the records keep the batch order.
class OtlpLogsEncoder {
 public:
  // `observed_unix_nano` is the time of the export, every record's
  // observedTimeUnixNano.
  OtlpLogsEncoder(OtlpResourceInfo info, int64_t observed_unix_nano)
      : info_(std::move(info)), observed_(std::to_string(observed_unix_nano)) {}

  // Adds one event; `event_id`, when given, becomes its mcp.event.id
  // attribute (the coordinator's Idempotency-Key: the same on every resend,
  // so a receiver can drop the duplicates at-least-once allows). Returns
  // false with the reason in `error` when `body` is not an event (it is then
  // left out of the request).
  bool add(std::string_view body, std::string* error, std::string_view event_id = {});
  size_t size() const { return records_; }

  // The request's JSON.
  std::string finish() const;

 private:
  OtlpResourceInfo info_;
  std::string observed_;
  // mcp_id, then its records' JSON joined by commas.
  std::vector<std::pair<std::string, std::string>> resources_;
  size_t records_ = 0;
};

// The JSON of an empty export request, a valid no-op (health).
inline constexpr const char kOtlpEmptyRequest[] = "{\"resourceLogs\":[]}";

}  // namespace mcpr
