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
  kUnavailable,  // 502/503/504 without Retry-After: as kUnreachable
  kKeyRejected,  // 401/403: stop the run, keep everything, not an attempt
  kThrottled,    // 429, or 502/503/504 with Retry-After: wait, not an attempt
  kRetry,        // other 5xx, 408, 425, a timeout or reset after sending: an attempt, back off
  kPermanent,    // 3xx, 400, 404, 413, 422, other 4xx, 501: dead at once
};

// Whose rules a status is read by. For both, 502, 503 and 504 say that the
// peer, or the gateway before it, is unavailable: an outage, never an
// attempt, so an outage of any length dead-letters nothing (man page
// DELIVERY); with Retry-After they are a hold, as 429 is. Beyond that the
// coordinator's rules retry the other 5xx but 501, 408 and 425; OTLP's
// (opentelemetry-proto, "OTLP/HTTP Response") retry only 429, 502, 503 and
// 504 and hold every other status dead, since the same request would fail
// again.
enum class Peer { kCoordinator, kOtlp };

// What an HTTP status means to `peer`; `has_retry_after` turns a 502, 503
// or 504 into a throttle. Never kUnreachable (that is for requests with no
// status).
Outcome classify_status(int status, bool has_retry_after, Peer peer);

// What a response means: a network error first (no connection or a bad URL
// is an outage; a timeout or a broken connection after the request was sent,
// even with not one byte back, is a failed attempt of that request, so that
// a server hanging on one poison event does not hold back the rest), else
// its status.
Outcome classify(const HttpResponse& response, Peer peer = Peer::kCoordinator);

// The exit status of `health` and `validate-key` for a response's outcome
// (man page RECORDING COMMANDS): 0 accepted, 77 key rejected, 69 anything else.
int probe_exit_status(Outcome outcome);

}  // namespace mcpr
