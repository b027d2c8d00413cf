// The state changes of one event: each is done, or finds the event gone
// (someone else moved it first), and throws only when the file system fails.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "spool/event_name.h"
#include "spool/operations.h"
#include "spool/spool.h"
#include "spool/writer.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

using SpoolOpsTest = TempDirTest;

EventName failed_twice() {
  EventName n;
  n.timestamp_us = 1764000000123456;
  n.action = 's';
  n.interaction_key = "job-1";
  n.attempts = 2;
  n.due_ms = 1764000300250;
  return n;
}

// Where an event should be after an operation that was done.
struct Expect {
  SpoolState state;
  unsigned attempts;
  int64_t due_ms;
  std::string reason;  // "" when no reason file is kept
};

struct Row {
  const char* name;
  SpoolState starts_in;
  std::function<SpoolOutcome(const Spool&, const std::string&, SpoolState)> op;
  Expect expect;
};

const std::vector<Row>& rows() {
  static const auto requeue_it = [](const Spool& s, const std::string& f, SpoolState st) {
    return requeue(s, {st, f}, false);
  };
  static const std::vector<Row> kRows = {
      {"reschedule", SpoolState::kQueue,
       [](const Spool& s, const std::string& f, SpoolState) {
         return reschedule(s, f, 3, 1764000999000).outcome;
       },
       {SpoolState::kQueue, 3, 1764000999000, ""}},
      {"bury keeps the name", SpoolState::kQueue,
       [](const Spool& s, const std::string& f, SpoolState) {
         return bury(s, f, "HTTP 400: bad", false);
       },
       {SpoolState::kDead, 2, 1764000300250, "HTTP 400: bad"}},
      {"bury stores a server's escape sequences and newlines escaped, on one line",
       SpoolState::kQueue,
       [](const Spool& s, const std::string& f, SpoolState) {
         return bury(s, f, "HTTP 422: bad \x1b[31mRED\x07\nX-Fake: 1", false);
       },
       {SpoolState::kDead, 2, 1764000300250, "HTTP 422: bad \\x1b[31mRED\\x07\\nX-Fake: 1"}},
      {"bury with a final count", SpoolState::kQueue,
       [](const Spool& s, const std::string& f, SpoolState) {
         return bury(s, f, "gave up after 3 attempts", false, 3);
       },
       {SpoolState::kDead, 3, 0, "gave up after 3 attempts"}},
      {"quarantine", SpoolState::kQueue,
       [](const Spool& s, const std::string& f, SpoolState) {
         return quarantine(s, f, "not JSON", false);
       },
       {SpoolState::kCorrupt, 2, 1764000300250, "not JSON"}},
      {"requeue from dead", SpoolState::kDead, requeue_it, {SpoolState::kQueue, 0, 0, ""}},
      {"requeue from corrupt", SpoolState::kCorrupt, requeue_it, {SpoolState::kQueue, 0, 0, ""}},
  };
  return kRows;
}

// An event of `failed_twice()` in `state`, with a reason beside it outside queue/.
std::string place(const Spool& spool, SpoolState state) {
  EventName name = failed_twice();
  std::string file = enqueue(spool, name, "{}", false);
  if (state != SpoolState::kQueue) {
    EXPECT_EQ(move_file(spool, SpoolState::kQueue, file, state, file, false), SpoolOutcome::kDone);
    std::ofstream(spool.path(state, file + kReasonSuffix)) << "old reason\n";
  }
  return file;
}

size_t files_in(const Spool& spool, SpoolState state) {
  return list_names(spool, state).size() + list_names(spool, state, true).size();
}

TEST_F(SpoolOpsTest, EachOperationIsDone) {
  for (const Row& row : rows()) {
    SCOPED_TRACE(row.name);
    Spool spool = Spool::open(path(row.name), true);
    std::string file = place(spool, row.starts_in);
    EXPECT_EQ(row.op(spool, file, row.starts_in), SpoolOutcome::kDone);
    std::vector<std::string> there = list_names(spool, row.expect.state);
    ASSERT_EQ(there.size(), 1u);
    std::optional<EventName> parsed = EventName::parse(there[0]);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->event_id(), std::string(event_id_of(file)));  // the same event
    EXPECT_EQ(parsed->attempts, row.expect.attempts);
    EXPECT_EQ(parsed->due_ms, row.expect.due_ms);
    EXPECT_EQ(read_reason(spool, row.expect.state, there[0]), row.expect.reason);
    // Nothing left behind: one event (and its reason, if any) in all.
    size_t total = 0;
    for (SpoolState s : kAllStates) total += files_in(spool, s);
    EXPECT_EQ(total, row.expect.reason.empty() ? 1u : 2u);
  }
}

TEST_F(SpoolOpsTest, EachOperationFindsAnEventGoneAndLeavesNothing) {
  for (const Row& row : rows()) {
    SCOPED_TRACE(row.name);
    Spool spool = Spool::open(path(row.name), true);
    std::string file = place(spool, row.starts_in);
    // Another process took it first (a delete, another flusher's move).
    ASSERT_EQ(remove_file(spool, row.starts_in, file), SpoolOutcome::kDone);
    EXPECT_EQ(row.op(spool, file, row.starts_in), SpoolOutcome::kGone);
    for (SpoolState s : kAllStates) EXPECT_EQ(files_in(spool, s), 0u) << state_name(s);
  }
}

TEST_F(SpoolOpsTest, RemoveIsDoneThenGone) {
  Spool spool = Spool::open(path("s"), true);
  std::string file = place(spool, SpoolState::kDead);
  EXPECT_EQ(remove_file(spool, SpoolState::kDead, file), SpoolOutcome::kDone);
  EXPECT_EQ(files_in(spool, SpoolState::kDead), 0u);  // its reason went with it
  EXPECT_EQ(remove_file(spool, SpoolState::kDead, file), SpoolOutcome::kGone);
}

TEST_F(SpoolOpsTest, SettingAsideOverAKilledWritersReasonTempFileIsDone) {
  // A flusher killed (or a power loss) between writing a reason's temp file
  // and renaming it leaves tmp/<name>#reason: the next flush must still be
  // able to dead-letter that event (it failed with "File exists", exit 73,
  // until cleanup swept tmp/ an hour later).
  for (bool corrupt : {false, true}) {
    Spool spool = Spool::open(path(corrupt ? "corrupt" : "dead"), true);
    std::string file = place(spool, SpoolState::kQueue);
    std::ofstream(spool.path(SpoolState::kTmp, file + kReasonSuffix)) << "half";
    SpoolOutcome done = corrupt ? quarantine(spool, file, "not JSON", true)
                                : bury(spool, file, "HTTP 400: bad", true);
    EXPECT_EQ(done, SpoolOutcome::kDone);
    SpoolState to = corrupt ? SpoolState::kCorrupt : SpoolState::kDead;
    EXPECT_EQ(list_names(spool, to), std::vector<std::string>{file});
    EXPECT_EQ(read_reason(spool, to, file), corrupt ? "not JSON" : "HTTP 400: bad");
    EXPECT_EQ(files_in(spool, SpoolState::kTmp), 0u);
  }
}

TEST_F(SpoolOpsTest, RemovedEventsAreCountedOnceWithTheirReasons) {
  Spool spool = Spool::open(path("s"), true);
  std::vector<SpooledFile> files = {{SpoolState::kDead, place(spool, SpoolState::kDead)},
                                    {SpoolState::kQueue, place(spool, SpoolState::kQueue)}};
  EXPECT_EQ(remove_events(spool, files), 2u);
  for (SpoolState s : kAllStates) EXPECT_EQ(files_in(spool, s), 0u) << state_name(s);
  EXPECT_EQ(remove_events(spool, files), 0u);  // gone already: not counted
}

TEST_F(SpoolOpsTest, AFailingRenameThrowsAnIoError) {
  Spool spool = Spool::open(path("s"), true);
  std::string file = place(spool, SpoolState::kQueue);
  // A non-empty folder where the dead event must go: rename(2) fails, and
  // that is not "gone".
  std::filesystem::create_directories(spool.path(SpoolState::kDead, file + "/x"));
  try {
    bury(spool, file, "HTTP 400: bad", false);
    FAIL() << "no error";
  } catch (const SpoolError& e) {
    EXPECT_EQ(e.kind(), SpoolError::Kind::kIo);
    EXPECT_NE(e.error_number(), 0);
  }
  EXPECT_EQ(list_names(spool, SpoolState::kQueue), std::vector<std::string>{file});
}

}  // namespace
}  // namespace mcpr
