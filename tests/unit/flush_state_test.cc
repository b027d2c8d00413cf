#include "src/state/flush_state.h"

#include <gtest/gtest.h>

namespace mcpr {
namespace {

TEST(DeliveredStartsTest, DeliveredStartsAreOpenUntilTheirEnd) {
  DeliveredStarts s;
  s.delivered('s', "a", 100);
  s.delivered('s', "b", 101);
  s.delivered('p', "a", 102);
  EXPECT_EQ(s.open.size(), 2u);
  s.delivered('c', "a", 103);
  s.delivered('e', "b", 104);
  s.delivered('e', "never-started", 105);
  EXPECT_TRUE(s.open.empty());
}

TEST(DeliveredStartsTest, TrimForgetsOldStartsAndKeepsTheNewestThousand) {
  DeliveredStarts s;
  s.delivered('s', "ancient", 10);
  for (int i = 0; i < 1500; ++i) s.delivered('s', "i" + std::to_string(i), 1000 + i);
  s.trim(3000, 1000);  // anything started before 2000 is forgotten
  EXPECT_EQ(s.open.size(), 500u);
  EXPECT_FALSE(s.open.count("ancient"));
  s.delivered('s', "x", 1000);
  for (int i = 0; i < 1200; ++i) s.delivered('s', "j" + std::to_string(i), 2600 + i);
  s.trim(3000, 1e9);
  EXPECT_EQ(s.open.size(), DeliveredStarts::kMaxOpen);
  EXPECT_FALSE(s.open.count("x"));  // the oldest went first
  EXPECT_TRUE(s.open.count("j1199"));
}

TEST(FlushSummaryTest, AnIdlePassOfAFollowerKeepsTheLastSummary) {
  FlushSummary idle, sent, dead, corrupt, retried, failed;
  sent.sent = 1;
  dead.dead = 1;
  corrupt.corrupt = 1;
  retried.retried = 1;
  failed.exit_code = 75;  // an outage: nothing sent, but worth reporting
  struct Row {
    const char* name;
    const FlushSummary& run;
    bool follow, have_last, replaces;
  } rows[] = {
      {"a one-shot run always", idle, false, true, true},
      {"the first pass of a follower", idle, true, false, true},
      {"an idle pass of a follower", idle, true, true, false},
      {"a pass that sent", sent, true, true, true},
      {"a pass that dead-lettered", dead, true, true, true},
      {"a pass that set aside", corrupt, true, true, true},
      {"a pass that retried", retried, true, true, true},
      {"a pass that failed", failed, true, true, true},
  };
  for (const Row& row : rows)
    EXPECT_EQ(replaces_last_summary(row.run, row.follow, row.have_last), row.replaces) << row.name;
}

}  // namespace
}  // namespace mcpr
