// The Scheduler: which queued event may go next, from names alone, told
// what became of each. Pure, so driven by hand here.
#include "src/delivery/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace mcpr {
namespace {

// A name: timestamp (µs after a fixed second), action, interaction, retry state.
std::string name(int us, char action, const std::string& iid, unsigned attempts = 0,
                 int64_t due_ms = 0) {
  char ts[32];
  std::snprintf(ts, sizeof ts, "%016lld", 1764000000000000LL + us);
  std::string n = std::string(ts) + "-00000000000" + std::to_string(us % 10) + "." + action + "." + iid;
  if (attempts || due_ms) n += "," + std::to_string(attempts) + "," + std::to_string(due_ms);
  return n;
}

std::vector<std::string> names(const Scheduler& s, const std::vector<Scheduler::Id>& ids) {
  std::vector<std::string> out;
  for (auto id : ids) out.push_back(std::string(s.name(id)));
  return out;
}

constexpr int64_t kNow = 1764000100000;  // ms

using Standing = Scheduler::Standing;

size_t count(const std::vector<Standing>& standings, Standing which) {
  return static_cast<size_t>(std::count(standings.begin(), standings.end(), which));
}

TEST(SchedulerTest, RejectsNamesThatAreNotEvents) {
  Scheduler s;
  EXPECT_FALSE(s.add("junk"));
  // Names that parse but carry a key no interaction id gives: flush sets
  // them aside, so status must not count them either.
  for (const char* key : {"a b", "a%zz", "a%2c", "%%12"}) EXPECT_FALSE(s.add(name(2, 's', key))) << key;
  EXPECT_TRUE(s.add(name(1, 's', "a")));
  EXPECT_EQ(s.size(), 1u);
}

TEST(SchedulerTest, OldestFirstAndOneInteractionAtATime) {
  Scheduler s;
  // Added out of order: the scheduler sorts.
  for (const std::string& n : {name(4, 'c', "a"), name(2, 's', "b"), name(1, 's', "a"),
                               name(3, 'c', "b")})
    ASSERT_TRUE(s.add(n));
  auto first = s.pop_ready(kNow);
  auto second = s.pop_ready(kNow);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(s.name(*first), name(1, 's', "a"));
  EXPECT_EQ(s.name(*second), name(2, 's', "b"));
  // Both interactions are in flight: nothing else may go.
  EXPECT_FALSE(s.pop_ready(kNow));
  EXPECT_EQ(s.in_flight(), 2u);
  s.delivered(*second);
  auto third = s.pop_ready(kNow);
  ASSERT_TRUE(third);
  EXPECT_EQ(s.name(*third), name(3, 'c', "b"));
  s.delivered(*first);
  auto fourth = s.pop_ready(kNow);
  ASSERT_TRUE(fourth);
  EXPECT_EQ(s.name(*fourth), name(4, 'c', "a"));
  s.delivered(*third);
  s.delivered(*fourth);
  EXPECT_FALSE(s.pop_ready(kNow));
  EXPECT_EQ(s.left(kNow), 0u);
  EXPECT_EQ(s.in_flight(), 0u);
}

TEST(SchedulerTest, NotDueWaitsAndHoldsItsInteraction) {
  Scheduler s;
  s.add(name(1, 's', "a", 1, kNow + 50));  // due in 50 ms
  s.add(name(2, 'c', "a"));
  s.add(name(3, 's', "b"));
  auto id = s.pop_ready(kNow);
  ASSERT_TRUE(id);
  EXPECT_EQ(s.name(*id), name(3, 's', "b"));
  EXPECT_FALSE(s.pop_ready(kNow + 49));
  EXPECT_EQ(s.next_due(kNow), kNow + 50);
  EXPECT_EQ(s.left(kNow), 1u);  // a's first is not due; b's is in flight, still queued
  auto later = s.pop_ready(kNow + 50);
  ASSERT_TRUE(later);
  EXPECT_EQ(s.name(*later), name(1, 's', "a", 1, kNow + 50));
}

TEST(SchedulerTest, OlderNamesWithDueSecondsScheduleBySeconds) {
  Scheduler s;
  s.add(name(1, 's', "a", 1, kNow / 1000 + 1));  // a due second, as older names have
  EXPECT_FALSE(s.pop_ready(kNow + 999));
  EXPECT_EQ(s.next_due(kNow), kNow + 1000);
  EXPECT_TRUE(s.pop_ready(kNow + 1000));
}

TEST(SchedulerTest, AFailedEventWaitsForALaterPassWithTheRestOfItsInteraction) {
  Scheduler s;
  s.add(name(1, 's', "a"));
  s.add(name(2, 'c', "a"));
  auto id = s.pop_ready(kNow);
  ASSERT_TRUE(id);
  const std::string renamed = name(1, 's', "a", 1, kNow + 10);
  s.failed(*id, 1, kNow + 10, renamed);
  EXPECT_EQ(s.name(*id), renamed);
  EXPECT_EQ(s.attempts(*id), 1u);
  // Not again in this pass, even once due, and the complete stays behind it.
  EXPECT_FALSE(s.pop_ready(kNow + 1000));
  EXPECT_EQ(s.left(kNow + 1000), 0u);
  EXPECT_EQ(s.next_due(kNow), kNow + 10);
}

// A retry whose jittered backoff ended before the pass did is still the
// next work: --follow runs again at once instead of sleeping a minute.
TEST(SchedulerTest, AFailedEventAlreadyDueWhenThePassEndsIsTheNextDue) {
  Scheduler s;
  s.add(name(1, 's', "a"));
  s.add(name(2, 's', "b", 1, kNow + 500));
  auto id = s.pop_ready(kNow);
  ASSERT_TRUE(id);
  s.failed(*id, 1, kNow + 3, name(1, 's', "a", 1, kNow + 3));
  EXPECT_EQ(s.next_due(kNow + 20), kNow + 3);
  EXPECT_EQ(s.next_due(kNow), kNow + 3);
}

// A pass sends what was due when it began. An event due a moment later
// was not sent and is due when the pass ends: the next pass is due at once,
// not after --follow's one-minute sweep (seen as a retry that waited 60 s
// when the pass began 1 ms before the retry's due time).
TEST(SchedulerTest, AnEventThatBecameDueDuringThePassIsTheNextDue) {
  Scheduler s;
  s.add(name(1, 's', "a", 1, kNow + 5));
  s.add(name(2, 's', "b", 1, kNow + 500));
  EXPECT_FALSE(s.pop_ready(kNow));
  EXPECT_EQ(s.left(kNow + 10), 1u);
  EXPECT_EQ(s.next_due(kNow + 10), kNow + 5);
  EXPECT_EQ(s.next_due(kNow), kNow + 5);
}

// Events never failed have no due time; left by a pass that stopped early,
// they are due now (0 would mean "nothing to wait for").
TEST(SchedulerTest, AnEventLeftDueWithoutADueTimeIsDueNow) {
  Scheduler s;
  s.add(name(1, 's', "a"));
  EXPECT_TRUE(s.has_ready(kNow));  // and the pass stops before sending it
  EXPECT_EQ(s.next_due(kNow), kNow);
}

TEST(SchedulerTest, AHeldEventIsFirstInLineAgain) {
  Scheduler s;
  s.add(name(1, 's', "a"));
  s.add(name(2, 's', "b"));
  auto a = s.pop_ready(kNow);
  s.held(*a);
  EXPECT_EQ(s.in_flight(), 0u);
  EXPECT_EQ(s.left(kNow), 2u);
  auto again = s.pop_ready(kNow);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *a);
}

TEST(SchedulerTest, BatchesTakeConsecutiveEventsOfAnInteractionInOrder) {
  Scheduler s;
  s.add(name(1, 's', "a"));
  s.add(name(2, 's', "b"));
  s.add(name(3, 'p', "a"));
  s.add(name(4, 'c', "a"));
  s.add(name(5, 'c', "b"));
  s.add(name(6, 's', "c"));
  auto batch = s.pop_batch(kNow, 4);
  EXPECT_EQ(names(s, batch),
            (std::vector<std::string>{name(1, 's', "a"), name(3, 'p', "a"), name(4, 'c', "a"),
                                      name(2, 's', "b")}));
  // b's complete follows its start, which is in flight: never two batches
  // with events of one interaction.
  auto next = s.pop_batch(kNow, 4);
  EXPECT_EQ(names(s, next), (std::vector<std::string>{name(6, 's', "c")}));
  EXPECT_TRUE(s.pop_batch(kNow, 4).empty());
  for (auto id : batch) s.delivered(id);
  EXPECT_EQ(names(s, s.pop_batch(kNow, 4)), (std::vector<std::string>{name(5, 'c', "b")}));
}

TEST(SchedulerTest, ABatchStopsAtAnEventNotDue) {
  Scheduler s;
  s.add(name(1, 's', "a"));
  s.add(name(2, 'c', "a", 1, kNow + 5));
  auto batch = s.pop_batch(kNow, 10);
  EXPECT_EQ(names(s, batch), (std::vector<std::string>{name(1, 's', "a")}));
  s.delivered(batch[0]);
  EXPECT_TRUE(s.pop_batch(kNow, 10).empty());
  EXPECT_EQ(s.next_due(kNow), kNow + 5);
}

TEST(SchedulerTest, AHeldBatchGoesBackInOrder) {
  Scheduler s;
  s.add(name(1, 's', "a"));
  s.add(name(2, 'c', "a"));
  auto batch = s.pop_batch(kNow, 10);
  ASSERT_EQ(batch.size(), 2u);
  for (auto id : batch) s.held(id);
  EXPECT_EQ(s.in_flight(), 0u);
  EXPECT_EQ(names(s, s.pop_batch(kNow, 10)),
            (std::vector<std::string>{name(1, 's', "a"), name(2, 'c', "a")}));
}

TEST(SchedulerTest, AHeldBatchOfOneAtATimeKeepsTheLaterEventBehind) {
  Scheduler s;
  s.add(name(1, 's', "a"));
  s.add(name(2, 'c', "a"));
  auto batch = s.pop_batch(kNow, 10);
  ASSERT_EQ(batch.size(), 2u);
  s.held(batch[1]);  // held in any order
  s.held(batch[0]);
  auto one = s.pop_ready(kNow);
  ASSERT_TRUE(one);
  EXPECT_EQ(s.name(*one), name(1, 's', "a"));
  EXPECT_FALSE(s.pop_ready(kNow));
}

TEST(SchedulerTest, ADeadEventHoldsTheLaterEventsOfItsInteraction) {
  Scheduler s;
  s.add_dead(name(1, 's', "a"));
  s.add_dead(name(9, 'c', "b"));  // later than b's queued start: holds nothing
  s.add(name(2, 'p', "a"));
  s.add(name(3, 'c', "a"));
  s.add(name(4, 's', "b"));
  auto id = s.pop_ready(kNow);
  ASSERT_TRUE(id);
  EXPECT_EQ(s.name(*id), name(4, 's', "b"));
  EXPECT_FALSE(s.pop_ready(kNow));
  EXPECT_EQ(count(s.standings(kNow), Standing::kHeldByDead), 2u);
  EXPECT_EQ(s.held_by(0), name(1, 's', "a"));
  s.delivered(*id);
  EXPECT_EQ(s.left(kNow), 0u);  // held events are not left for the next run
  EXPECT_EQ(s.next_due(kNow), 0);
}

TEST(SchedulerTest, BuryingHoldsTheRestOfTheInteraction) {
  Scheduler s;
  s.add(name(1, 's', "a"));
  s.add(name(2, 'c', "a"));
  s.add(name(3, 's', "b"));
  auto a = s.pop_ready(kNow);
  s.buried(*a);
  auto b = s.pop_ready(kNow);
  ASSERT_TRUE(b);
  EXPECT_EQ(s.name(*b), name(3, 's', "b"));
  EXPECT_FALSE(s.pop_ready(kNow));
  EXPECT_EQ(count(s.standings(kNow), Standing::kHeldByDead), 1u);
  EXPECT_EQ(s.held_by(1), "");  // buried in this pass: no dead file was named
  EXPECT_TRUE(s.pop_batch(kNow, 10).empty());
}

// What status and list say of a queue before any send: each event's
// standing, by the rules the pass follows.
TEST(SchedulerTest, StandingsOfAQueueAsStatusAndListShowThem) {
  struct Row {
    const char* what;
    std::vector<std::string> queued, dead;
    std::vector<Standing> expected;  // in the names' order
  } rows[] = {
      {"never failed: due", {name(1, 's', "a"), name(2, 'c', "a")}, {},
       {Standing::kDue, Standing::kDue}},
      {"a retry whose time has come is due", {name(1, 's', "a", 1, kNow)}, {}, {Standing::kDue}},
      {"a retry not yet due blocks the rest of its interaction",
       {name(1, 's', "a", 1, kNow + 1), name(2, 'c', "a"), name(3, 's', "b")}, {},
       {Standing::kNotYetDue, Standing::kBlocked, Standing::kDue}},
      {"after a due event, one not yet due waits for its time, and blocks the next",
       {name(1, 's', "a"), name(2, 'p', "a", 1, kNow + 1), name(3, 'c', "a")}, {},
       {Standing::kDue, Standing::kNotYetDue, Standing::kBlocked}},
      {"an earlier dead event holds the later ones",
       {name(2, 'p', "a"), name(3, 'c', "a", 1, kNow + 1), name(4, 's', "b")},
       {name(1, 's', "a")}, {Standing::kHeldByDead, Standing::kHeldByDead, Standing::kDue}},
      {"a later dead event holds nothing", {name(1, 's', "a")}, {name(9, 'c', "a")},
       {Standing::kDue}},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    Scheduler s;
    for (const std::string& n : row.queued) ASSERT_TRUE(s.add(n));
    for (const std::string& n : row.dead) s.add_dead(n);
    EXPECT_EQ(s.standings(kNow), row.expected);
    EXPECT_EQ(s.left(kNow), count(row.expected, Standing::kDue));
  }
}

}  // namespace
}  // namespace mcpr
