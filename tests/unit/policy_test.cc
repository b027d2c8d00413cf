// Throttle, backoff and Retry-After: pure functions,
// tested by tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>

#include "src/delivery/retry_policy.h"
#include "src/delivery/throttle.h"
#include "src/util/redact.h"

namespace mcpr {
namespace {

TEST(BackoffTest, FullJitterUnderACappedExponential) {
  struct Case {
    unsigned attempts;
    double random;
    double expected;
  };
  const Case cases[] = {
      {1, 0.999999, 0.999999}, {1, 0.5, 0.5},  {2, 0.5, 1.0},     {3, 0.5, 2.0}, {4, 1.0, 8.0},
      {10, 1.0, 300.0},        {10, 0.5, 150}, {200, 1.0, 300.0}, {3, 0.0, 0.0}, {0, 0.7, 0.0},
  };
  for (const Case& c : cases)
    EXPECT_DOUBLE_EQ(backoff_delay(c.attempts, 1.0, 300.0, c.random), c.expected)
        << c.attempts << " " << c.random;
  EXPECT_DOUBLE_EQ(backoff_delay(3, 0.5, 1.5, 1.0), 1.5);
}

TEST(RetryAfterTest, SecondsAndHttpDates) {
  const int64_t now = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  struct Case {
    const char* value;
    std::optional<double> expected;
  };
  const Case cases[] = {
      {"0", 0.0},
      {"120", 120.0},
      {" 7 ", 7.0},
      {"Wed, 21 Oct 2015 07:28:00 GMT", 0.0},
      {"Wed, 21 Oct 2015 07:29:30 GMT", 90.0},
      {"Wednesday, 21-Oct-15 07:30:00 GMT", 120.0},
      {"Wed Oct 21 07:28:10 2015", 10.0},
      {"Tue, 20 Oct 2015 07:28:00 GMT", 0.0},  // in the past: no wait
      {"", std::nullopt},
      {"-5", std::nullopt},
      {"1.5", std::nullopt},
      {"soon", std::nullopt},
      {"Wed, 21 Oct 2015 07:28:00", std::nullopt},
  };
  for (const Case& c : cases) EXPECT_EQ(parse_retry_after(c.value, now), c.expected) << c.value;
  EXPECT_GE(*parse_retry_after("99999999999999", now), 1e9);
}

TEST(ThrottleTest, UnlimitedNeverWaits) {
  Throttle t(0, 1.0);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(t.next_allowed(5.0), 5.0);
    t.record(5.0);
  }
}

TEST(ThrottleTest, NoWindowHoldsMoreThanTheLimit) {
  for (int64_t limit : {1, 3, 10, 1000}) {
    for (double period : {0.25, 1.0, 2.5}) {
      Throttle t(limit, period);
      std::vector<double> starts;
      double now = 100.0;
      // A greedy sender asking as often as it may, with some idle gaps.
      for (int i = 0; i < 30 * limit; ++i) {
        if (i % 17 == 0) now += period * 0.3;
        now = t.next_allowed(now);
        t.record(now);
        starts.push_back(now);
      }
      for (size_t i = 0; i + limit < starts.size(); ++i)
        ASSERT_GE(starts[i + limit] - starts[i], period - 1e-9)
            << "limit " << limit << " period " << period << " at " << i;
    }
  }
}

TEST(ThrottleTest, AGreedySenderGetsTheFullRate) {
  Throttle t(10, 1.0);
  double now = 0;
  int sent = 0;
  while (true) {
    now = t.next_allowed(now);
    if (now >= 10.0) break;
    t.record(now);
    ++sent;
  }
  EXPECT_EQ(sent, 100);  // 10 windows of 10
}

TEST(ThrottleTest, RequestsAreSpreadEvenly) {
  Throttle t(10, 1.0);
  double now = 50.0, last = -1;
  for (int i = 0; i < 30; ++i) {
    now = t.next_allowed(now);
    if (last >= 0) {
      EXPECT_NEAR(now - last, 0.1, 1e-9) << i;
    }
    t.record(now);
    last = now;
  }
}

TEST(ThrottleTest, LateWakeUpsDoNotLowerTheRate) {
  // A sender that always wakes 5% of a slot late still gets 10 windows of
  // 1000, and never more than 1000 in a window.
  Throttle t(1000, 1.0);
  std::vector<double> starts;
  double now = 0;
  while (true) {
    now = t.next_allowed(now) + 0.00005;
    if (now >= 10.0) break;
    t.record(now);
    starts.push_back(now);
  }
  EXPECT_GE(starts.size(), 9999u);
  EXPECT_LE(starts.size(), 10000u);
  for (size_t i = 0; i + 1000 < starts.size(); ++i)
    ASSERT_GE(starts[i + 1000] - starts[i], 1.0 - 1e-9) << i;
}

TEST(ThrottleTest, AStallIsCaughtUpWithinTheWindowBound) {
  Throttle t(1000, 1.0);
  std::vector<double> starts;
  double now = 0;
  while (true) {
    now = t.next_allowed(now);
    if (starts.size() == 3000) now += 0.05;  // the sender stalls 50 ms once
    if (now >= 10.0) break;
    t.record(now);
    starts.push_back(now);
  }
  EXPECT_EQ(starts.size(), 10000u);
  for (size_t i = 0; i + 1000 < starts.size(); ++i)
    ASSERT_GE(starts[i + 1000] - starts[i], 1.0 - 1e-9) << i;
}

TEST(ThrottleTest, IdleTimeIsNotBankedBeyondTheLimit) {
  Throttle t(5, 1.0);
  for (int i = 0; i < 5; ++i) t.record(0.0);
  EXPECT_DOUBLE_EQ(t.next_allowed(0.5), 1.0);
  EXPECT_DOUBLE_EQ(t.next_allowed(100.0), 100.0);
  for (int i = 0; i < 5; ++i) t.record(100.0);
  EXPECT_DOUBLE_EQ(t.next_allowed(100.0), 101.0);
}


TEST(HoldTest, RetryAfterWaitsAreBounded) {
  struct Case {
    double requested, max_backoff, expected;
  };
  const Case cases[] = {
      {0, 300, 0},          {-5, 300, 0},           {2.5, 300, 2.5},
      {3600, 300, 3600},    {3601, 300, 3600},      {99999999999.0, 300, 3600},
      {5000, 7200, 5000},   {99999999999.0, 7200, 7200},
  };
  for (const Case& c : cases)
    EXPECT_DOUBLE_EQ(bounded_wait(c.requested, c.max_backoff), c.expected)
        << c.requested << " " << c.max_backoff;
}

TEST(HoldTest, StoredHoldsBeyondTheBoundAreIgnored) {
  const int64_t now = 1764000000;
  struct Case {
    int64_t stored;
    double max_backoff;
    int64_t expected;
  };
  const Case cases[] = {
      {0, 300, 0},                      // none
      {now - 1, 300, 0},                // passed
      {now, 300, 0},                    // ends now
      {now + 10, 300, now + 10},        // kept
      {now + 3600, 300, now + 3600},    // at the bound
      {now + 3602, 300, now + 3602},    // at the bound, rounded up, seen a second early
      {now + 3603, 300, 0},             // beyond: a bad value or a clock step
      {2524608000, 300, 0},             // 2050
      {now + 5000, 7200, now + 5000},   // a larger max_backoff widens the bound
  };
  for (const Case& c : cases)
    EXPECT_EQ(effective_hold(c.stored, now, c.max_backoff), c.expected) << c.stored;
}

TEST(RedactTest, SecretsInServerTextBecomeStars) {
  const std::vector<std::string> secrets = {"k3y-s3cret", "ab"};
  const std::pair<std::string, std::string> cases[] = {
      {"no secret here", "no secret here"},
      {"Bearer k3y-s3cret", "Bearer ***"},
      {"k3y-s3cret and k3y-s3cret", "*** and ***"},
      {"cut off at the end: k3y-s", "cut off at the end: ***"},   // body kept in part
      {"ends in k3y", "ends in k3y"},                              // under 4 characters
      {"short secret ab in the middle", "short secret *** in the middle"},
      {"ends with a", "ends with a"},  // one character of a short secret is not it
      {"", ""},
  };
  for (const auto& [in, want] : cases) {
    std::string text = in;
    redact_secrets(text, secrets);
    EXPECT_EQ(text, want) << in;
  }
}

// A server rarely echoes the key as it was sent: JSON escapes its '/' and
// '"', a URL percent-encodes it, a log lowercases it. Each is the key.
TEST(RedactTest, TheKeyAsAServerEchoesItBecomesStars) {
  const std::vector<std::string> secrets = {"FAKE/r5+QZ==", "Ab\\c\"d"};
  const std::pair<std::string, std::string> cases[] = {
      {"token FAKE/r5+QZ==", "token ***"},
      {"{\"error\":\"token FAKE\\/r5+QZ==\"}", "{\"error\":\"token ***\"}"},  // JSON
      {"key=FAKE%2Fr5%2BQZ%3D%3D&x", "key=***&x"},                           // a URL
      {"key=FAKE%2fr5%2bqz%3d%3d", "key=***"},                                // lowercase hex
      {"token fake/r5+qz==", "token ***"},                                    // lowercased
      {"TOKEN FAKE/R5+QZ==", "TOKEN ***"},                                    // uppercased
      {"\"Ab\\\\c\\\"d\"", "\"***\""},                                         // quote, backslash
      {"cut: FAKE\\/r5", "cut: ***"},                                       // escaped, cut off
      {"FAKE/r6 is another", "FAKE/r6 is another"},
  };
  for (const auto& [in, want] : cases) {
    std::string text = in;
    redact_secrets(text, secrets);
    EXPECT_EQ(text, want) << in;
  }
}

}  // namespace
}  // namespace mcpr
