// Where flush delivers: the HTTP shape of one batch of events and what an
// answer means for the whole batch. The send loop (flush_pass.cc) owns the
// spool, the schedule, the throttle (it counts requests), holds, budgets and
// backoff; a sink only makes requests and reads answers, so a new sink (the
// OTLP one of the man page's OPENTELEMETRY SINK) is a pair of pure functions.
//
// The coordinator sink (max_batch 1) sends each event as its own request,
// exactly as the old reporter did (man page WIRE PROTOCOL).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/delivery/http_transport.h"
#include "src/delivery/retry_policy.h"

namespace mcpr {

// One queued event as a sink sees it.
struct QueuedEvent {
  std::string event_id;        // the Idempotency-Key; the same on every retry
  std::string interaction_id;
  char action = 's';           // s(tart), p(rogress), c(omplete), e(rror)
  int64_t timestamp_us = 0;    // recording time
  unsigned attempts = 0;       // failed attempts before this one
  std::string body;            // the file's content: the coordinator's request body
};

// What an answer means for every event of the batch it answers.
struct BatchOutcome {
  enum class Kind {
    kDelivered,    // remove the events
    kRetry,        // an attempt for each: back off, dead after 1 + max_retries
    kDead,         // dead-letter each at once with `reason`
    kHold,         // wait `retry_after` (not an attempt); later runs keep to it
    kOutage,       // stop the run, keep everything (not an attempt): no
                   // connection, or the peer said (or showed) it is unavailable
    kKeyRejected,  // stop the run, keep everything, exit 77 (not an attempt)
  };
  Kind kind = Kind::kDelivered;
  // kRetry, kOutage, kKeyRejected: a short description ("HTTP 503",
  // "cannot connect: ..."), for messages.
  std::string detail;
  // kOutage: something answered (a 502, 503 or 504 from the peer or its
  // gateway, or a connection that took the request and said nothing), as
  // opposed to nothing reachable at all.
  bool unavailable = false;
  // kDead: the reason kept beside each event; kRetry: the long description,
  // with the start of the body, kept if the event gives up.
  std::string reason;
  // kDead: groups the run's messages, e.g. "HTTP 400".
  std::string category;
  // kHold: the Retry-After value ("" for none: the loop's default wait).
  std::string retry_after;
  // kDelivered with a partial success (OTLP): records the endpoint refused
  // and its message; the loop logs it and does not retry.
  unsigned rejected = 0;
  std::string note;
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Events per request at most; 1 sends each event alone.
  virtual size_t max_batch() const = 0;
  // Who is on the other side, for messages: "the coordinator at https://c".
  virtual std::string peer() const = 0;
  // The request for a batch of 1..max_batch() events, oldest first (several
  // of one interaction are consecutive and in order). Its url, body and
  // extra headers; `bearer` says whether the API key goes along. The loop
  // sets the tag.
  virtual HttpRequest request(const std::vector<const QueuedEvent*>& batch) = 0;
  // The hint printed when the peer refuses our credentials (401/403).
  virtual std::string key_hint() const { return "check the key with 'mcp-report validate-key'"; }
  // What a 401 or 403 rejected, for its message.
  virtual std::string credentials() const { return "the API key"; }
  // What an answer (or a transport error) means for the `n` events sent.
  virtual BatchOutcome outcome(const HttpResponse& response, size_t n) = 0;
};

// What a classified answer means for a batch, the same for every sink: the
// reasons and details from describe_response(), the status as the category
// of dead letters, the Retry-After of a hold.
BatchOutcome batch_outcome(Outcome outcome, const HttpResponse& response);

// The coordinator of the man page's WIRE PROTOCOL at `base_url` (without /api/v2/...).
std::unique_ptr<Sink> make_coordinator_sink(const std::string& base_url);

}  // namespace mcpr
