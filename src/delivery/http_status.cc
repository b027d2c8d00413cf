#include "src/delivery/http_status.h"

#include "src/util/failure.h"

namespace mcpr {

Outcome classify_status(int s, bool has_retry_after, Peer peer) {
  if (s >= 200 && s < 300) return Outcome::kDelivered;
  if (s == 401 || s == 403) return Outcome::kKeyRejected;
  const bool gateway = s == 502 || s == 503 || s == 504;
  if (s == 429 || (gateway && has_retry_after)) return Outcome::kThrottled;
  if (gateway) return Outcome::kUnavailable;
  const bool retried = peer == Peer::kCoordinator &&
                       (s == 408 || s == 425 || (s >= 500 && s < 600 && s != 501));
  return retried ? Outcome::kRetry : Outcome::kPermanent;
}

Outcome classify(const HttpResponse& r, Peer peer) {
  switch (r.error) {
    case NetError::kNone:
      break;
    case NetError::kUnreachable:
    case NetError::kBadUrl:
      return Outcome::kUnreachable;
    case NetError::kNoAnswer:
    case NetError::kTimeout:
    case NetError::kReset:
      return Outcome::kRetry;
  }
  return classify_status(r.status, !r.retry_after.empty(), peer);
}

int probe_exit_status(Outcome outcome) {
  switch (outcome) {
    case Outcome::kDelivered:
      return kExitOk;
    case Outcome::kKeyRejected:
      return kExitNoPerm;
    default:
      return kExitUnavailable;
  }
}

}  // namespace mcpr
