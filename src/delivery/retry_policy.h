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

// The longest the coordinator may hold deliveries off: max(max_backoff,
// 1 hour) seconds (man page DELIVERY, "A hold is bounded" under 429).
double hold_bound(double max_backoff);

// Seconds to wait for a Retry-After wait of `requested` seconds: at most
// hold_bound(max_backoff), never negative.
double bounded_wait(double requested, double max_backoff);

// The hold still to keep at `now` (epoch seconds) from a stored one, or 0:
// a hold that has passed is none, and one further away than the bound (a bad
// value, a clock step back) is ignored rather than kept for years. Up to 2 s
// beyond it still counts as at the bound: a hold is stored rounded up to a
// whole second from the wall clock, and `now` is rounded down.
int64_t effective_hold(int64_t stored, int64_t now, double max_backoff);

}  // namespace mcpr
