// flush's passes with --follow (src/delivery/follow.h), driven by a fake
// clock, a fake transport and a fake "wait for work" over a real spool:
// the outage backoff, hold waits, the periodic sweep, the summary kept
// through idle passes, and how the run ends.
#include "src/delivery/follow.h"
#include "src/delivery/flusher.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <map>

#include "fake_delivery.h"
#include "spool/event_name.h"
#include "spool/writer.h"
#include "src/state/root_state.h"
#include "src/delivery/sink.h"
#include "src/util/failure.h"
#include "src/util/unique_fd.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

// Waits on the fake clock: time moves by the whole wait, unless something
// is to land in the queue sooner (then it lands, and the wait ends then).
class FakeWaiter : public WorkWaiter {
 public:
  explicit FakeWaiter(FakeClock& clock) : clock_(clock) {}
  void wait(double seconds) override {
    waits.push_back(seconds);
    const double until = clock_.mono() + seconds;
    if (!landings.empty() && landings.begin()->first <= until) {
      clock_.advance(landings.begin()->first - clock_.mono());
      auto land = std::move(landings.begin()->second);
      landings.erase(landings.begin());
      land();
      return;
    }
    clock_.advance(seconds);
  }
  std::vector<double> waits;
  std::map<double, std::function<void()>> landings;  // by fake monotonic time

 private:
  FakeClock& clock_;
};

class FollowTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    spool_.emplace(Spool::open(path("spool"), true));
    config_.url = "http://coordinator.test";
    config_.sync = false;
    config_.rate_limit = 0;
    config_.retry_delay = 0.05;
    options_.follow = true;
    options_.on_pass = [this](const FlushReport& r) {
      passes.push_back({clock_.mono(), r.summary});
    };
    // Stops after `max_passes` passes.
    options_.should_stop = [this] { return passes.size() >= max_passes; };
  }

  // Queues a start of `iid`, failed `attempts` times and due at `due_ms`.
  std::string record(char action, const std::string& iid, unsigned attempts = 0,
                     int64_t due_ms = 0) {
    EventName n;
    n.timestamp_us = static_cast<int64_t>(clock_.wall() * 1e6) + ++recorded_;
    n.action = action;
    n.attempts = attempts;
    n.due_ms = due_ms;
    n.interaction_key = interaction_key(iid);
    return enqueue(*spool_, n,
                   "{\"action\": \"interaction_start\", \"interaction_id\": \"" + iid +
                       "\", \"mcp_id\": \"m\", \"timestamp\": 1764000000.0, \"request_data\": {}}",
                   false);
  }

  FlushReport follow(FakeTransport::Script script) {
    FakeTransport transport(clock_, std::move(script));
    TransportFactory factory = [&transport] { return std::make_unique<Forward>(transport); };
    auto sink = make_coordinator_sink(config_.url);
    FlushSession session{config_, *spool_, options_, factory, *sink, clock_,
                         DeliveredStarts{read_root_state(*spool_).open},
                         Throttle(config_.rate_limit, config_.rate_period), nullptr};
    FlushReport report = run_passes(session, options_.follow ? &waiter_ : nullptr);
    sent_at_.clear();
    for (const SentRequest& r : transport.sent()) sent_at_.push_back(r.at);
    return report;
  }

  struct Pass {
    double at;  // fake monotonic time the pass ended
    FlushSummary summary;
  };
  std::vector<Pass> passes;
  size_t max_passes = 1;
  std::vector<double> sent_at_;  // fake monotonic times the requests were sent
  int recorded_ = 0;
  Config config_;
  FlushOptions options_;
  FakeClock clock_;
  FakeWaiter waiter_{clock_};
  std::optional<Spool> spool_;
};

TEST(FollowWaitTest, WhenAFollowerLooksAgain) {
  const double now = 1000;
  struct Row {
    const char* what;
    int64_t next_due_ms;
    bool outage;
    int64_t hold;
    double backoff;
    double seconds, next_backoff;
  } rows[] = {
      {"nothing due: a minute", 0, false, 0, 1, 60, 1},
      {"a retry in 5 s", 1005000, false, 0, 1, 5, 1},
      {"a retry due already: at once", 999000, false, 0, 1, 0, 1},
      {"a retry far off: a minute at most", 5000000, false, 0, 1, 60, 1},
      {"a hold: its end", 1005000, false, 1030, 1, 30, 1},
      {"an outage: the backoff, doubled for the next", 0, true, 0, 4, 4, 8},
      {"an outage beats a hold", 0, true, 1030, 2, 2, 4},
      {"the backoff stops at a minute", 0, true, 0, 60, 60, 60},
      {"the peer answers: the backoff starts again", 0, false, 0, 32, 60, 1},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    FollowWait w = follow_wait(row.next_due_ms, row.outage, row.hold, now, row.backoff);
    EXPECT_DOUBLE_EQ(w.seconds, row.seconds);
    EXPECT_DOUBLE_EQ(w.backoff, row.next_backoff);
  }
}

TEST_F(FollowTest, AnOutageBacksOffDoublingToAMinuteAndStartsAgainOnceItEnds) {
  record('s', "a");
  max_passes = 10;
  int answers = 0;
  follow([&](const HttpRequest&, size_t) { return ++answers <= 8 ? no_connection() : answer(200); });
  ASSERT_EQ(passes.size(), 10u);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(passes[i].summary.result, "outage") << i;
  EXPECT_EQ(passes[8].summary.sent, 1u);
  // The waits after each pass: 1, 2, 4 ... 60 s through the outage, then a
  // minute of nothing to do.
  const std::vector<double> expected = {1, 2, 4, 8, 16, 32, 60, 60, 60};
  ASSERT_GE(waiter_.waits.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_DOUBLE_EQ(waiter_.waits[i], expected[i]) << i;
}

TEST_F(FollowTest, AKeptHoldIsWaitedOutBetweenPasses) {
  // A retry due in 10 s, and a Retry-After hold for 30 s: the follower
  // looks again when the hold ends, not when the retry falls due.
  record('s', "a", 1, static_cast<int64_t>(clock_.wall() * 1000) + 10000);
  extend_hold(*spool_, static_cast<int64_t>(clock_.wall()) + 30, static_cast<int64_t>(clock_.wall()),
              300);
  max_passes = 2;
  follow([](const HttpRequest&, size_t) { return answer(200); });
  ASSERT_GE(waiter_.waits.size(), 1u);
  EXPECT_DOUBLE_EQ(waiter_.waits[0], 30);
  ASSERT_EQ(sent_at_.size(), 1u);  // sent by the pass after the hold, as it ends
  EXPECT_DOUBLE_EQ(sent_at_[0], 30);
}

TEST_F(FollowTest, ARetryAfterWithinAFollowIsWaitedOutNotAStop) {
  record('s', "a");
  max_passes = 1;
  follow([](const HttpRequest&, size_t i) { return i == 0 ? answer(429, "20") : answer(200); });
  ASSERT_EQ(passes.size(), 1u);
  EXPECT_EQ(passes[0].summary.sent, 1u);
  EXPECT_EQ(passes[0].summary.exit_code, 0);
  // Answered at 0.01 s; the hold ends on the next whole second of the wall
  // clock after 20 s (21 s here), and the event goes again then, not later.
  ASSERT_EQ(sent_at_.size(), 2u);
  EXPECT_NEAR(sent_at_[1], 21, 1e-6);
}

// Stale tmp/ files are swept before the first pass, then at most once a
// minute however often new events wake the follower.
TEST_F(FollowTest, TheSweepRunsAtMostOnceAMinute) {
  auto stale_tmp = [this](const std::string& name) {
    const std::string file = path("spool/tmp/" + name + "#1234");
    std::ofstream(file) << "x";
    const struct timespec old = {static_cast<time_t>(clock_.wall()) - 7200, 0};
    const struct timespec times[2] = {old, old};
    ASSERT_EQ(::utimensat(AT_FDCWD, file.c_str(), times, 0), 0);
  };
  auto exists = [this](const std::string& name) {
    return std::ifstream(path("spool/tmp/" + name + "#1234")).good();
  };
  stale_tmp("first");
  std::map<double, bool> second_seen;  // by pass time: was the second one there after it
  options_.on_pass = [&](const FlushReport& r) {
    passes.push_back({clock_.mono(), r.summary});
    second_seen[clock_.mono()] = exists("second");
  };
  // Events land every 10 s; the second stale file appears at 5 s.
  for (double t = 10; t <= 70; t += 10) waiter_.landings[t] = [this] { record('s', "x"); };
  waiter_.landings[5] = [&] { stale_tmp("second"); };
  max_passes = 9;
  follow([](const HttpRequest&, size_t) { return answer(200); });
  EXPECT_FALSE(exists("first"));  // swept before the first pass
  ASSERT_GE(passes.size(), 8u);
  for (const auto& [at, seen] : second_seen) {
    if (at < 5) continue;
    EXPECT_EQ(seen, at < 60) << "pass at " << at;
  }
}

TEST_F(FollowTest, IdlePassesKeepTheLastDeliveryForStatus) {
  record('s', "a");
  max_passes = 4;
  follow([](const HttpRequest&, size_t) { return answer(200); });
  ASSERT_EQ(passes.size(), 4u);
  EXPECT_EQ(passes[0].summary.sent, 1u);
  EXPECT_EQ(passes[3].summary.sent, 0u);
  std::optional<FlushSummary> kept = read_root_state(*spool_).last_flush;
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->sent, 1u);
}

TEST_F(FollowTest, ARejectedKeyEndsTheFollowerWith77AndAStopWith0) {
  record('s', "a");
  max_passes = 5;
  FlushReport report = follow([](const HttpRequest&, size_t) { return answer(401); });
  EXPECT_EQ(passes.size(), 1u);  // it does not get better by retrying
  EXPECT_EQ(report.exit_status, kExitNoPerm);

  passes.clear();
  max_passes = 2;
  report = follow([](const HttpRequest&, size_t) { return no_connection(); });
  EXPECT_EQ(passes.size(), 2u);
  EXPECT_EQ(report.summary.exit_code, kExitTempFail);  // the pass's
  EXPECT_EQ(report.exit_status, kExitOk);               // the run's: each pass was reported
}

TEST_F(FollowTest, WithoutFollowOnePassAndItsExitStatus) {
  options_.follow = false;
  record('s', "a");
  FlushReport report = follow([](const HttpRequest&, size_t) { return no_connection(); });
  EXPECT_TRUE(passes.empty());  // on_pass is for followers
  EXPECT_EQ(report.exit_status, kExitTempFail);
  EXPECT_EQ(read_root_state(*spool_).last_flush->result, "outage");
}

// The real waiter (inotify) with the stop descriptor: a stop asked before a
// wait began ends it at once, and every wait after it. A SIGTERM caught
// between the follower's last look at the flag and its poll was slept
// through, for up to a minute (a power-loss test's follower outlived its
// 60 s bound so).
TEST_F(FollowTest, AStopAskedBeforeTheWaitEndsItAtOnce) {
  UniqueFd stop(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  ASSERT_TRUE(stop);
  auto waiter = watch_queue(*spool_, clock_, stop.get());
  const uint64_t one = 1;
  ASSERT_EQ(::write(stop.get(), &one, sizeof one), static_cast<ssize_t>(sizeof one));
  for (int i = 0; i < 2; ++i) {
    auto waited = std::async(std::launch::async, [&waiter] { waiter->wait(120); });
    EXPECT_EQ(waited.wait_for(std::chrono::seconds(60)), std::future_status::ready)
        << "wait " << i << " slept through the stop";
  }
}

// Without a stop, the same waiter ends its wait when an event lands.
TEST_F(FollowTest, TheWaiterWakesWhenAnEventLands) {
  UniqueFd stop(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  auto waiter = watch_queue(*spool_, clock_, stop.get());
  auto waited = std::async(std::launch::async, [&waiter] { waiter->wait(120); });
  record('s', "landed");
  EXPECT_EQ(waited.wait_for(std::chrono::seconds(60)), std::future_status::ready);
}

// flush --splay N sleeps its draw times N on the clock, after saying so.
TEST(SplayTest, SleepsTheDrawTimesNOnTheClock) {
  struct Row {
    double max_seconds, unit, slept;
  } rows[] = {{20, 0.25, 5}, {20, 0, 0}, {0.5, 0.999, 0.4995}, {0, 0.7, 0}, {-5, 0.7, 0}};
  for (const Row& row : rows) {
    SCOPED_TRACE(std::to_string(row.max_seconds) + " s, drawn " + std::to_string(row.unit));
    FakeClock clock;
    double announced = -1, mono_when_announced = -1;
    const double chosen = splay(clock, row.max_seconds, row.unit, [&](double c) {
      announced = c;
      mono_when_announced = clock.mono();
    });
    EXPECT_DOUBLE_EQ(chosen, row.slept);
    EXPECT_DOUBLE_EQ(clock.mono(), row.slept);
    if (row.max_seconds > 0) {
      EXPECT_DOUBLE_EQ(announced, row.slept);
      EXPECT_EQ(mono_when_announced, 0);  // said before it sleeps
    } else {
      EXPECT_EQ(announced, -1);  // no --splay: nothing to say
    }
  }
}

}  // namespace
}  // namespace mcpr
