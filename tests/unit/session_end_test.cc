// The end of a proxy session: what the spool writer's queue could not write
// by its deadline, or when a signal cut the wait short, is counted as
// dropped with the run it was in, and the reason says which (man page PROXY).
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// g++ says ASan with __SANITIZE_ADDRESS__, clang (the sanitizer build of
// scripts/test.sh) with __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
#define MCPR_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MCPR_TEST_ASAN 1
#endif
#endif
#if defined(MCPR_TEST_ASAN)
#include <sanitizer/lsan_interface.h>
#endif

#include "fake_clock.h"
#include "src/proxy/proxy.h"
#include "src/proxy/recording_queue.h"
#include "src/proxy/session_close.h"

namespace mcpr {
namespace {

ProxyEvent event(int i) { return {Action::kStart, "i", std::to_string(i), 0}; }

// A writer that takes its first run and then waits until released: the
// state outlives the queue, whose abandoned thread may still hold it.
struct HeldWriter {
  std::mutex mutex;
  std::condition_variable cv;
  bool released = false;
  bool in_run = false;
  size_t first_run = 0;  // the events of the run it holds
  void release() {
    std::lock_guard<std::mutex> lock(mutex);
    released = true;
    cv.notify_all();
  }
  void await_run() {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [this] { return in_run; });
  }
};

RecordingQueue::ConsumeRun held(std::shared_ptr<HeldWriter> w) {
  return [w](std::vector<ProxyEvent>& run, std::string&) -> size_t {
    std::unique_lock<std::mutex> lock(w->mutex);
    if (!w->in_run) w->first_run = run.size();
    w->in_run = true;
    w->cv.notify_all();
    w->cv.wait(lock, [&] { return w->released; });
    return run.size();
  };
}

// Leaves a queue whose writer thread may still run, as the proxy does (it
// then _exits); under ASan the abandoned queue is not reported as a leak.
void abandon(std::unique_ptr<RecordingQueue> queue) {
  RecordingQueue* left = queue.release();
#if defined(MCPR_TEST_ASAN)
  __lsan_ignore_object(left);
#else
  (void)left;
#endif
}

std::unique_ptr<RecordingQueue> held_queue(std::shared_ptr<HeldWriter> w, FakeClock& clock) {
  return std::make_unique<RecordingQueue>(10000, 1 << 20, held(std::move(w)),
                                          std::chrono::milliseconds(0),
                                          std::chrono::milliseconds(0), clock);
}

TEST(SessionEndTest, TheDeadlineCountsTheQueueAndTheRunBeingWritten) {
  FakeClock clock;
  auto writer = std::make_shared<HeldWriter>();
  auto queue = held_queue(writer, clock);
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(queue->push(event(i)));
  writer->await_run();  // it writes a run of 256; 44 wait
  bool finished = true;
  std::thread ending([&] { finished = queue->finish(std::chrono::milliseconds(5000)); });
  ASSERT_TRUE(clock.await_waiting_threads(1));
  clock.advance(5);
  ending.join();
  EXPECT_FALSE(finished);  // the writer is still in its run: the caller must _exit
  EXPECT_EQ(queue->consumed(), 0u);
  EXPECT_EQ(queue->dropped(), 300u);
  EXPECT_EQ(queue->dropped_at_end(), 300u);
  EXPECT_EQ(queue->dropped_full(), 0u);
  EXPECT_FALSE(queue->push(event(1)));
  EXPECT_EQ(queue->dropped_at_end(), 301u);  // a late push counts at the end, not as full
  writer->release();
  abandon(std::move(queue));  // as the proxy does: its thread may still run
}

TEST(SessionEndTest, ASignalCutsTheWaitShortWithoutTheClockMoving) {
  FakeClock clock;
  auto writer = std::make_shared<HeldWriter>();
  auto queue = held_queue(writer, clock);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(queue->push(event(i)));
  writer->await_run();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue->push(event(i)));
  std::thread cut([&] {
    ASSERT_TRUE(clock.await_waiting_threads(1));
    queue->cut_short();
  });
  EXPECT_FALSE(queue->finish(std::chrono::milliseconds(5000)));  // a hang is the failure
  cut.join();
  EXPECT_EQ(queue->dropped_at_end(), 15u);
  writer->release();
  abandon(std::move(queue));
}

TEST(SessionEndTest, ACutTrackerEndsItsRunAndDropsTheRest) {
  FakeClock clock;
  auto writer = std::make_shared<HeldWriter>();
  auto owned = held_queue(writer, clock);
  RecordingQueue& queue = *owned;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(queue.push(event(i)));
  writer->await_run();
  // The writer woke at the first push or later: its run holds 1 to 3 events.
  const size_t run = writer->first_run;
  ASSERT_GE(run, 1u);
  ASSERT_LE(run, 3u);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(queue.push(event(i)));
  queue.cut_short(true);
  std::thread release([&] {
    ASSERT_TRUE(clock.await_waiting_threads(1));  // finish() waits for the run
    writer->release();
  });
  EXPECT_TRUE(queue.finish(std::chrono::milliseconds(5000)));
  release.join();
  EXPECT_EQ(queue.consumed(), run);  // the run it was in is written
  EXPECT_EQ(queue.dropped_at_end(), 7u - run);  // the rest, never started, dropped
}

// Each cause of the drops is named once, and truly: the spool writer's
// queue, or the tracker's own (review F14.8: a flood of lines the tracker
// could not take was blamed on the spool writer, with 0 events dropped).
TEST(SessionEndTest, TheReasonNamesEachCauseOnce) {
  const SessionFinish end{std::chrono::milliseconds(5000), "the server exited"};
  struct Row {
    bool failed, events_full, lines_full, at_end;
    int signal;
    std::string want;
  };
  const Row rows[] = {
      {false, false, false, false, 0, ""},
      {false, true, false, false, 0, "the spool writer could not keep up (queue full)"},
      {false, false, true, false, 0, "the tracker could not keep up (its queue full)"},
      {false, true, true, false, 0,
       "the tracker could not keep up (its queue full); the spool writer could not keep up "
       "(queue full)"},
      {false, false, false, true, 0, "not written within 5 s after the server exited"},
      {false, false, false, true, SIGTERM,
       "SIGTERM after the server exited cut the final write short"},
      {false, false, false, false, SIGTERM, ""},
      {true, true, false, true, SIGHUP,
       "disk full; the spool writer could not keep up (queue full); SIGHUP after the server "
       "exited cut the final write short"},
  };
  for (const Row& r : rows)
    EXPECT_EQ(drop_reason("disk full", r.failed, r.events_full, r.lines_full, r.at_end, end,
                          r.signal),
              r.want);
}

// Who ended the calls still open, and where their processing_time ends: a
// row is the steps the proxy saw (at times 1, 2, ...) and the closings they
// make, "how message @time".
TEST(SessionEndTest, WhoEndedTheOpenCallsAndWhen) {
  using K = SessionStep::Kind;
  struct Step {
    K kind;
    const char* how = "";
    bool shutdown = false;
  };
  struct Row {
    const char* name;
    std::vector<Step> steps;
    std::vector<std::string> want;
  };
  const char* exited0 = "the server exited with status 0";
  const Row rows[] = {
      {"the client closes our stdin, the server exits 0: the client left at 1",
       {{K::kClientInputEnded}, {K::kServerExited, exited0, true}},
       {"ClientClosed the client closed its input before the response (the server exited with "
        "status 0) @1"}},
      {"the server fails after the client's input ended: the server's",
       {{K::kClientInputEnded}, {K::kServerExited, "the server exited with status 4", false}},
       {"ServerExited the server exited with status 4 before the response @2"}},
      {"the server dies while the client is there",
       {{K::kServerExited, "the server was killed by signal 9", false}},
       {"ServerExited the server was killed by signal 9 before the response @1"}},
      {"a client killed mid-call: its stdin ends, then it is found gone (F1): it left at 1, "
       "ended at once though the server says nothing",
       {{K::kClientInputEnded}, {K::kClientGone}, {K::kServerExited, exited0, true}},
       {"ClientClosed the client closed its end before the response @1",
        "ClientClosed the client closed its input before the response (the server exited with "
        "status 0) @1"}},
      {"a client that stops reading first: gone when a write fails",
       {{K::kClientGone}, {K::kClientInputEnded}},
       {"ClientClosed the client closed its end before the response @1"}},
      {"an SDK client's close(): stdin, then SIGTERM to a server slow to exit (F5): ended at "
       "the signal, as left at 1",
       {{K::kClientInputEnded}, {K::kSignal, "SIGTERM"}, {K::kServerExited, "the server was "
                                                          "killed by signal 9", false}},
       {"ClientClosed SIGTERM reached the proxy before the response (after the client closed "
        "its input) @1",
        "ClientClosed SIGTERM reached the proxy before the response (the server was killed by "
        "signal 9) @1"}},
      {"SIGTERM to the proxy with the client connected (F9): not the server's failure",
       {{K::kSignal, "SIGTERM"}, {K::kServerExited, "the server was killed by signal 15", true}},
       {"ClientClosed SIGTERM reached the proxy before the response @1",
        "ClientClosed SIGTERM reached the proxy before the response (the server was killed by "
        "signal 15) @2"}},
  };
  for (const Row& row : rows) {
    SessionCloser closer;
    std::vector<std::string> got;
    int64_t t = 0;
    for (const Step& s : row.steps) {
      ++t;
      std::optional<SessionClosing> c = closer.on({s.kind, {t, t}, s.how, s.shutdown});
      if (!c) continue;
      got.push_back(std::string(c->how == SessionEnd::kClientClosed ? "ClientClosed " : "ServerExited ") +
                    c->message + " @" + std::to_string(c->at.mono_us));
    }
    EXPECT_EQ(got, row.want) << row.name;
  }
}

}  // namespace
}  // namespace mcpr
