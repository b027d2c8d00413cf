// The flush loop (flush_pass.cc) driven by a fake clock and a fake
// transport over a real spool in a temporary folder: ordering, throttle,
// budgets, backoff in milliseconds, Retry-After holds, outages, a rejected
// key, and the sink interface.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "fake_delivery.h"
#include "spool/event_name.h"
#include "spool/spool.h"
#include "spool/writer.h"
#include "src/event/event.h"
#include "src/delivery/flush_pass.h"
#include "src/delivery/http_status.h"
#include "src/state/root_state.h"
#include "src/delivery/sink.h"
#include "src/util/failure.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

class FlushLoopTest : public TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    spool_.emplace(Spool::open(path("spool"), true));
    config_.url = "http://coordinator.test";
    config_.sync = false;
    config_.rate_limit = 0;
    config_.retry_delay = 0.05;
    config_.max_retries = 2;
  }

  // Queues an event `us` microseconds into the test's epoch second, with
  // the data member its action has (request_data, progress_data,
  // result_data, error_data), or `data_member` to make a corrupt one.
  std::string record(int us, char action, const std::string& iid, unsigned attempts = 0,
                     int64_t due_ms = 0, const char* data_member = nullptr) {
    const ActionInfo* info = action_by_code(action);
    EventName n;
    n.timestamp_us = 1764000000000000LL + us;
    n.action = action;
    n.interaction_key = interaction_key(iid);
    n.attempts = attempts;
    n.due_ms = due_ms;
    std::string body = std::string("{\"action\": \"") + info->name + "\", \"interaction_id\": \"" +
                       iid + "\", \"mcp_id\": \"m\", \"timestamp\": 1764000000.0, \"" +
                       (data_member ? data_member : info->data_member) + "\": {}}";
    return enqueue(*spool_, n, body, false);
  }

  FlushReport flush(Sink& sink, FakeTransport& transport) {
    TransportFactory factory = [&transport] { return std::make_unique<Forward>(transport); };
    FlushSession session{config_, *spool_, options_, factory, sink, clock_,
                         DeliveredStarts{read_root_state(*spool_).open},
                         Throttle(config_.rate_limit, config_.rate_period), nullptr};
    FlushReport report;
    run_flush_pass(session, 0, report);
    return report;
  }

  FlushReport flush(FakeTransport& transport) {
    auto sink = make_coordinator_sink(config_.url);
    return flush(*sink, transport);
  }

  std::vector<std::string> queued() {
    auto names = list_names(*spool_, SpoolState::kQueue);
    std::sort(names.begin(), names.end());
    return names;
  }

  // The interaction of each request, in the order they were sent.
  static std::vector<std::string> keys(const FakeTransport& t) {
    std::vector<std::string> out;
    for (const auto& s : t.sent()) out.push_back(s.request.idempotency_key);
    return out;
  }

  Config config_;
  FlushOptions options_;
  FakeClock clock_;
  std::optional<Spool> spool_;
};

TEST_F(FlushLoopTest, SendsOldestFirstAndNeverTwoOfOneInteractionInFlight) {
  std::vector<std::string> files = {record(1, 's', "a"), record(2, 's', "b"), record(3, 'c', "a"),
                                    record(4, 'c', "b"), record(5, 's', "c")};
  std::set<std::string> flying;
  std::vector<std::string> order;
  FakeTransport t(clock_, [&](const HttpRequest& r, size_t) {
    order.push_back(r.idempotency_key);
    return answer(200);
  });
  FlushReport report = flush(t);
  EXPECT_EQ(report.summary.sent, 5u);
  EXPECT_EQ(report.summary.exit_code, 0);
  EXPECT_TRUE(queued().empty());
  // a:start before a:complete, b:start before b:complete; starts in time order.
  auto pos = [&](int k) {
    return std::find(order.begin(), order.end(), std::string(event_id_of(files[k]))) - order.begin();
  };
  EXPECT_LT(pos(0), pos(2));
  EXPECT_LT(pos(1), pos(3));
  EXPECT_LT(pos(0), pos(1));
  // With concurrency 4 and one request per interaction in flight, the first
  // wave is the three interactions' first events.
  ASSERT_GE(t.sent().size(), 3u);
  EXPECT_EQ(t.sent()[0].at, t.sent()[2].at);
  for (size_t i = 0; i < 3; ++i) EXPECT_NE(interaction_key_of(files[2]), "") << i;
  EXPECT_EQ(order[0], event_id_of(files[0]));
  EXPECT_EQ(order[1], event_id_of(files[1]));
  EXPECT_EQ(order[2], event_id_of(files[4]));
  EXPECT_EQ(report.summary.left, 0u);
}

// Each action carries its own data member; an event with another's (a
// progress or error with result_data, a complete with error_data, a start
// with result_data) is a corrupt shape: set aside to corrupt/ with the
// reason, never sent, while the well-shaped events beside it are sent.
TEST_F(FlushLoopTest, AnEventWithAnotherActionsDataMemberIsSetAsideAsCorrupt) {
  struct Row {
    char action;
    const char* data_member;  // nullptr: the action's own
    const char* reason;       // nullptr: sent
  } rows[] = {
      {'p', nullptr, nullptr},
      {'p', "result_data", "'progress_data' missing or not an object"},
      {'e', nullptr, nullptr},
      {'e', "result_data", "'error_data' missing or not an object"},
      {'c', nullptr, nullptr},
      {'c', "error_data", "'result_data' missing or not an object"},
      {'s', "result_data", "'request_data' missing or not an object"},
      {'p', "request_data", "'progress_data' missing or not an object"},
  };
  std::map<std::string, const Row*> files;  // by file name
  int us = 0;
  for (const Row& row : rows) {
    const std::string iid = "i" + std::to_string(us);
    if (row.action != 's') record(++us, 's', iid);
    files[record(++us, row.action, iid, 0, 0, row.data_member)] = &row;
  }
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  FlushReport report = flush(t);
  std::set<std::string> sent;
  for (const auto& r : t.sent()) sent.insert(r.request.idempotency_key);
  const auto corrupt = list_names(*spool_, SpoolState::kCorrupt);
  const std::set<std::string> set_aside(corrupt.begin(), corrupt.end());
  size_t bad = 0;
  for (const auto& [name, row] : files) {
    SCOPED_TRACE(std::string(1, row->action) + " with " +
                 (row->data_member ? row->data_member : "its own member"));
    if (row->reason) {
      ++bad;
      EXPECT_EQ(set_aside.count(name), 1u);
      EXPECT_EQ(sent.count(std::string(event_id_of(name))), 0u);
      EXPECT_EQ(read_reason(*spool_, SpoolState::kCorrupt, name), row->reason);
    } else {
      EXPECT_EQ(set_aside.count(name), 0u);
      EXPECT_EQ(sent.count(std::string(event_id_of(name))), 1u);
    }
  }
  EXPECT_EQ(report.summary.corrupt, bad);
  EXPECT_EQ(corrupt.size(), bad);
  EXPECT_TRUE(queued().empty());
}

TEST_F(FlushLoopTest, TheThrottleSpacesRequestsOnTheClock) {
  config_.rate_limit = 2;
  config_.rate_period = 1;
  for (int i = 0; i < 6; ++i) record(i, 's', "i" + std::to_string(i));
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  FlushReport report = flush(t);
  EXPECT_EQ(report.summary.sent, 6u);
  const auto& sent = t.sent();
  ASSERT_EQ(sent.size(), 6u);
  for (size_t i = 2; i < sent.size(); ++i)
    EXPECT_GE(sent[i].at - sent[i - 2].at, 1.0 - 1e-9) << i;  // at most 2 a second
}

TEST_F(FlushLoopTest, MaxEventsEndsTheRunWithTheRestLeft) {
  options_.max_events = 2;
  for (int i = 0; i < 5; ++i) record(i, 's', "i" + std::to_string(i));
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  FlushReport report = flush(t);
  EXPECT_EQ(report.summary.sent, 2u);
  EXPECT_EQ(report.summary.left, 3u);
  EXPECT_EQ(report.summary.exit_code, kExitTempFail);
  EXPECT_EQ(report.summary.result, "budget");
  EXPECT_EQ(queued().size(), 3u);
}

TEST_F(FlushLoopTest, BackoffIsInMillisecondsAndOneAttemptPerRun) {
  record(1, 's', "a");
  record(2, 'c', "a");
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(500); });
  FlushReport report = flush(t);
  EXPECT_EQ(t.sent().size(), 1u);  // the complete waits behind its start
  EXPECT_EQ(report.summary.retried, 1u);
  EXPECT_EQ(report.summary.exit_code, kExitTempFail);
  auto names = queued();
  ASSERT_EQ(names.size(), 2u);
  auto failed = EventName::parse(names[0]);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->attempts, 1u);
  // Full jitter in [0, 50 ms] after the answer came, in milliseconds.
  const int64_t answered_ms = static_cast<int64_t>(clock_.wall() * 1000);
  EXPECT_LE(failed->due_ms, answered_ms + 51);
  EXPECT_GE(failed->due_ms, answered_ms - 20);
  EXPECT_EQ(report.next_due_ms, failed->due_ms);

  // 100 ms later the retry is due: the second run sends it, then the complete.
  clock_.advance(0.1);
  FakeTransport ok(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  report = flush(ok);
  EXPECT_EQ(report.summary.sent, 2u);
  EXPECT_TRUE(queued().empty());
}

TEST_F(FlushLoopTest, OldNamesWithADueSecondAreRetriedWhenThatSecondComes) {
  const int64_t due_s = static_cast<int64_t>(clock_.wall()) + 2;
  record(1, 's', "a", 1, due_s);  // written by a version with second due times
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  FlushReport report = flush(t);
  EXPECT_EQ(t.sent().size(), 0u);
  EXPECT_EQ(report.next_due_ms, due_s * 1000);
  EXPECT_EQ(report.summary.exit_code, 0);  // deferred by an earlier run: not counted
  clock_.advance(2.0);
  report = flush(t);
  EXPECT_EQ(report.summary.sent, 1u);
}

TEST_F(FlushLoopTest, GivesUpAfterOnePlusMaxRetriesAttempts) {
  record(1, 's', "a", 2, 0);  // two failed attempts already
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(500); });
  FlushReport report = flush(t);
  EXPECT_EQ(report.summary.dead, 1u);
  EXPECT_EQ(report.summary.exit_code, kExitDataErr);
  auto dead = list_names(*spool_, SpoolState::kDead);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(read_reason(*spool_, SpoolState::kDead, dead[0]), "gave up after 3 attempts; last: HTTP 500");
  // Dead under the final count, with no due time: list says "3 failed".
  EXPECT_EQ(EventName::parse(dead[0])->attempts, 3u);
  EXPECT_EQ(EventName::parse(dead[0])->due_ms, 0);
}

TEST_F(FlushLoopTest, RetryAfterWithinTheRunIsWaitedOut) {
  record(1, 's', "a");
  record(2, 's', "b");
  FakeTransport t(clock_, [](const HttpRequest&, size_t i) {
    return i == 0 ? answer(429, "3") : answer(200);
  });
  FlushReport report = flush(t);
  EXPECT_EQ(report.summary.sent, 2u);
  EXPECT_EQ(report.summary.retried, 0u);  // not an attempt
  EXPECT_EQ(report.summary.exit_code, 0);
  const auto& sent = t.sent();
  ASSERT_EQ(sent.size(), 3u);
  // Nothing is sent until the hold ends (b was already in flight): the 429
  // came at 0.01 s, so the hold ends on the wall clock's next whole second
  // after 3 s, at 4 s, and a is sent again then.
  EXPECT_NEAR(sent[1].at, 0, 1e-9);
  EXPECT_NEAR(sent[2].at, 4, 1e-6);
  EXPECT_EQ(sent[2].request.idempotency_key, sent[0].request.idempotency_key);
}

TEST_F(FlushLoopTest, RetryAfterBeyondTheRunStopsItAndIsKept) {
  options_.max_time = 10;
  config_.max_backoff = 300;
  record(1, 's', "a");
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(503, "120"); });
  FlushReport report = flush(t);
  EXPECT_EQ(report.summary.exit_code, kExitTempFail);
  EXPECT_EQ(report.summary.result, "held");
  EXPECT_EQ(t.sent().size(), 1u);
  // Answered at 0.01 s: kept until the wall clock's whole second after 120 s.
  EXPECT_EQ(read_root_state(*spool_).hold_until, static_cast<int64_t>(FakeClock::kEpoch) + 121);
  EXPECT_EQ(queued().size(), 1u);
  EXPECT_EQ(EventName::parse(queued()[0])->attempts, 0u);
  // The next run keeps to it: nothing is sent.
  FakeTransport again(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  report = flush(again);
  EXPECT_EQ(again.sent().size(), 0u);
  EXPECT_EQ(report.summary.result, "held");
}

// requeue clears the kept hold while a pass waits it out ("try now"): the
// pass reads the kept hold again every second and stops waiting.
TEST_F(FlushLoopTest, AHoldClearedWhileThePassWaitsEndsTheWait) {
  options_.max_time = 60;
  record(1, 's', "a");
  bool cleared = false;
  clock_.on_advance = [&](double mono) {
    if (!cleared && mono >= 5) {
      cleared = true;
      clear_hold(*spool_);
    }
  };
  FakeTransport t(clock_, [](const HttpRequest&, size_t i) {
    return i == 0 ? answer(429, "30") : answer(200);
  });
  FlushReport report = flush(t);
  EXPECT_EQ(report.summary.sent, 1u);
  ASSERT_EQ(t.sent().size(), 2u);
  EXPECT_GE(t.sent()[1].at, 5.0);
  EXPECT_LE(t.sent()[1].at, 5.0 + 1.5);  // not at 30 s
  EXPECT_EQ(read_root_state(*spool_).hold_until, 0);
}

// The hold kept is what the peer asked for, up to an hour or max_backoff if
// that is longer (answered at 0.01 s: the wall clock's next whole second).
TEST_F(FlushLoopTest, TheKeptHoldIsTheRetryAfterUpToItsBound) {
  options_.max_time = 10;
  struct Row {
    const char* retry_after;
    double max_backoff;
    int64_t hold;  // seconds after the request
  } rows[] = {
      {"30", 60, 31},
      {"99999999999", 60, 3601},
      {"7000", 60, 3601},
      {"7000", 7200, 7001},
      {"99999999999", 7200, 7201},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(std::string(row.retry_after) + " with max_backoff " +
                 std::to_string(row.max_backoff));
    clear_hold(*spool_);
    for (const std::string& n : queued()) remove_file(*spool_, SpoolState::kQueue, n);
    clock_.advance(std::ceil(clock_.mono()) + 100 - clock_.mono());  // a whole second
    const int64_t now = std::llround(clock_.wall());
    config_.max_backoff = row.max_backoff;
    record(1, 's', "a");
    const std::string ra = row.retry_after;
    FakeTransport t(clock_, [ra](const HttpRequest&, size_t) { return answer(429, ra); });
    FlushReport report = flush(t);
    EXPECT_EQ(report.summary.result, "held");
    EXPECT_EQ(t.sent().size(), 1u);
    EXPECT_EQ(read_root_state(*spool_).hold_until, now + row.hold);
  }
}

TEST_F(FlushLoopTest, AnOutageStopsTheRunAndKeepsEverything) {
  record(1, 's', "a");
  record(2, 's', "b");
  record(3, 's', "c");
  config_.concurrency = 1;
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return no_connection(); });
  FlushReport report = flush(t);
  EXPECT_EQ(t.sent().size(), 1u);
  EXPECT_EQ(report.summary.exit_code, kExitTempFail);
  EXPECT_EQ(report.summary.result, "outage");
  EXPECT_TRUE(report.outage);
  EXPECT_EQ(queued().size(), 3u);
  for (const std::string& n : queued()) EXPECT_EQ(EventName::parse(n)->attempts, 0u);
  ASSERT_FALSE(report.messages.empty());
  EXPECT_EQ(report.messages[0].rfind("cannot reach the coordinator at http://coordinator.test: ", 0), 0u)
      << report.messages[0];
}

// A load balancer's 502, a Collector's 503 from its memory limiter, or a
// 504: the peer is unavailable, as when it cannot be reached. However many runs
// meet it, no event is counted an attempt and none is dead-lettered.
TEST_F(FlushLoopTest, AnUnavailablePeerIsAnOutageInEveryRunAndNeverAnAttempt) {
  config_.max_retries = 0;  // dead at the first failed attempt, were it one
  config_.concurrency = 1;
  record(1, 's', "a");
  record(2, 's', "b");
  HttpResponse html = answer(502);
  html.body_start = "<html><head><title>502 Bad Gateway</title></head></html>";
  for (const HttpResponse& r : {answer(503), html, answer(504)}) {
    for (int run = 0; run < 3; ++run) {
      clock_.advance(60);
      FakeTransport t(clock_, [&r](const HttpRequest&, size_t) { return r; });
      FlushReport report = flush(t);
      SCOPED_TRACE(testing::Message() << "status " << r.status << " run " << run);
      EXPECT_EQ(t.sent().size(), 1u);  // the run stops at the first answer
      EXPECT_EQ(report.summary.exit_code, kExitTempFail);
      EXPECT_EQ(report.summary.result, "outage");
      EXPECT_TRUE(report.outage);  // --follow backs off as in any outage
      EXPECT_EQ(report.summary.retried, 0u);
      EXPECT_EQ(report.summary.dead, 0u);
      ASSERT_FALSE(report.messages.empty());
      EXPECT_EQ(report.messages[0].rfind("the coordinator at http://coordinator.test is unavailable: ", 0),
                0u)
          << report.messages[0];
    }
  }
  EXPECT_TRUE(list_names(*spool_, SpoolState::kDead).empty());
  ASSERT_EQ(queued().size(), 2u);
  for (const std::string& n : queued()) {
    EXPECT_EQ(EventName::parse(n)->attempts, 0u);
    EXPECT_EQ(EventName::parse(n)->due_ms, 0);
  }
  // 500 keeps its meaning: an attempt each, and with max_retries = 0 dead at once.
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(500); });
  FlushReport report = flush(t);
  EXPECT_EQ(report.summary.dead, 2u);
}

// A server that takes one event and never answers it (a poison event that
// hangs its handler) must not stop the rest: a timeout after sending is a
// failed attempt of that event, backed off and counted, and the run goes on
// with the others. Were it an outage, the whole backlog would wait behind
// that one event until max_age_days.
TEST_F(FlushLoopTest, ATimeoutAfterSendingIsAnAttemptAndTheOthersAreDelivered) {
  config_.concurrency = 1;
  record(1, 's', "poison");
  record(2, 's', "b");
  record(3, 's', "c");
  HttpResponse no_answer;
  no_answer.error = NetError::kNoAnswer;
  no_answer.error_text = "Operation timed out after 5000 milliseconds with 0 bytes received";
  const std::string poison = interaction_key("poison");
  FakeTransport t(clock_, [&](const HttpRequest& r, size_t) {
    return r.body.find("\"poison\"") != std::string::npos ? no_answer : answer(200);
  });
  FlushReport report = flush(t);
  EXPECT_FALSE(report.outage);
  EXPECT_EQ(report.summary.sent, 2u);
  EXPECT_EQ(report.summary.retried, 1u);
  EXPECT_EQ(report.summary.exit_code, kExitTempFail);
  ASSERT_EQ(queued().size(), 1u);
  EXPECT_EQ(EventName::parse(queued()[0])->attempts, 1u);
  EXPECT_EQ(EventName::parse(queued()[0])->interaction_key, poison);
  // With max_retries = 0 it is dead at its next failure, never blocking.
  config_.max_retries = 0;
  clock_.advance(3600);
  FakeTransport again(clock_, [&](const HttpRequest&, size_t) { return no_answer; });
  report = flush(again);
  EXPECT_EQ(report.summary.dead, 1u);
  EXPECT_EQ(report.summary.exit_code, kExitDataErr);
}

TEST_F(FlushLoopTest, ARejectedKeyStopsWith77) {
  record(1, 's', "a");
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(401); });
  FlushReport report = flush(t);
  EXPECT_EQ(report.summary.exit_code, kExitNoPerm);
  EXPECT_EQ(queued().size(), 1u);
  // The hint health and validate-key give too.
  EXPECT_EQ(report.hint, credentials_hint(SinkKind::kCoordinator, true));
}

TEST_F(FlushLoopTest, PermanentErrorsDeadLetterAtOnce) {
  record(1, 's', "a");
  FakeTransport t(clock_, [](const HttpRequest&, size_t) {
    HttpResponse r = answer(400);
    r.body_start = "{\"error\": \"bad\"}";
    return r;
  });
  FlushReport report = flush(t);
  EXPECT_EQ(report.summary.dead, 1u);
  auto dead = list_names(*spool_, SpoolState::kDead);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(read_reason(*spool_, SpoolState::kDead, dead[0]), "HTTP 400: {\"error\": \"bad\"}");
}

TEST_F(FlushLoopTest, TheCoordinatorRequestIsTheFileAndItsKey) {
  std::string file = record(1, 's', "a");
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  flush(t);
  ASSERT_EQ(t.sent().size(), 1u);
  const HttpRequest& r = t.sent()[0].request;
  EXPECT_EQ(r.url, "http://coordinator.test/api/v2/interactions");
  EXPECT_EQ(r.idempotency_key, event_id_of(file));
  EXPECT_TRUE(r.bearer);
  EXPECT_NE(r.body.find("\"interaction_start\""), std::string::npos);
}

TEST_F(FlushLoopTest, OrderSurvivesDeadLetters) {
  config_.max_retries = 0;
  std::string start = record(1, 's', "a");
  std::string complete = record(2, 'c', "a");
  FakeTransport fails(clock_, [](const HttpRequest&, size_t) { return answer(500); });
  FlushReport report = flush(fails);
  // The start dies; the complete is held: not sent, not counted as left.
  ASSERT_EQ(fails.sent().size(), 1u);
  EXPECT_EQ(report.summary.dead, 1u);
  EXPECT_EQ(report.summary.left, 0u);
  EXPECT_EQ(queued(), std::vector<std::string>{complete});
  // Later runs do not send it either, and exit 0.
  FakeTransport ok(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  report = flush(ok);
  EXPECT_EQ(ok.sent().size(), 0u);
  EXPECT_EQ(report.summary.exit_code, 0);
  // Requeueing the start releases both, in order.
  auto dead = list_names(*spool_, SpoolState::kDead);
  ASSERT_EQ(dead.size(), 1u);
  ASSERT_EQ(move_file(*spool_, SpoolState::kDead, dead[0], SpoolState::kQueue, start, false),
            SpoolOutcome::kDone);
  report = flush(ok);
  ASSERT_EQ(ok.sent().size(), 2u);
  EXPECT_EQ(ok.sent()[0].request.idempotency_key, event_id_of(start));
  EXPECT_EQ(ok.sent()[1].request.idempotency_key, event_id_of(complete));
}

// A sink of batches, to drive the batching rules through the loop.
class BatchSink : public Sink {
 public:
  explicit BatchSink(size_t max) : max_(max) {}
  size_t max_batch() const override { return max_; }
  std::string peer() const override { return "the collector at http://otel.test"; }
  std::vector<SinkRequest> requests(const std::vector<const QueuedEvent*>& batch) override {
    SinkRequest r;
    r.http.url = "http://otel.test/v1/logs";
    r.http.bearer = false;
    r.http.headers.push_back({"Content-Encoding", "identity"});
    for (const QueuedEvent* e : batch) r.http.body += e->event_id + " " + e->interaction_id + "\n";
    batches.push_back(batch.size());
    return {r};
  }
  BatchOutcome outcome(const HttpResponse& response, int, size_t n) override {
    BatchOutcome o;
    if (response.status == 200 && n >= 2) {
      o.rejected = 1;
      o.note = "one record refused";
    } else if (response.status >= 500) {
      o.kind = BatchOutcome::Kind::kRetry;
      o.detail = o.reason = "HTTP " + std::to_string(response.status);
    }
    return o;
  }
  std::vector<size_t> batches;

 private:
  size_t max_;
};

TEST_F(FlushLoopTest, ABatchSinkGetsConsecutiveEventsOfAnInteraction) {
  record(1, 's', "a");
  record(2, 's', "b");
  record(3, 'c', "a");
  record(4, 'c', "b");
  record(5, 's', "c");
  config_.concurrency = 1;
  BatchSink sink(3);
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  FlushReport report = flush(sink, t);
  EXPECT_EQ(report.summary.sent, 5u);
  // a:s a:c b:s first; b:c goes once b:s is deleted, which runs beside the
  // loop, so it may or may not join c:s in the second batch.
  ASSERT_GE(sink.batches.size(), 2u);
  EXPECT_EQ(sink.batches[0], 3u);
  size_t total = 0, multi = 0;
  for (size_t n : sink.batches) total += n, multi += n >= 2;
  EXPECT_EQ(total, 5u);
  EXPECT_EQ(report.summary.rejected, multi);  // one per batch of two or more
  EXPECT_FALSE(t.sent()[0].request.bearer);
  EXPECT_EQ(t.sent()[0].request.headers.size(), 1u);
  // The partial success is reported, not retried.
  ASSERT_FALSE(report.messages.empty());
  EXPECT_EQ(report.messages[0], "the collector at http://otel.test refused 1 record: one record refused");
}

// A receiver that refuses requests of more than 2 events, or with the
// event "big", as too large (a 413): the loop sends smaller batches, and
// only the event too large alone is dead-lettered.
class TooLargeSink : public BatchSink {
 public:
  TooLargeSink() : BatchSink(16) {}
  BatchOutcome outcome(const HttpResponse& response, int, size_t) override {
    BatchOutcome o;
    if (response.status == 413) {
      o.kind = BatchOutcome::Kind::kTooLarge;
      o.reason = "HTTP 413: too large";
      o.category = "HTTP 413";
    }
    return o;
  }
};

TEST_F(FlushLoopTest, ABatchRefusedAsTooLargeIsSentAgainInSmallerOnes) {
  for (int k = 0; k < 7; ++k) record(k + 1, 's', "i" + std::to_string(k));
  record(8, 's', "big");
  record(9, 's', "i8");
  config_.concurrency = 1;
  TooLargeSink sink;
  FakeTransport t(clock_, [](const HttpRequest& r, size_t) {
    return answer(r.body.find(" big\n") != std::string::npos ||
                          std::count(r.body.begin(), r.body.end(), '\n') > 2
                      ? 413
                      : 200);
  });
  FlushReport report = flush(sink, t);
  EXPECT_EQ(report.summary.sent, 8u);
  EXPECT_EQ(report.summary.dead, 1u);
  EXPECT_EQ(report.summary.retried, 0u);
  EXPECT_EQ(sink.batches.front(), 9u);
  EXPECT_EQ(sink.batches.back(), 1u);
  for (size_t n : sink.batches) EXPECT_LE(n, 9u);
  ASSERT_EQ(list_names(*spool_, SpoolState::kDead).size(), 1u);
  EXPECT_EQ(interaction_key_of(list_names(*spool_, SpoolState::kDead)[0]), interaction_key("big"));
  EXPECT_TRUE(queued().empty());
  ASSERT_GE(report.messages.size(), 1u);
  EXPECT_EQ(report.messages[0],
            "the collector refused a request of 9 events as too large (HTTP 413): sending smaller "
            "batches");
}

TEST_F(FlushLoopTest, AFailedBatchCountsAnAttemptForEachEvent) {
  record(1, 's', "a");
  record(2, 'c', "a");
  BatchSink sink(10);
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(500); });
  FlushReport report = flush(sink, t);
  EXPECT_EQ(report.summary.retried, 2u);
  for (const std::string& n : queued()) EXPECT_EQ(EventName::parse(n)->attempts, 1u);
  // max_events counts events, not requests.
  options_.max_events = 1;
  clock_.advance(1);
  FakeTransport ok(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  report = flush(sink, ok);
  EXPECT_EQ(report.summary.sent, 1u);
  EXPECT_EQ(sink.batches.back(), 1u);
}

// A sink of two signals, as the OTLP one: a request per part, the second
// only for batches with an end; it keeps starts, and its requests' bodies
// show what it was handed back of them.
class TwoPartSink : public Sink {
 public:
  size_t batch = 10;
  size_t max_batch() const override { return batch; }
  std::string peer() const override { return "the OTLP endpoint at http://otel.test"; }
  bool keeps_starts() const override { return true; }
  std::vector<SinkRequest> requests(const std::vector<const QueuedEvent*>& batch) override {
    SinkRequest logs, spans;
    logs.http.url = "http://otel.test/v1/logs";
    spans.http.url = "http://otel.test/v1/traces";
    logs.part = 1;
    for (const QueuedEvent* e : batch) {
      logs.http.body += std::string(1, e->action) + ":" + e->interaction_id + " ";
      if (e->action == 'c' || e->action == 'e')
        spans.http.body += e->interaction_id + (e->started_body.empty() ? "(no start) " : "(kept start) ");
    }
    std::vector<SinkRequest> out;
    if (!spans.http.body.empty()) out.push_back(spans);
    out.push_back(logs);
    return out;
  }
  BatchOutcome outcome(const HttpResponse& response, int part, size_t) override {
    parts.push_back(part);
    if (response.status == 200) {
      BatchOutcome o;
      if (response.retry_after == "partial") {
        o.rejected = 1;
        o.rejected_what = part == 0 ? "span" : "record";
      }
      return o;
    }
    return batch_outcome(classify(response, Peer::kOtlp), response);
  }
  std::vector<int> parts;
};

std::string bodies(const FakeTransport& t) {
  std::string out;
  for (const auto& s : t.sent()) out += s.request.url.substr(20) + " " + s.request.body + "| ";
  return out;
}

TEST_F(FlushLoopTest, ABatchIsDeliveredOnlyWhenEverySignalTookIt) {
  record(1, 's', "a");
  record(2, 'c', "a");
  TwoPartSink sink;
  // The logs are taken, the spans are not: both stay, and the next run
  // sends both again (the records twice, which at least once allows).
  FakeTransport t(clock_, [](const HttpRequest& r, size_t) {
    return answer(r.url.find("traces") != std::string::npos ? 500 : 200);
  });
  FlushReport report = flush(sink, t);
  EXPECT_EQ(bodies(t), "traces a(no start) | logs s:a c:a | ");
  EXPECT_EQ(report.summary.sent, 0u);
  EXPECT_EQ(report.summary.dead, 2u);  // OTLP's 500 is not retried
  // Dead letters keep the spans' reason; the next batch is whole again.
  EXPECT_EQ(list_names(*spool_, SpoolState::kDead).size(), 2u);
  for (auto status : {503, 401}) {
    record(10, 's', "b");
    record(11, 'c', "b");
    FakeTransport u(clock_, [status](const HttpRequest& r, size_t) {
      return answer(r.url.find("logs") != std::string::npos ? status : 200);
    });
    report = flush(sink, u);
    EXPECT_EQ(report.summary.sent, 0u) << status;
    EXPECT_EQ(queued().size(), 2u) << status;  // an outage or a refused key keeps both
    EXPECT_EQ(report.summary.exit_code, status == 503 ? 75 : 77);
    for (const std::string& n : queued()) EXPECT_EQ(EventName::parse(n)->attempts, 0u);
    for (const std::string& n : queued()) remove_file(*spool_, SpoolState::kQueue, n);
  }
}

TEST_F(FlushLoopTest, AKeptStartComesBackWithItsEndAndGoesAfterIt) {
  record(1, 's', "a");
  TwoPartSink sink;
  FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  FlushReport report = flush(sink, t);
  EXPECT_EQ(report.summary.sent, 1u);
  EXPECT_TRUE(queued().empty());
  // The start left the queue into started/, named by its interaction.
  EXPECT_EQ(list_names(*spool_, SpoolState::kStarted), std::vector<std::string>{"a"});
  record(2, 'p', "a");
  record(3, 'c', "a");
  FakeTransport u(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  report = flush(sink, u);
  EXPECT_EQ(report.summary.sent, 2u);
  EXPECT_EQ(bodies(u), "traces a(kept start) | logs p:a c:a | ");
  EXPECT_TRUE(list_names(*spool_, SpoolState::kStarted).empty());
  EXPECT_TRUE(queued().empty());
  // A start whose end is in its batch is never kept.
  record(4, 's', "b");
  record(5, 'c', "b");
  FakeTransport v(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  flush(sink, v);
  EXPECT_EQ(bodies(v), "traces b(no start) | logs s:b c:b | ");
  EXPECT_TRUE(list_names(*spool_, SpoolState::kStarted).empty());
  // A failed end leaves the kept start where it is.
  record(6, 's', "c");
  FakeTransport w(clock_, [](const HttpRequest&, size_t) { return answer(200); });
  flush(sink, w);
  record(7, 'e', "c");
  FakeTransport x(clock_, [](const HttpRequest&, size_t) { return answer(400); });
  report = flush(sink, x);
  EXPECT_EQ(report.summary.dead, 1u);
  EXPECT_EQ(list_names(*spool_, SpoolState::kStarted), std::vector<std::string>{"c"});
}

TEST_F(FlushLoopTest, AStartIsInStartedBeforeTheNextEventsOfItsBatchAreDeleted) {
  // A batch [start, progress] whose end comes in the next batch: the end is
  // loaded once the progress is deleted (on the Unlinker's threads), and
  // must find the start in started/ by then, however the threads run.
  TwoPartSink sink;
  sink.batch = 2;
  for (int k = 0; k < 100; ++k) {
    const std::string iid = "i" + std::to_string(k);
    record(3 * k + 1, 's', iid);
    record(3 * k + 2, 'p', iid);
    record(3 * k + 3, 'c', iid);
    FakeTransport t(clock_, [](const HttpRequest&, size_t) { return answer(200); });
    flush(sink, t);
    ASSERT_EQ(bodies(t), "logs s:" + iid + " p:" + iid + " | traces " + iid + "(kept start) | logs c:" +
                             iid + " | ");
    ASSERT_TRUE(list_names(*spool_, SpoolState::kStarted).empty());
  }
}

TEST_F(FlushLoopTest, TheThrottleCountsEachRequestOfABatch) {
  config_.rate_limit = 1;
  config_.rate_period = 1.0;
  record(1, 's', "a");
  record(2, 'c', "a");
  TwoPartSink sink;
  FakeTransport t(clock_, [](const HttpRequest& r, size_t) {
    return answer(200, r.url.find("logs") != std::string::npos ? "partial" : "partial");
  });
  FlushReport report = flush(sink, t);
  ASSERT_EQ(t.sent().size(), 2u);
  EXPECT_GE(t.sent()[1].at - t.sent()[0].at, 1.0);  // one request a second, parts too
  EXPECT_EQ(report.summary.sent, 2u);
  // Both parts' partial successes add up, on one line.
  EXPECT_EQ(report.summary.rejected, 2u);
  ASSERT_EQ(report.messages.size(), 1u);
  EXPECT_EQ(report.messages[0], "the OTLP endpoint at http://otel.test refused 1 span and 1 record");
}

TEST(CombineTest, TheAnswerThatMattersMostDecides) {
  using Kind = BatchOutcome::Kind;
  const Kind kinds[] = {Kind::kDelivered, Kind::kRetry,  Kind::kTooLarge,   Kind::kDead,
                        Kind::kHold,      Kind::kOutage, Kind::kKeyRejected};
  for (size_t i = 0; i < std::size(kinds); ++i)
    for (size_t j = 0; j < std::size(kinds); ++j) {
      BatchOutcome a, b;
      a.kind = kinds[i];
      b.kind = kinds[j];
      EXPECT_EQ(combine(a, b).kind, kinds[std::max(i, j)]) << i << " " << j;
    }
  BatchOutcome a, b;
  a.rejected = 2;
  a.rejected_what = "span";
  a.note = "too old";
  b.rejected = 3;
  b.note = "too big";
  BatchOutcome c = combine(a, b);
  EXPECT_EQ(c.rejected, 5u);
  // Which were spans and which log records, each with its message.
  EXPECT_EQ(refused_text(c), "2 spans (too old) and 3 records (too big)");
  EXPECT_EQ(combine(BatchOutcome(), b).rejected_what, "record");
  EXPECT_EQ(refused_text(combine(BatchOutcome(), b)), "3 records: too big");
  // Two requests of one signal: one count, both messages.
  BatchOutcome d = b;
  d.note = "too new";
  EXPECT_EQ(refused_text(combine(b, d)), "6 records: too big; too new");
}

}  // namespace
}  // namespace mcpr
