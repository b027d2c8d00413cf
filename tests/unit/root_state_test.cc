// The owner of the spool's root state: every change made under the root
// lock and re-read before it is made, so that processes changing it at once
// lose nothing (man page FILES).
#include "src/state/root_state.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <vector>

#include "spool/flush_lock.h"
#include "spool/operations.h"
#include "spool/writer.h"
#include "spool/spool.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

constexpr int64_t kNow = 1764000000;

class RootStateTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    spool_.emplace(Spool::open(path("s"), true));
  }
  // Runs `work` in `n` forked processes at once (each with its own Spool, as
  // separate commands have) and waits for them all to exit 0.
  void in_processes(int n, const std::function<void(const Spool&, int)>& work) {
    std::vector<pid_t> kids;
    for (int k = 0; k < n; ++k) {
      pid_t pid = ::fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        ::alarm(60);  // a lock that is never given up ends the child, not the suite
        try {
          work(Spool::open(path("s"), true), k);
        } catch (...) {
          ::_exit(2);
        }
        ::_exit(0);
      }
      kids.push_back(pid);
    }
    for (pid_t kid : kids) {
      int status = -1;
      ::waitpid(kid, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    }
  }
  std::optional<Spool> spool_;
};

TEST_F(RootStateTest, EveryChangeIsReadBack) {
  extend_hold(*spool_, kNow + 300, kNow, 300);
  FlushSummary run;
  run.sent = 7;
  run.rejected = 2;
  run.exit_code = 75;
  run.result = "outage";
  DeliveredStarts starts;
  starts.delivered('s', "job:1", kNow + 0.5);
  record_flush(*spool_, run, starts, false);
  add_proxy_counts(*spool_, 3, 4, "queue full", kNow);
  RootState s = read_root_state(*spool_);
  EXPECT_EQ(s.hold_until, kNow + 300);
  ASSERT_EQ(s.open.size(), 1u);
  EXPECT_DOUBLE_EQ(s.open["job:1"], kNow + 0.5);
  ASSERT_TRUE(s.last_flush);
  EXPECT_EQ(s.last_flush->sent, 7u);
  EXPECT_EQ(s.last_flush->exit_code, 75);
  EXPECT_EQ(s.last_flush->result, "outage");
  EXPECT_EQ(s.otlp_rejected, 2u);
  EXPECT_EQ(s.proxy.dropped_events, 3u);
  EXPECT_EQ(s.proxy.unseen_messages, 4u);
  EXPECT_EQ(s.proxy.last_at, kNow);
  EXPECT_EQ(s.proxy.last_reason, "queue full");
  clear_hold(*spool_);
  EXPECT_EQ(read_root_state(*spool_).hold_until, 0);
}

TEST_F(RootStateTest, AMissingOrBrokenFileIsAFreshState) {
  EXPECT_FALSE(read_root_state(*spool_).last_flush);
  std::ofstream(path("s/state.json")) << "{not json";
  RootState s = read_root_state(*spool_);
  EXPECT_EQ(s.hold_until, 0);
  EXPECT_TRUE(s.open.empty());
  EXPECT_FALSE(s.last_flush);
  // A change starts from a fresh state rather than failing.
  add_proxy_counts(*spool_, 1, 0, "x", kNow);
  EXPECT_EQ(read_root_state(*spool_).proxy.dropped_events, 1u);
}

TEST_F(RootStateTest, AFileOfTheFormerFormatIsRead) {
  std::ofstream(path("s/state.json"))
      << R"({"hold_until": 1764000300, "open_interactions": {"a": 1764000000.5},)"
      << R"( "last_flush": {"started_at": 1764000000, "seconds": 1.5, "sent": 3, "retried": 0,)"
      << R"( "dead": 0, "left": 0, "exit_code": 0, "result": "ok"}})";
  RootState s = read_root_state(*spool_);
  EXPECT_EQ(s.hold_until, 1764000300);
  EXPECT_EQ(s.open.size(), 1u);
  ASSERT_TRUE(s.last_flush);
  EXPECT_EQ(s.last_flush->sent, 3u);
}

// The lost update of a follower's copy: a run's record changes its summary
// and starts, never the hold an operator cleared meanwhile, nor the counters.
TEST_F(RootStateTest, ARunsRecordLeavesTheHoldAndTheCountersAsTheyAre) {
  extend_hold(*spool_, kNow + 600, kNow, 300);
  clear_hold(*spool_);
  add_proxy_counts(*spool_, 5, 0, "spool full", kNow);
  FlushSummary run;
  run.result = "held";
  record_flush(*spool_, run, DeliveredStarts(), true);
  RootState s = read_root_state(*spool_);
  EXPECT_EQ(s.hold_until, 0);
  EXPECT_EQ(s.proxy.dropped_events, 5u);
  ASSERT_TRUE(s.last_flush);
  EXPECT_EQ(s.last_flush->result, "held");
}

TEST_F(RootStateTest, AHoldIsOnlyExtended) {
  struct Row {
    const char* name;
    int64_t kept, until, expected;
  } rows[] = {
      {"none kept", 0, kNow + 60, kNow + 60},
      {"a later one is kept", kNow + 120, kNow + 60, kNow + 120},
      {"an earlier one is extended", kNow + 30, kNow + 60, kNow + 60},
      {"one that passed is replaced", kNow - 30, kNow + 60, kNow + 60},
      {"one beyond the bound is replaced", kNow + 86400 * 365, kNow + 60, kNow + 60},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    clear_hold(*spool_);
    if (row.kept) {
      // Kept by an earlier run (or written by hand): extend_hold from then.
      extend_hold(*spool_, row.kept, row.kept - 1, 1e9);
    }
    extend_hold(*spool_, row.until, kNow, 300);
    EXPECT_EQ(read_root_state(*spool_).hold_until, row.expected);
  }
}

TEST_F(RootStateTest, AFollowerKeepsItsLastBusySummaryThroughIdlePasses) {
  FlushSummary busy, idle;
  busy.sent = 2;
  record_flush(*spool_, busy, DeliveredStarts(), true);
  record_flush(*spool_, idle, DeliveredStarts(), true);
  EXPECT_EQ(read_root_state(*spool_).last_flush->sent, 2u);
  record_flush(*spool_, idle, DeliveredStarts(), false);
  EXPECT_EQ(read_root_state(*spool_).last_flush->sent, 0u);
}

// The proxy's count of the former proxy-dropped file is read, folded into
// state.json by the next change, and the old file removed, counted once.
TEST_F(RootStateTest, TheFormerProxyFileIsFoldedInOnce) {
  std::ofstream(path("s/proxy-dropped")) << "5 1764000000 the spool is full\n";
  RootState s = read_root_state(*spool_);
  EXPECT_EQ(s.proxy.dropped_events, 5u);
  EXPECT_EQ(s.proxy.last_at, 1764000000);
  EXPECT_EQ(s.proxy.last_reason, "the spool is full");
  add_proxy_counts(*spool_, 2, 1, "queue full", kNow + 10);
  EXPECT_FALSE(std::ifstream(path("s/proxy-dropped")).good());
  s = read_root_state(*spool_);
  EXPECT_EQ(s.proxy.dropped_events, 7u);
  EXPECT_EQ(s.proxy.unseen_messages, 1u);
  // A file left by a former proxy after the fold is not counted again.
  std::ofstream(path("s/proxy-dropped")) << "5 1764000000 the spool is full\n";
  EXPECT_EQ(read_root_state(*spool_).proxy.dropped_events, 7u);
}

TEST_F(RootStateTest, ConcurrentChangesFromManyProcessesLoseNothing) {
  constexpr int kProcesses = 4, kRounds = 40;
  in_processes(kProcesses, [](const Spool& spool, int k) {
    for (int i = 0; i < kRounds; ++i) {
      switch (k) {
        case 0: {  // a flusher recording its passes, one rejected record each
          FlushSummary run;
          run.rejected = 1;
          record_flush(spool, run, DeliveredStarts(), true);
          break;
        }
        case 1:  // an operator clearing holds, a flusher setting them
          if (i % 2)
            clear_hold(spool);
          else
            extend_hold(spool, kNow + 60 + i, kNow, 300);
          break;
        default:  // proxies counting what they could not record
          add_proxy_counts(spool, 1, 2, "queue full", kNow);
      }
    }
  });
  RootState s = read_root_state(*spool_);
  EXPECT_EQ(s.otlp_rejected, static_cast<uint64_t>(kRounds));
  EXPECT_EQ(s.proxy.dropped_events, static_cast<uint64_t>((kProcesses - 2) * kRounds));
  EXPECT_EQ(s.proxy.unseen_messages, static_cast<uint64_t>(2 * (kProcesses - 2) * kRounds));
  EXPECT_EQ(s.hold_until, 0);  // the last change of its process was a clear
}

// A follower holds flush.lock for hours: a change to the root state never
// waits for it.
TEST_F(RootStateTest, AChangeDoesNotWaitForTheFlushLock) {
  std::optional<FlushLock> flushing = FlushLock::acquire(*spool_, false);
  ASSERT_TRUE(flushing);
  in_processes(1, [](const Spool& spool, int) { clear_hold(spool); });
}

// requeue: the dead and corrupt events named go back to the queue, the
// queued ones are named back, and the hold is cleared whatever moved.
TEST_F(RootStateTest, RequeueMovesTheNamedEventsAndClearsTheHold) {
  struct Row {
    const char* what;
    std::vector<SpoolState> states;  // an event in each
    bool held;
    unsigned moved, already_queued;
  } rows[] = {
      {"nothing named, a hold", {}, true, 0, 0},
      {"one dead, no hold", {SpoolState::kDead}, false, 1, 0},
      {"dead, corrupt and queued, a hold",
       {SpoolState::kDead, SpoolState::kCorrupt, SpoolState::kQueue},
       true, 2, 1},
      {"only queued, a hold", {SpoolState::kQueue, SpoolState::kQueue}, true, 0, 2},
  };
  int n = 0;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    Spool spool = Spool::open(path("r" + std::to_string(++n)), true);
    std::vector<SpooledFile> files;
    for (SpoolState state : row.states) {
      EventName name;
      name.timestamp_us = (kNow - 60 + static_cast<int64_t>(files.size())) * 1000000;
      name.interaction_key = "job-" + std::to_string(files.size());
      const std::string file = enqueue(spool, name, "{}", false);
      if (state == SpoolState::kDead) {
        ASSERT_EQ(bury(spool, file, "HTTP 400", false), SpoolOutcome::kDone);
      } else if (state == SpoolState::kCorrupt) {
        ASSERT_EQ(quarantine(spool, file, "not JSON", false), SpoolOutcome::kDone);
      }
      files.push_back({state, file});
    }
    if (row.held) extend_hold(spool, kNow + 600, kNow, 300);
    const Requeued r = requeue_now(spool, files, false);
    EXPECT_EQ(r.moved, row.moved);
    EXPECT_EQ(r.already_queued.size(), row.already_queued);
    EXPECT_EQ(read_root_state(spool).hold_until, 0);
    EXPECT_EQ(list_names(spool, SpoolState::kQueue).size(), row.states.size());
  }
}

// A flush with logging disabled is a run of its own (result "disabled"),
// and leaves the starts an earlier run delivered as they are; where no spool
// is, it makes none.
TEST_F(RootStateTest, ADisabledFlushIsTheLastRunAndKeepsTheDeliveredStarts) {
  FlushSummary run;
  run.started_at = kNow;
  run.result = "ok";
  DeliveredStarts starts;
  starts.open["int_1"] = kNow - 5;
  record_flush(*spool_, run, starts, true);
  record_disabled_flush(path("s"), kNow + 60);
  const RootState state = read_root_state(*spool_);
  ASSERT_TRUE(state.last_flush);
  EXPECT_EQ(state.last_flush->result, "disabled");
  EXPECT_EQ(state.last_flush->started_at, kNow + 60);
  EXPECT_EQ(state.open, starts.open);

  record_disabled_flush(path("none"), kNow);
  EXPECT_FALSE(spool_exists(path("none")));
  EXPECT_TRUE(spool_exists(path("s")));
}

}  // namespace
}  // namespace mcpr
