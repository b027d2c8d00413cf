// What an HTTP answer means, to the coordinator's rules and to OTLP's, and
// what health / validate-key exit with for it: one table.
#include "src/delivery/http_status.h"

#include <gtest/gtest.h>

#include "responses.h"

namespace mcpr {
namespace {

using test::error;
using test::status;

struct Row {
  HttpResponse response;
  Outcome coordinator;
  Outcome otlp;
  int probe_exit;  // health / validate-key
};

TEST(HttpStatusTest, TheTable) {
  using O = Outcome;
  const Row rows[] = {
      {status(200), O::kDelivered, O::kDelivered, 0},
      {status(201), O::kDelivered, O::kDelivered, 0},
      {status(202), O::kDelivered, O::kDelivered, 0},
      {status(204), O::kDelivered, O::kDelivered, 0},
      {status(299), O::kDelivered, O::kDelivered, 0},
      {error(NetError::kUnreachable), O::kUnreachable, O::kUnreachable, 69},
      {error(NetError::kBadUrl), O::kUnreachable, O::kUnreachable, 69},
      // Connected and sent, but not one byte back within the timeout: a
      // failed attempt of that request (a server hanging on one event must
      // not hold back the rest), not an outage.
      {error(NetError::kNoAnswer), O::kRetry, O::kRetry, 69},
      {error(NetError::kTimeout), O::kRetry, O::kRetry, 69},
      {error(NetError::kReset), O::kRetry, O::kRetry, 69},
      {status(401), O::kKeyRejected, O::kKeyRejected, 77},
      {status(403), O::kKeyRejected, O::kKeyRejected, 77},
      {status(429), O::kThrottled, O::kThrottled, 69},
      {status(429, "5"), O::kThrottled, O::kThrottled, 69},
      {status(503, "5"), O::kThrottled, O::kThrottled, 69},
      {status(502, "5"), O::kThrottled, O::kThrottled, 69},
      {status(504, "Wed, 21 Oct 2026 07:28:00 GMT"), O::kThrottled, O::kThrottled, 69},
      // A gateway's or a memory limiter's answer without Retry-After: the
      // peer is unavailable, like "cannot connect" (never an attempt).
      {status(503), O::kUnavailable, O::kUnavailable, 69},
      {status(502), O::kUnavailable, O::kUnavailable, 69},
      {status(504), O::kUnavailable, O::kUnavailable, 69},
      // retried by the coordinator's rules, dead at once by OTLP's
      {status(500), O::kRetry, O::kPermanent, 69},
      {status(599), O::kRetry, O::kPermanent, 69},
      {status(408), O::kRetry, O::kPermanent, 69},
      {status(425), O::kRetry, O::kPermanent, 69},
      {status(501), O::kPermanent, O::kPermanent, 69},
      {status(100), O::kPermanent, O::kPermanent, 69},
      {status(301), O::kPermanent, O::kPermanent, 69},
      {status(302), O::kPermanent, O::kPermanent, 69},
      {status(307), O::kPermanent, O::kPermanent, 69},
      {status(400), O::kPermanent, O::kPermanent, 69},
      {status(404), O::kPermanent, O::kPermanent, 69},
      {status(413), O::kPermanent, O::kPermanent, 69},
      {status(418), O::kPermanent, O::kPermanent, 69},
      {status(422), O::kPermanent, O::kPermanent, 69},
  };
  for (const Row& r : rows) {
    const HttpResponse& x = r.response;
    SCOPED_TRACE(testing::Message() << "status " << x.status << " error " << int(x.error)
                                    << " retry-after '" << x.retry_after << "'");
    EXPECT_EQ(classify(x), r.coordinator);
    EXPECT_EQ(classify(x, Peer::kCoordinator), r.coordinator);
    EXPECT_EQ(classify(x, Peer::kOtlp), r.otlp);
    EXPECT_EQ(probe_exit_status(classify(x)), r.probe_exit);
    if (x.error == NetError::kNone) {
      EXPECT_EQ(classify_status(x.status, !x.retry_after.empty(), Peer::kCoordinator),
                r.coordinator);
      EXPECT_EQ(classify_status(x.status, !x.retry_after.empty(), Peer::kOtlp), r.otlp);
    }
  }
}

TEST(HttpStatusTest, EveryOutcomeHasAProbeExit) {
  const std::pair<Outcome, int> rows[] = {
      {Outcome::kDelivered, 0}, {Outcome::kKeyRejected, 77}, {Outcome::kUnreachable, 69},
      {Outcome::kUnavailable, 69},
      {Outcome::kThrottled, 69}, {Outcome::kRetry, 69},      {Outcome::kPermanent, 69},
  };
  for (const auto& [outcome, exit] : rows) EXPECT_EQ(probe_exit_status(outcome), exit);
}

}  // namespace
}  // namespace mcpr
