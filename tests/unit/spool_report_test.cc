// What `flush -q` measures to decide whether an outage is worth a warning.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <string>

#include "spool/event_name.h"
#include "spool/operations.h"
#include "spool/spool.h"
#include "spool/writer.h"
#include "src/state/root_state.h"
#include "src/report/spool_report.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

using SpoolReportTest = TempDirTest;

constexpr int64_t kNow = 1764000000;
// The bound on a kept hold is then max(300, 3600) s (retry_policy.h, hold_bound).
constexpr double kMaxBackoff = 300;

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

// An imported line keeps the timestamp its event was recorded with, days
// ago: the spool's age is how long it has been in the spool (its file's
// mtime), so an age alert does not fire the minute an old cache is
// imported; when it was recorded is kept beside it.
TEST_F(SpoolReportTest, TheOldestAgeIsTimeInTheSpoolNotSinceRecording) {
  Spool spool = Spool::open(path("s"), true);
  queue_event(spool, 0, 600);  // recorded a day before kNow, spooled 10 minutes ago
  SpoolStatus st = spool_status(spool, kNow, kMaxBackoff);
  EXPECT_EQ(st.oldest_queued_age_s, 600);
  EXPECT_EQ(st.oldest_queued_recorded_age_s, 86400);
  for (const AgeBucket& b : st.age_buckets)  // 10 minutes in the spool: under 20 minutes
    EXPECT_EQ(b.count, b.upper_minutes == 20 ? 1u : 0u) << b.upper_minutes;
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
  SpoolStatus st = spool_status(*spool_, kNow, kMaxBackoff);
  EXPECT_EQ(st.queued, 4u);
  EXPECT_EQ(st.due, 1u);   // a; b's complete waits behind its start
  EXPECT_EQ(st.held, 1u);  // c's complete, behind its dead start
  EXPECT_EQ(st.waiting_for_hold, 0u);
  EXPECT_EQ((st.dead), 1u);
  EXPECT_EQ(st.corrupt, 1u);
  EXPECT_EQ(st.tmp, 1u);
  EXPECT_EQ(st.next_attempt_at, kNow);  // something is due now
  EXPECT_EQ(st.oldest_queued_recorded_age_s, 3600 - 1);
  EXPECT_EQ(st.oldest_queued_age_s, 0);      // just written (after kNow)
  for (const AgeBucket& b : st.age_buckets)  // by time in the spool: all under 5 minutes
    EXPECT_EQ(b.count, b.upper_minutes == 5 ? 4u : 0u) << b.upper_minutes;
  // a started; b and c ended (in the queue), wherever they started.
  EXPECT_EQ(st.open_interactions, (std::vector<std::string>{"a"}));
}

TEST_F(SpoolStatusTest, WithNothingDueTheNextAttemptIsTheEarliestRetry) {
  ASSERT_EQ(remove_file(*spool_, SpoolState::kQueue,
                        list_events(*spool_, SpoolState::kQueue).front().name),
            SpoolOutcome::kDone);  // a's start, the one due event
  SpoolStatus st = spool_status(*spool_, kNow, kMaxBackoff);
  EXPECT_EQ(st.due, 0u);
  EXPECT_EQ(st.next_attempt_at, kNow + 60);
}

TEST_F(SpoolStatusTest, DuringAHoldTheDueEventsWaitForIt) {
  extend_hold(*spool_, kNow + 30, kNow, 300);
  SpoolStatus st = spool_status(*spool_, kNow, kMaxBackoff);
  EXPECT_EQ(st.due, 1u);  // still due (one meaning in text, JSON, Prometheus)
  EXPECT_EQ(st.waiting_for_hold, 1u);
  EXPECT_EQ(st.hold_until, kNow + 30);
  EXPECT_EQ(st.next_attempt_at, kNow + 30);
  // Once it has passed, the hold is none.
  st = spool_status(*spool_, kNow + 31, kMaxBackoff);
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
  EXPECT_EQ(spool_status(*spool_, kNow, kMaxBackoff).open_interactions,
            (std::vector<std::string>{"a", "d"}));
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

// status and list over spools in many states, each built from a few events
// (a letter per interaction, an action, a retry's due time, buried or not)
// and foreign files: the counts, the next attempt and what list says of
// each file, as the Scheduler decides for flush.
TEST_F(SpoolReportTest, StatusAndListOverSpoolsInManyStates) {
  constexpr int64_t kNone = INT64_MIN;
  struct Event {
    const char* iid;
    char action;
    int64_t due_in = kNone;  // seconds from now of its next attempt; kNone: never failed
    bool dead = false;
  };
  struct Row {
    const char* what;
    std::vector<Event> events;
    int64_t hold_in = kNone;  // seconds from now the kept hold ends
    bool junk = false;         // a corrupt file, a temp file, a queued name that is no event's
    // status
    unsigned queued, due, held, waiting_for_hold, dead, corrupt, tmp;
    int64_t next_in;  // kNone: no next attempt
    // list, oldest first: "<state> <iid> <action>[ due+N][ <reason up to its '('>]"
    std::vector<std::string> listed;
  } rows[] = {
      {"empty", {}, kNone, false, 0, 0, 0, 0, 0, 0, 0, kNone, {}},
      {"one due", {{"a", 's'}}, kNone, false, 1, 1, 0, 0, 0, 0, 0, 0,
       {"queue a interaction_start"}},
      {"a retry not yet due", {{"a", 's', 60}}, kNone, false, 1, 0, 0, 0, 0, 0, 0, 60,
       {"queue a interaction_start due+60"}},
      {"a retry already due", {{"a", 's', -5}}, kNone, false, 1, 1, 0, 0, 0, 0, 0, 0,
       {"queue a interaction_start due-5"}},
      {"blocked behind an earlier event not yet due: its own due time does not count",
       {{"a", 's', 60}, {"a", 'p', 30}, {"a", 'c'}}, kNone, false, 3, 0, 0, 0, 0, 0, 0, 60,
       {"queue a interaction_start due+60", "queue a interaction_progress due+30",
        "queue a interaction_complete"}},
      {"blocked, and another interaction due", {{"a", 's', 60}, {"a", 'c'}, {"b", 's'}}, kNone,
       false, 3, 1, 0, 0, 0, 0, 0, 0,
       {"queue a interaction_start due+60", "queue a interaction_complete",
        "queue b interaction_start"}},
      {"held behind a dead event", {{"a", 's', kNone, true}, {"a", 'p'}, {"a", 'c'}}, kNone,
       false, 2, 0, 2, 0, 1, 0, 0, kNone,
       {"dead a interaction_start HTTP 400",
        "queue a interaction_progress held: an earlier event of this interaction is dead",
        "queue a interaction_complete held: an earlier event of this interaction is dead"}},
      {"a dead event is never attempted again", {{"a", 's', 60, true}}, kNone, false, 0, 0, 0, 0,
       1, 0, 0, kNone, {"dead a interaction_start HTTP 400"}},
      {"a dead event holds only the later ones", {{"a", 's'}, {"a", 'c', kNone, true}}, kNone,
       false, 1, 1, 0, 0, 1, 0, 0, 0,
       {"queue a interaction_start", "dead a interaction_complete HTTP 400"}},
      {"a hold: the due events wait for it", {{"a", 's'}, {"b", 's', 60}}, 30, false, 2, 1, 0,
       1, 0, 0, 0, 30, {"queue a interaction_start", "queue b interaction_start due+60"}},
      {"a hold with nothing due: the next retry", {{"a", 's', 60}}, 30, false, 1, 0, 0, 0, 0, 0,
       0, 60, {"queue a interaction_start due+60"}},
      {"a hold that has passed is none", {{"a", 's'}}, -5, false, 1, 1, 0, 0, 0, 0, 0, 0,
       {"queue a interaction_start"}},
      {"a hold beyond the bound (the clock stepped back) is none, as flush ignores it",
       {{"a", 's'}}, 3603, false, 1, 1, 0, 0, 0, 0, 0, 0, {"queue a interaction_start"}},
      {"a hold at the bound is kept", {{"a", 's'}}, 3600, false, 1, 1, 0, 1, 0, 0, 0, 3600,
       {"queue a interaction_start"}},
      {"corrupt, temp and foreign files", {{"a", 's'}}, kNone, true, 2, 1, 0, 0, 0, 1, 1, 0,
       {"queue a interaction_start", "corrupt z interaction_start not JSON", "queue  ?"}},
  };
  int n = 0;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    Spool spool = Spool::open(path("s" + std::to_string(++n)), true);
    int second = 0;
    for (const Event& e : row.events) {
      const std::string name = queue_at(spool, ++second, e.action, e.iid,
                                        e.due_in == kNone ? 0 : (kNow + e.due_in) * 1000);
      if (e.dead) {
        ASSERT_EQ(bury(spool, name, "HTTP 400", false), SpoolOutcome::kDone);
      }
    }
    if (row.hold_in != kNone)
      extend_hold(spool, kNow + row.hold_in, kNow + row.hold_in - 1, kMaxBackoff);
    if (row.junk) {
      const std::string bad = queue_at(spool, ++second, 's', "z");
      ASSERT_EQ(quarantine(spool, bad, "not JSON", false), SpoolOutcome::kDone);
      std::ofstream(path("s" + std::to_string(n) + "/queue/zz-not-an-event")) << "{}";
      std::ofstream(path("s" + std::to_string(n) + "/tmp/being-written")) << "{";
    }

    const SpoolStatus st = spool_status(spool, kNow, kMaxBackoff);
    EXPECT_EQ(st.queued, row.queued);
    EXPECT_EQ(st.due, row.due);
    EXPECT_EQ(st.held, row.held);
    EXPECT_EQ(st.waiting_for_hold, row.waiting_for_hold);
    EXPECT_EQ(st.dead, row.dead);
    EXPECT_EQ(st.corrupt, row.corrupt);
    EXPECT_EQ(st.tmp, row.tmp);
    const bool held = row.hold_in != kNone && row.hold_in > 0 && row.hold_in <= 3602;
    EXPECT_EQ(st.hold_until, held ? kNow + row.hold_in : 0);
    if (row.next_in == kNone)
      EXPECT_FALSE(st.next_attempt_at);
    else
      EXPECT_EQ(st.next_attempt_at, kNow + row.next_in);
    EXPECT_EQ(oldest_due_wait(spool, kNow) > 0 || st.due > 0, st.due > 0);

    std::vector<std::string> listed;
    for (const ListedEvent& e : list_events(spool, std::nullopt)) {
      std::string line = std::string(state_name(e.state)) + " " + e.interaction_id + " " + e.action;
      if (e.due) line += " due" + std::string(e.due >= kNow ? "+" : "") + std::to_string(e.due - kNow);
      if (!e.reason.empty()) line += " " + e.reason.substr(0, e.reason.find(" ("));
      listed.push_back(line);
    }
    EXPECT_EQ(listed, row.listed);
  }
}

// A monitor alerts on gauges, not on text: after a run that dead-lettered,
// a clean run must not make the spool look healthy, a Retry-After hold must
// not read as "nothing due", and what an OTLP endpoint refused is counted.
TEST_F(SpoolStatusTest, DeadLettersHoldsAndRefusalsShowAfterACleanRun) {
  FlushSummary dying;
  dying.started_at = kNow - 120;
  dying.dead = 2;
  dying.exit_code = 65;
  dying.result = "dead";
  dying.rejected = 3;
  record_flush(*spool_, dying, DeliveredStarts{}, false);
  FlushSummary clean;
  clean.started_at = kNow - 60;
  clean.sent = 1;
  record_flush(*spool_, clean, DeliveredStarts{}, false);
  extend_hold(*spool_, kNow + 30, kNow, 300);

  SpoolStatus st = spool_status(*spool_, kNow, kMaxBackoff);
  EXPECT_EQ(st.dead_lettered, 2u);
  EXPECT_EQ(st.last_dead_lettered_at, kNow - 120);
  EXPECT_EQ(st.otlp_rejected, 3u);
  const std::string text = st.text();
  EXPECT_NE(text.find("dead:         1 (2 dead-lettered in all, the last at "), std::string::npos)
      << text;
  EXPECT_NE(text.find("ok (exit 0): sent 1, retried 0, dead 0, left 0 in 0.0 s; 1 dead event waits "
                      "(list --state dead)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("otlp:         3 spans or log records refused by the endpoint (partialSuccess)\n"),
            std::string::npos)
      << text;

  const std::string prom = st.prometheus();
  const std::string l = "{spool=\"" + spool_->root() + "\"}";
  for (const std::string& sample :
       {"mcp_report_last_flush_success" + l + " 1\n",
        "mcp_report_events{state=\"dead\",spool=\"" + spool_->root() + "\"} 1\n",
        "mcp_report_dead_lettered_events_total" + l + " 2\n",
        "mcp_report_last_dead_letter_timestamp_seconds" + l + " " + std::to_string(kNow - 120) + "\n",
        "mcp_report_held_events" + l + " 1\n",
        // a is due but waits for the hold: due, and counted as waiting
        "mcp_report_due_events" + l + " 1\n", "mcp_report_hold_waiting_events" + l + " 1\n",
        "mcp_report_hold_until_timestamp_seconds" + l + " " + std::to_string(kNow + 30) + "\n",
        "mcp_report_otlp_rejected_records_total" + l + " 3\n",
        "mcp_report_proxy_unseen_messages_total" + l + " 0\n"})
    EXPECT_NE(prom.find(sample), std::string::npos) << sample << prom;
  const std::string json = st.json();
  EXPECT_NE(json.find("\"dead_lettered\":2,\"last_dead_lettered_at\":" + std::to_string(kNow - 120) +
                      ",\"otlp_rejected\":3"),
            std::string::npos)
      << json;
}

TEST_F(SpoolReportTest, StatusShowsWhatTheProxyCouldNotRecord) {
  Spool spool = Spool::open(path("s"), true);
  EXPECT_EQ(spool_status(spool, kNow, kMaxBackoff).text().find("proxy:"), std::string::npos);
  add_proxy_counts(spool, 3, 0, "queue full", kNow);
  add_proxy_counts(spool, 2, 7, "the spool is full", kNow);
  SpoolStatus st = spool_status(spool, kNow, kMaxBackoff);
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
