// What `flush -q` measures to decide whether an outage is worth a warning.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "spool/event_name.h"
#include "spool/operations.h"
#include "spool/spool.h"
#include "spool/writer.h"
#include "src/delivery/root_state.h"
#include "src/report/spool_report.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

using SpoolReportTest = TempDirTest;

constexpr int64_t kNow = 1764000000;

// Queues an event, due at `due_ms` (0: never failed), its file `age` seconds old.
void queue_event(const Spool& spool, int64_t due_ms, int64_t age) {
  EventName name;
  name.timestamp_us = (kNow - 86400) * 1000000;
  name.interaction_key = "job-1";
  name.attempts = due_ms ? 1 : 0;
  name.due_ms = due_ms;
  std::string file = enqueue(spool, name, "{}", false);
  struct timespec times[2] = {{kNow - age, 0}, {kNow - age, 0}};
  ASSERT_EQ(::utimensat(spool.dir_fd(SpoolState::kQueue), file.c_str(), times, 0), 0);
}

TEST_F(SpoolReportTest, OldestDueWaitCountsOnlyDueEvents) {
  struct Row {
    const char* name;
    int64_t due_ms[2];  // -1: no event
    int64_t age[2];
    int64_t wait;
  } rows[] = {
      {"empty queue", {-1, -1}, {0, 0}, 0},
      {"one never failed", {0, -1}, {300, 0}, 300},
      {"the older of two due", {0, (kNow - 10) * 1000}, {300, 900}, 900},
      {"one not due yet is not waiting", {0, (kNow + 60) * 1000}, {300, 900}, 300},
      {"none due", {(kNow + 60) * 1000, -1}, {900, 0}, 0},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    Spool spool = Spool::open(path(row.name), true);
    for (int i = 0; i < 2; ++i)
      if (row.due_ms[i] >= 0) queue_event(spool, row.due_ms[i], row.age[i]);
    EXPECT_EQ(oldest_due_wait(spool, kNow), row.wait);
  }
}

// Queues an event of `iid` with action `action`, `second` seconds after the
// events of queue_event, due at `due_ms` (0: never failed).
std::string queue_at(const Spool& spool, int second, char action, const std::string& iid,
                     int64_t due_ms = 0) {
  EventName name;
  name.timestamp_us = (kNow - 3600 + second) * 1000000;
  name.action = action;
  name.interaction_key = interaction_key(iid);
  name.attempts = due_ms ? 1 : 0;
  name.due_ms = due_ms;
  return enqueue(spool, name, "{}", false);
}

// The spool of the status tests: a due event (a), a retry not yet due and the
// event it blocks (b), an event held behind a dead one (c), a corrupt file
// and a temp file.
class SpoolStatusTest : public SpoolReportTest {
 protected:
  void SetUp() override {
    SpoolReportTest::SetUp();
    spool_.emplace(Spool::open(path("s"), true));
    queue_at(*spool_, 1, 's', "a");
    queue_at(*spool_, 2, 's', "b", (kNow + 60) * 1000);
    queue_at(*spool_, 3, 'c', "b");
    const std::string dead = queue_at(*spool_, 4, 's', "c");
    held_ = queue_at(*spool_, 5, 'c', "c");
    ASSERT_EQ(bury(*spool_, dead, "HTTP 400", false), SpoolOutcome::kDone);
    dead_id_ = std::string(event_id_of(dead));
    std::ofstream(path("s/corrupt/junk")) << "x";
    std::ofstream(path("s/tmp/being-written")) << "{";
  }
  std::optional<Spool> spool_;
  std::string held_, dead_id_;
};

TEST_F(SpoolStatusTest, CountsEachStateAndEachStandingAsFlushSeesThem) {
  SpoolStatus st = spool_status(*spool_, kNow);
  EXPECT_EQ(st.queued, 4u);
  EXPECT_EQ(st.due, 1u);   // a; b's complete waits behind its start
  EXPECT_EQ(st.held, 1u);  // c's complete, behind its dead start
  EXPECT_EQ(st.waiting_for_hold, 0u);
  EXPECT_EQ((st.dead), 1u);
  EXPECT_EQ(st.corrupt, 1u);
  EXPECT_EQ(st.tmp, 1u);
  EXPECT_EQ(st.next_attempt_at, kNow);  // something is due now
  EXPECT_EQ(st.oldest_queued_age_s, 3600 - 1);
  for (const AgeBucket& b : st.age_buckets)  // an hour old: all under 80 minutes
    EXPECT_EQ(b.count, b.upper_minutes == 80 ? 4u : 0u) << b.upper_minutes;
  // a started; b and c ended (in the queue), wherever they started.
  EXPECT_EQ(st.open_interactions, (std::vector<std::string>{"a"}));
}

TEST_F(SpoolStatusTest, WithNothingDueTheNextAttemptIsTheEarliestRetry) {
  ASSERT_EQ(remove_file(*spool_, SpoolState::kQueue,
                        list_events(*spool_, SpoolState::kQueue).front().name),
            SpoolOutcome::kDone);  // a's start, the one due event
  SpoolStatus st = spool_status(*spool_, kNow);
  EXPECT_EQ(st.due, 0u);
  EXPECT_EQ(st.next_attempt_at, kNow + 60);
}

TEST_F(SpoolStatusTest, DuringAHoldTheDueEventsWaitForIt) {
  extend_hold(*spool_, kNow + 30, kNow, 300);
  SpoolStatus st = spool_status(*spool_, kNow);
  EXPECT_EQ(st.due, 0u);
  EXPECT_EQ(st.waiting_for_hold, 1u);
  EXPECT_EQ(st.hold_until, kNow + 30);
  EXPECT_EQ(st.next_attempt_at, kNow + 30);
  // Once it has passed, the hold is none.
  st = spool_status(*spool_, kNow + 31);
  EXPECT_EQ(st.hold_until, 0);
  EXPECT_EQ(st.due, 1u);
}

TEST_F(SpoolStatusTest, OpenInteractionsCountDeliveredStartsAndEndsAnywhere) {
  FlushSummary run;
  DeliveredStarts starts;
  starts.delivered('s', "d", kNow - 10);  // delivered, never ended
  starts.delivered('s', "a", kNow - 10);  // its start is also queued
  record_flush(*spool_, run, starts, false);
  queue_at(*spool_, 9, 'e', "b");  // b ends, in the queue
  EXPECT_EQ(spool_status(*spool_, kNow).open_interactions, (std::vector<std::string>{"a", "d"}));
}

TEST_F(SpoolStatusTest, ListSaysWhichDeadEventHoldsAnEvent) {
  std::vector<ListedEvent> queued = list_events(*spool_, SpoolState::kQueue);
  ASSERT_EQ(queued.size(), 4u);
  for (const ListedEvent& e : queued) {
    SCOPED_TRACE(e.name);
    EXPECT_EQ(e.state, SpoolState::kQueue);
    if (e.name == held_)
      EXPECT_EQ(e.reason, "held: an earlier event of this interaction is dead (" + dead_id_ +
                              "); requeue it to release this one");
    else
      EXPECT_EQ(e.reason, "");
  }
  EXPECT_TRUE(std::is_sorted(queued.begin(), queued.end(),
                             [](const ListedEvent& a, const ListedEvent& b) { return a.name < b.name; }));
  std::vector<ListedEvent> all = list_events(*spool_, std::nullopt);
  ASSERT_EQ(all.size(), 6u);  // and the dead one and the corrupt file, not tmp/
  EXPECT_EQ(list_events(*spool_, SpoolState::kDead).front().reason, "HTTP 400");
}

TEST_F(SpoolReportTest, StatusShowsWhatTheProxyCouldNotRecord) {
  Spool spool = Spool::open(path("s"), true);
  EXPECT_EQ(spool_status(spool, kNow).text().find("proxy:"), std::string::npos);
  add_proxy_counts(spool, 3, 0, "queue full", kNow);
  add_proxy_counts(spool, 2, 7, "the spool is full", kNow);
  SpoolStatus st = spool_status(spool, kNow);
  EXPECT_NE(st.text().find("proxy:        5 events not recorded, 7 messages not looked at "
                           "(last: the spool is full)\n"),
            std::string::npos)
      << st.text();
  EXPECT_NE(st.json().find("\"proxy_dropped\":5,\"proxy_unseen_messages\":7"), std::string::npos)
      << st.json();
  EXPECT_NE(st.prometheus().find("mcp_report_proxy_unseen_messages_total{spool=\"" + spool.root() +
                                 "\"} 7\n"),
            std::string::npos);
}

}  // namespace
}  // namespace mcpr
