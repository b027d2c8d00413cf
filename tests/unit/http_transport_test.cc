// perform(), one request and its answer (src/delivery/http_transport.h),
// driven through the fake transport on the fake clock: an answer is handed
// back; a transport that never answers ends at the deadline, not never.
#include "src/delivery/http_transport.h"

#include <gtest/gtest.h>

#include "fake_delivery.h"

namespace mcpr {
namespace {

TEST(PerformTest, HandsBackTheAnswer) {
  FakeClock clock;
  FakeTransport transport(clock, [](const HttpRequest&, size_t) { return answer(204); }, 0.2);
  const HttpResponse r = perform(transport, tagged_request(7), 5.0, clock);
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.tag, 7u);
  EXPECT_DOUBLE_EQ(clock.mono(), 0.2);
}

// A transport whose own timeout does not fire (an answer an hour away):
// perform gives up at its timeout plus the margin, as a timeout.
TEST(PerformTest, ATransportThatNeverAnswersEndsAtTheDeadline) {
  for (const double timeout : {0.5, 5.0, 30.0}) {
    SCOPED_TRACE(timeout);
    FakeClock clock;
    FakeTransport transport(clock, [](const HttpRequest&, size_t) { return answer(200); }, 3600);
    const HttpResponse r = perform(transport, tagged_request(3), timeout, clock);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.error, NetError::kTimeout);
    EXPECT_EQ(r.tag, 3u);
    EXPECT_NE(r.error_text.find("no answer within"), std::string::npos) << r.error_text;
    EXPECT_DOUBLE_EQ(clock.mono(), timeout + kPerformMargin);
    EXPECT_DOUBLE_EQ(r.seconds, timeout + kPerformMargin);
  }
}

}  // namespace
}  // namespace mcpr
