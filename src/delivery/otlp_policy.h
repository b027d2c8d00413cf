// What an OTLP/HTTP export response's body says (the OTLP specification,
// https://opentelemetry.io/docs/specs/otlp/#otlphttp-response): pure functions, tested by
// tables. What its status means is classify(response, Peer::kOtlp) in
// src/delivery/http_status.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>


namespace mcpr {

// Export*ServiceResponse.partial_success: a 2xx whose spans or records were
// not all accepted. The export is not retried; the count and message are told.
struct OtlpPartialSuccess {
  int64_t rejected = 0;
  std::string message;
};

// Reads partialSuccess from the start of a response body (it may be cut
// short), its count under `count_key` (rejectedSpans for traces). nullopt
// when there is none, or when it rejects nothing and says nothing (OTLP's
// way of saying "all accepted").
std::optional<OtlpPartialSuccess> parse_partial_success(
    std::string_view body, std::string_view count_key = "rejectedLogRecords");

}  // namespace mcpr
