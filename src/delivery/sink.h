// Where flush delivers: the HTTP shape of one batch of events and what an
// answer means for the whole batch. The send loop (flush_pass.cc) owns the
// spool, the schedule, the throttle (it counts requests), holds, budgets and
// backoff; a sink only makes requests and reads answers, so a new sink (the
// OTLP one of the man page's OPENTELEMETRY SINK) is a pair of pure functions.
//
// A batch may take several requests (the OTLP sink sends one per signal):
// it is delivered only when every one of them is, and otherwise the answer
// that matters most decides for all its events (combine()), so an event
// never leaves the spool before every signal it feeds has taken it.
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

#include <rapidjson/document.h>

#include "src/config/config.h"
#include "src/delivery/http_transport.h"
#include "src/delivery/retry_policy.h"
#include "src/event/event.h"

namespace mcpr {

// One queued event as a sink sees it.
struct QueuedEvent {
  std::string event_id;        // the Idempotency-Key; the same on every retry
  std::string interaction_id;
  char action = 's';           // s(tart), p(rogress), c(omplete), e(rror)
  int64_t timestamp_us = 0;    // recording time
  unsigned attempts = 0;       // failed attempts before this one
  std::string body;            // the file's content: the coordinator's request body
  // The body as the loop parsed it when it checked it (event_json.h), valid
  // while the batch's requests are made: a sink that reads the JSON (OTLP)
  // need not parse it again, and what it says of itself. Null when the
  // event was not parsed so.
  const rapidjson::Value* json = nullptr;
  EventSummary summary{};
  // For a sink that keeps starts (Sink::keeps_starts), an event whose
  // interaction_start is not in its batch: that start as kept in started/
  // ("" when none is kept).
  std::string started_body;
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
    kTooLarge,     // the request was refused for its size (413): a batch of
                   // several events is sent again in smaller ones (not an
                   // attempt); a single event is dead-lettered as kDead
  };
  Kind kind = Kind::kDelivered;
  // kRetry, kOutage, kKeyRejected: a short description ("HTTP 503",
  // "cannot connect: ..."), for messages.
  std::string detail;
  // kOutage: something answered (a 502, 503 or 504 from the peer or its
  // gateway, or a connection that took the request and said nothing), as
  // opposed to nothing reachable at all.
  bool unavailable = false;
  // kDead, kTooLarge: the reason kept beside each event; kRetry: the long description,
  // with the start of the body, kept if the event gives up.
  std::string reason;
  // kDead, kTooLarge: groups the run's messages, e.g. "HTTP 400".
  std::string category;
  // kHold: the Retry-After value ("" for none: the loop's default wait).
  std::string retry_after;
  // kDelivered with a partial success (OTLP): items the endpoint refused
  // ("record", "span": rejected_what) and its message; the loop logs it and
  // does not retry.
  unsigned rejected = 0;
  // "" when `note` already says which were what (refused_text).
  std::string rejected_what = "record";
  std::string note;
};

// What a partial success refused, for its line: "2 spans: too old", or,
// when both signals refused some, "1 span (too old) and 1 record (too big)".
std::string refused_text(const BatchOutcome& o);

// The outcome of a batch whose requests were answered `a` and `b`: the one
// that must be acted on, by this order: a rejected key, an outage, a hold, a
// dead letter, a request too large, a retry, a delivery (of two holds, the loop waits out the
// longer). Partial successes of delivered parts add up.
BatchOutcome combine(BatchOutcome a, const BatchOutcome& b);

// One request of a batch, and which of the sink's kinds of request it is
// (handed back to Sink::outcome with its answer).
struct SinkRequest {
  HttpRequest http;
  int part = 0;
};

// Where a user sets the credentials of `sink`: the one wording of the hint
// for a 401/403 (flush, health, validate-key) and, with no `key_set`, for the
// coordinator sink that has no API key.
std::string credentials_hint(SinkKind sink, bool key_set);

class Sink {
 public:
  virtual ~Sink() = default;
  // Events per request at most; 1 sends each event alone.
  virtual size_t max_batch() const = 0;
  // Who is on the other side, for messages: "the coordinator at https://c".
  virtual std::string peer() const = 0;
  // The requests for a batch of 1..max_batch() events, oldest first
  // (several of one interaction are consecutive and in order): each one's
  // url, body and extra headers; `bearer` says whether the API key goes
  // along. The loop sets the tags. None when the batch's events feed
  // nothing the sink sends: the batch is then delivered as it is.
  virtual std::vector<SinkRequest> requests(const std::vector<const QueuedEvent*>& batch) = 0;
  // The hint printed when the peer refuses our credentials (401/403).
  virtual std::string key_hint() const { return credentials_hint(SinkKind::kCoordinator, true); }
  // What a 401 or 403 rejected, for its message.
  virtual std::string credentials() const { return "the API key"; }
  // What an answer (or a transport error) to the request of kind `part`
  // means for the `n` events of its batch.
  virtual BatchOutcome outcome(const HttpResponse& response, int part, size_t n) = 0;
  // Whether a delivered interaction_start whose interaction's end was not
  // in its batch is kept in started/ until that end is delivered (then
  // removed after it), and handed back with the interaction's later events
  // as QueuedEvent::started_body.
  virtual bool keeps_starts() const { return false; }
};

// One event of a batch, for batch_starts(): its interaction (id or key) and
// action (s, p, c or e).
struct BatchEvent {
  std::string_view interaction;
  char action;
};
inline constexpr size_t kNoStart = static_cast<size_t>(-1);

// Where the interaction_start of each event of a batch stands in it: the
// latest start of the same interaction at or before it (a start is its own),
// kNoStart when none is. The one pairing of a sink that keeps starts: the
// OTLP sink makes an end's span from this start (else from the one kept in
// started/), and the loop keeps in started/ only a start whose end is not
// paired with it in its batch. An interaction id used again within one
// batch pairs each end with the start before it.
std::vector<size_t> batch_starts(const std::vector<BatchEvent>& batch);

// What a classified answer means for a batch, the same for every sink: the
// reasons and details from describe_response(), the status as the category
// of dead letters, the Retry-After of a hold.
BatchOutcome batch_outcome(Outcome outcome, const HttpResponse& response);

// The coordinator of the man page's WIRE PROTOCOL at `base_url` (without /api/v2/...).
std::unique_ptr<Sink> make_coordinator_sink(const std::string& base_url);

}  // namespace mcpr
