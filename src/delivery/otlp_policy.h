// What an OTLP/HTTP export response means (opentelemetry-proto
// docs/specification.md, "OTLP/HTTP Response"): pure functions, tested by
// tables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "src/delivery/http_transport.h"
#include "src/delivery/retry_policy.h"

namespace mcpr {

// OTLP's retry rules in the outcomes of SPEC.md §4: 2xx delivered; 429 (and
// 503 with Retry-After) throttled; 502, 503, 504, timeouts and broken
// connections retried with backoff; no connection an outage; 401/403 a
// rejected key (a vendor's, from the headers); every other status dead at
// once, since OTLP says the same request would fail again.
Outcome classify_otlp(const HttpResponse& response);

// ExportLogsServiceResponse.partial_success: a 2xx whose records were not
// all accepted. The export is not retried; the count and message are told.
struct OtlpPartialSuccess {
  int64_t rejected = 0;
  std::string message;
};

// Reads partialSuccess from the start of a response body (it may be cut
// short). nullopt when there is none, or when it rejects nothing and says
// nothing (OTLP's way of saying "all accepted").
std::optional<OtlpPartialSuccess> parse_partial_success(std::string_view body);

}  // namespace mcpr
