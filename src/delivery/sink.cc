#include "src/delivery/sink.h"

namespace mcpr {

BatchOutcome batch_outcome(Outcome outcome, const HttpResponse& response) {
  using Kind = BatchOutcome::Kind;
  BatchOutcome o;
  switch (outcome) {
    case Outcome::kDelivered:
      o.kind = Kind::kDelivered;
      break;
    case Outcome::kUnreachable:
      o.kind = Kind::kOutage;
      break;
    case Outcome::kUnavailable:
      o.kind = Kind::kOutage;
      o.unavailable = true;
      break;
    case Outcome::kKeyRejected:
      o.kind = Kind::kKeyRejected;
      break;
    case Outcome::kThrottled:
      o.kind = Kind::kHold;
      o.retry_after = response.retry_after;
      break;
    case Outcome::kRetry:
      o.kind = Kind::kRetry;
      o.reason = describe_response(response, true);
      break;
    case Outcome::kPermanent:
      o.kind = Kind::kDead;
      o.reason = describe_response(response, true);
      o.category = "HTTP " + std::to_string(response.status);
      break;
  }
  o.detail = describe_response(response, false);
  return o;
}

}  // namespace mcpr
