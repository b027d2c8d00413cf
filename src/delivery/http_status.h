// The one place that gives an HTTP answer its meaning: flush's sinks (the
// coordinator's rules and OTLP's), `health` and `validate-key` all ask here
// what a status, or a request that got none, means. Pure functions, tested
// by tables in tests/unit/http_status_test.cc.
#pragma once

#include "src/delivery/http_transport.h"

namespace mcpr {

enum class Outcome {
  kDelivered,    // 2xx: remove the event
  kUnreachable,  // no connection: stop the run, keep everything, not an attempt
  kKeyRejected,  // 401/403: stop the run, keep everything, not an attempt
  kThrottled,    // 429, or 503 with Retry-After: wait, not an attempt
  kRetry,        // 5xx, 408, 425, timeout, reset: an attempt, back off
  kPermanent,    // 3xx, 400, 404, 413, 422, other 4xx, 501: dead at once
};

// Whose rules a status is read by. The coordinator's (man page DELIVERY) retry 5xx
// but 501, 408 and 425; OTLP's (opentelemetry-proto, "OTLP/HTTP Response")
// retry only 502, 503 and 504 and hold every other status dead, since the
// same request would fail again.
enum class Peer { kCoordinator, kOtlp };

// What an HTTP status means to `peer`; `has_retry_after` turns a 503 into a
// throttle. Never kUnreachable (that is for requests with no status).
Outcome classify_status(int status, bool has_retry_after, Peer peer);

// What a response means: a network error first (no connection or a bad URL
// is an outage; a timeout or reset after sending, a retry), else its status.
Outcome classify(const HttpResponse& response, Peer peer = Peer::kCoordinator);

// The exit status of `health` and `validate-key` for a response's outcome
// (man page RECORDING COMMANDS): 0 accepted, 77 key rejected, 69 anything else.
int probe_exit_status(Outcome outcome);

}  // namespace mcpr
