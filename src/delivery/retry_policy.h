// When to try again after a response: backoff, Retry-After and holds. What a
// response means is src/delivery/http_status.h.
// Pure functions of their inputs (time and randomness passed in), tested by
// tables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "src/delivery/http_status.h"
#include "src/delivery/http_transport.h"
#include "src/state/hold.h"

namespace mcpr {

// A short description of a response for reasons and messages:
// "HTTP 503", "HTTP 400: {\"error\": ...}", "timeout: ...".
std::string describe_response(const HttpResponse& response, bool with_body);

// Full-jitter backoff after the `attempts`-th failed attempt (1-based):
// uniform in [0, min(cap, base * 2^(attempts-1))], `random01` in [0, 1).
double backoff_delay(unsigned attempts, double base, double cap, double random01);

// Seconds to wait from a Retry-After value, either delta-seconds or an HTTP
// date (IMF-fixdate, RFC 850 or asctime), relative to `now` (epoch seconds).
// nullopt when it is neither; never negative.
std::optional<double> parse_retry_after(std::string_view value, int64_t now);

// Seconds to wait for a Retry-After wait of `requested` seconds: at most
// hold_bound(max_backoff), never negative.
double bounded_wait(double requested, double max_backoff);

}  // namespace mcpr
