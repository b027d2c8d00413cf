#include "src/delivery/flush_state.h"

#include <gtest/gtest.h>

#include "spool/spool.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

TEST(FlushStateTest, DeliveredStartsAreOpenUntilTheirEnd) {
  FlushState s;
  s.delivered('s', "a", 100);
  s.delivered('s', "b", 101);
  s.delivered('p', "a", 102);
  EXPECT_EQ(s.open.size(), 2u);
  s.delivered('c', "a", 103);
  s.delivered('e', "b", 104);
  s.delivered('e', "never-started", 105);
  EXPECT_TRUE(s.open.empty());
}

TEST(FlushStateTest, TrimForgetsOldStartsAndKeepsTheNewestThousand) {
  FlushState s;
  s.delivered('s', "ancient", 10);
  for (int i = 0; i < 1500; ++i) s.delivered('s', "i" + std::to_string(i), 1000 + i);
  s.trim_open(3000, 1000);  // anything started before 2000 is forgotten
  EXPECT_EQ(s.open.size(), 500u);
  EXPECT_FALSE(s.open.count("ancient"));
  s.delivered('s', "x", 1000);
  for (int i = 0; i < 1200; ++i) s.delivered('s', "j" + std::to_string(i), 2600 + i);
  s.trim_open(3000, 1e9);
  EXPECT_EQ(s.open.size(), FlushState::kMaxOpen);
  EXPECT_FALSE(s.open.count("x"));  // the oldest went first
  EXPECT_TRUE(s.open.count("j1199"));
}

using FlushStateFileTest = TempDirTest;

TEST_F(FlushStateFileTest, SavedAndLoadedBack) {
  Spool spool = Spool::open(path("s"), true);
  FlushState s;
  s.hold_until = 1764000300;
  s.delivered('s', "job:1", 1764000000.5);
  FlushSummary last;
  last.sent = 7;
  last.exit_code = 75;
  last.result = "outage";
  s.last = last;
  save_flush_state(spool, s);
  FlushState back = load_flush_state(spool);
  EXPECT_EQ(back.hold_until, 1764000300);
  ASSERT_EQ(back.open.size(), 1u);
  EXPECT_DOUBLE_EQ(back.open["job:1"], 1764000000.5);
  ASSERT_TRUE(back.last);
  EXPECT_EQ(back.last->sent, 7u);
  EXPECT_EQ(back.last->exit_code, 75);
  EXPECT_EQ(back.last->result, "outage");
}

TEST_F(FlushStateFileTest, AMissingOrBrokenFileIsAFreshState) {
  Spool spool = Spool::open(path("s"), true);
  EXPECT_FALSE(load_flush_state(spool).last);
  write_root_file(spool, kStateFile, "{not json");
  FlushState s = load_flush_state(spool);
  EXPECT_EQ(s.hold_until, 0);
  EXPECT_TRUE(s.open.empty());
}

}  // namespace
}  // namespace mcpr
