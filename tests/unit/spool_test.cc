#include "spool/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <set>

#include "spool/admin.h"
#include "spool/cleanup.h"
#include "spool/event_name.h"
#include "spool/flush_lock.h"
#include "spool/operations.h"
#include "spool/writer.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

namespace fs = std::filesystem;

using SpoolTest = TempDirTest;

EventName sample_name(const std::string& iid = "job-1") {
  EventName n;
  n.timestamp_us = 1764000000123456;
  n.action = 's';
  n.interaction_key = interaction_key(iid);
  return n;
}

size_t count_files(const std::string& dir) {
  size_t n = 0;
  for (auto& e : fs::directory_iterator(dir)) (void)e, ++n;
  return n;
}

TEST(EventNameTest, FormatsAndParsesBack) {
  EventName n = sample_name("int_1764000000_9f8e7d6c");
  n.unique = "3fa9c01e0001";
  EXPECT_EQ(n.format(), "1764000000123456-3fa9c01e0001.s.int_1764000000_9f8e7d6c");
  n.attempts = 2;
  n.due_ms = 1764000300250;
  EXPECT_EQ(n.format(), "1764000000123456-3fa9c01e0001.s.int_1764000000_9f8e7d6c,2,1764000300250");
  auto parsed = EventName::parse(n.format());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->timestamp_us, n.timestamp_us);
  EXPECT_EQ(parsed->unique, n.unique);
  EXPECT_EQ(parsed->interaction_key, n.interaction_key);
  EXPECT_EQ(parsed->attempts, 2u);
  EXPECT_EQ(parsed->due_ms, 1764000300250);
  EXPECT_EQ(event_id_of(n.format()), "1764000000123456-3fa9c01e0001");
}

// An interaction id stands in a file name as its key: the ids the
// recording commands take as they are, any other (import takes what the old
// reporter sent) escaped byte by byte, and one too long for a name hashed.
TEST(EventNameTest, InteractionKeys) {
  const std::string long_plain(129, 'x');  // plain characters, over 128
  const std::pair<std::string, std::string> cases[] = {
      {"int_1764000000_9f8e7d6c", "int_1764000000_9f8e7d6c"},
      {"a.b:c-d_E", "a.b:c-d_E"},
      {std::string(128, 'y'), std::string(128, 'y')},
      {long_plain, long_plain},
      {"task 42/\xce\xb1", "task%2042%2F%CE%B1"},
      {"50%", "50%25"},
      {"a,b", "a%2Cb"},
      {"..", ".."},
      {"../etc/passwd", "..%2Fetc%2Fpasswd"},
      {"\xe4\xbb\xbb\xe5\x8a\xa1#7", "%E4%BB%BB%E5%8A%A1%237"},
  };
  for (const auto& [id, key] : cases) {
    EXPECT_EQ(interaction_key(id), key) << id;
    EXPECT_TRUE(valid_interaction_key(key)) << key;
    EXPECT_EQ(id_of_interaction_key(key).value_or("?"), id) << key;
    EXPECT_EQ(key.find_first_of(",/"), std::string::npos) << key;
  }
  // Too long for a file name once escaped: a hash, the same for the same id.
  const std::string hashed = interaction_key(std::string(100, ' '));
  EXPECT_EQ(hashed.size(), 18u);
  EXPECT_EQ(hashed.rfind("%%", 0), 0u);
  EXPECT_TRUE(valid_interaction_key(hashed));
  EXPECT_FALSE(id_of_interaction_key(hashed));
  EXPECT_EQ(interaction_key(std::string(100, ' ')), hashed);
  EXPECT_NE(interaction_key(std::string(101, ' ')), hashed);
  EXPECT_LE(interaction_key(std::string(1000, 'z')).size(), 160u);
  // Keys no id gives.
  for (const char* bad : {"", "a b", "a%2", "a%zz", "a%2c", "%%12", "%%0123456789abcdeg", "a/b",
                          "a,b", "%%0123456789abcdef0"})
    EXPECT_FALSE(valid_interaction_key(bad)) << bad;
  // A name carries the key, and the parser hands it back.
  EventName n = sample_name("task 42/\xce\xb1");
  n.unique = "3fa9c01e0001";
  EXPECT_EQ(n.format(), "1764000000123456-3fa9c01e0001.s.task%2042%2F%CE%B1");
  EXPECT_EQ(EventName::parse(n.format())->interaction_key, "task%2042%2F%CE%B1");
  EXPECT_EQ(interaction_key_of(n.format() + ",1,1764000300250"), "task%2042%2F%CE%B1");
}

TEST(EventNameTest, OlderNamesWithDueSecondsAreReadAsMilliseconds) {
  const std::pair<const char*, int64_t> cases[] = {
      {"1764000000123456-3fa9c01e0001.s.x,1,1764000300", 1764000300000},     // seconds
      {"1764000000123456-3fa9c01e0001.s.x,1,1764000300001", 1764000300001},  // ms
      {"1764000000123456-3fa9c01e0001.s.x,1,0", 0},
      {"1764000000123456-3fa9c01e0001.s.x,1,99999999999", 99999999999000},
      {"1764000000123456-3fa9c01e0001.s.x,1,100000000000", 100000000000},
      // Seconds before 1973 (found by fuzz_event_name): lifted so that the
      // formatted name reads back the same.
      {"1764000000123456-3fa9c01e0001.s.x,2,1764150", 100000000000},
  };
  for (const auto& [name, due_ms] : cases) {
    auto parsed = EventName::parse(name);
    ASSERT_TRUE(parsed) << name;
    EXPECT_EQ(parsed->due_ms, due_ms) << name;
    EXPECT_EQ(interaction_key_of(name), "x");
    auto again = EventName::parse(parsed->format());
    ASSERT_TRUE(again) << name;
    EXPECT_EQ(again->due_ms, parsed->due_ms) << name;
  }
}

TEST(EventNameTest, RejectsWhatIsNotOurs) {
  for (const char* bad :
       {"", "junk", "1764000000123456-3fa9c01e0001.s.", "176400000012345x-3fa9c01e0001.s.x",
        "1764000000123456-3fa9c01e000Z.s.x", "1764000000123456-3fa9c01e0001.q.x",
        "1764000000123456-3fa9c01e0001.s.x,1", "1764000000123456-3fa9c01e0001.s.x,a,b",
        "1764000000123456_3fa9c01e0001.s.x"}) {
    EXPECT_FALSE(EventName::parse(bad)) << bad;
  }
}

TEST(EventNameTest, NamesSortByTimestamp) {
  EventName a = sample_name(), b = sample_name();
  a.unique = "ffffffff0000";
  b.unique = "000000000000";
  b.timestamp_us = a.timestamp_us + 1;
  EXPECT_LT(a.format(), b.format());
}

TEST_F(SpoolTest, CreatesFoldersWith0700WhateverTheUmask) {
  mode_t old = ::umask(0);
  Spool spool = Spool::open(path("a/b/spool"), true);
  ::umask(0277);
  Spool other = Spool::open(path("other"), true);
  ::umask(old);
  for (const char* sub : {"", "/queue", "/tmp", "/dead", "/corrupt"}) {
    struct stat st;
    ASSERT_EQ(::stat((path("a/b/spool") + sub).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u) << sub;
    ASSERT_EQ(::stat((path("other") + sub).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u) << sub;
  }
}

// A follower and a first start make the same new spool at once: neither
// may take the other's fresh queue/ for "a folder of other files".
TEST_F(SpoolTest, TwoProcessesMakingOneNewSpoolBothOpenIt) {
  constexpr int kRounds = 300;
  for (int round = 0; round < kRounds; ++round) {
    const std::string root = path("race" + std::to_string(round));
    pid_t kids[2];
    for (pid_t& kid : kids) {
      kid = ::fork();
      if (kid == 0) {
        try {
          Spool::open(root, true);
        } catch (const SpoolError&) {
          ::_exit(1);
        }
        ::_exit(0);
      }
    }
    for (pid_t kid : kids) {
      int status = -1;
      ::waitpid(kid, &status, 0);
      ASSERT_EQ(status, 0) << "round " << round << ": a creator was refused";
    }
  }
}

TEST_F(SpoolTest, ASpoolWhoseQueueWasRemovedIsStillASpool) {
  { Spool::open(path("s"), true); }
  fs::remove_all(path("s/queue"));
  std::ofstream(path("s/state.json")) << "{}\n";
  Spool spool = Spool::open(path("s"), true);
  EXPECT_TRUE(fs::is_directory(path("s/queue")));
  // A folder of other things is still not one, with or without a tmp/.
  fs::create_directories(path("home/tmp"));
  EXPECT_THROW(Spool::open(path("home"), true), SpoolError);
  std::ofstream(path("home/notes.txt")) << "mine\n";
  fs::create_directories(path("home/dead"));
  EXPECT_THROW(Spool::open(path("home"), true), SpoolError);
  EXPECT_FALSE(fs::exists(path("home/queue")));
}

TEST_F(SpoolTest, RefusesAForeignOwnedSpool) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  fs::create_directories(path("foreign"));
  ASSERT_EQ(::chown(path("foreign").c_str(), 65534, 65534), 0);
  try {
    Spool::open(path("foreign"), true);
    FAIL() << "opened a foreign spool";
  } catch (const SpoolError& f) {
    EXPECT_EQ(f.kind(), SpoolError::Kind::kRefused);
    EXPECT_NE(std::string(f.what()).find("owned by uid 65534"), std::string::npos);
  }
}

TEST_F(SpoolTest, EnqueueAllQueuesEveryEventInOrderAndLeavesNoTempFile) {
  Spool spool = Spool::open(path("s"), true);
  for (bool sync : {true, false}) {
    SCOPED_TRACE(sync);
    std::vector<PendingEvent> events;
    for (int i = 0; i < 5; ++i) {
      EventName name = sample_name();
      name.timestamp_us += i;
      events.push_back({name, "{\"i\": " + std::to_string(i) + "}", {}});
    }
    enqueue_all(spool, events, sync);
    std::vector<std::string> names;
    for (const PendingEvent& e : events) {
      ASSERT_FALSE(e.file_name.empty());
      std::ifstream in(path("s/queue/") + e.file_name);
      std::string content((std::istreambuf_iterator<char>(in)), {});
      EXPECT_EQ(content, e.body);
      names.push_back(e.file_name);
    }
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 5u);
    EXPECT_EQ(count_files(path("s/tmp")), 0u);
  }
  EXPECT_EQ(count_files(path("s/queue")), 10u);
  std::vector<PendingEvent> none;
  enqueue_all(spool, none, true);  // nothing to do, nothing thrown
}

TEST_F(SpoolTest, EnqueueWritesExactlyTheBodyWithMode0600) {
  // The umask as it is when the spool is opened (read once, not per file).
  mode_t old = ::umask(0277);
  Spool spool = Spool::open(path("s"), true);
  ::umask(old);
  EventName name = sample_name();
  std::string file = enqueue(spool, name, "{\"x\": 1}", true);
  std::ifstream in(path("s/queue/") + file);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "{\"x\": 1}");
  struct stat st;
  ASSERT_EQ(::stat((path("s/queue/") + file).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(count_files(path("s/tmp")), 0u);
}

TEST_F(SpoolTest, NeverCommittedTempFileLeavesNothing) {
  Spool spool = Spool::open(path("s"), true);
  {
    AtomicFile file(spool, "half-written");
    file.write("partial");
    EXPECT_EQ(count_files(path("s/tmp")), 1u);
  }
  EXPECT_EQ(count_files(path("s/tmp")), 0u);
  EXPECT_EQ(count_files(path("s/queue")), 0u);
}

TEST_F(SpoolTest, CommitNeverReplacesAnExistingEvent) {
  Spool spool = Spool::open(path("s"), true);
  std::ofstream(path("s/queue/taken")) << "first";
  AtomicFile file(spool, "taken");
  file.write("second");
  EXPECT_FALSE(file.commit(spool.dir_fd(SpoolState::kQueue), "taken", true));
  std::ifstream in(path("s/queue/taken"));
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "first");
}

TEST_F(SpoolTest, ARootFileIsWrittenOverADeadProcesssTempFileOfTheSamePid) {
  // A power loss between the temp file and its rename leaves
  // tmp/state.json#<pid>; after a reboot pids repeat, and the flush that
  // got the same pid failed to save its state (exit 73) until cleanup swept
  // tmp/ an hour later.
  Spool spool = Spool::open(path("s"), true);
  std::ofstream(path("s/tmp/") + kStateFile + "#" + std::to_string(::getpid())) << "{\"hal";
  write_root_file(spool, kStateFile, "{}\n");
  EXPECT_EQ(read_root_file(spool, kStateFile), "{}\n");
  EXPECT_EQ(count_files(path("s/tmp")), 0u);
}

TEST_F(SpoolTest, ConcurrentWritersNeverCollide) {
  Spool spool = Spool::open(path("s"), true);
  constexpr int kProcs = 4, kEach = 500;
  for (int p = 0; p < kProcs; ++p) {
    if (::fork() == 0) {
      Spool child = Spool::open(path("s"), true);
      for (int i = 0; i < kEach; ++i) {
        EventName name = sample_name("w" + std::to_string(p));
        enqueue(child, name, std::to_string(i), false);
      }
      ::_exit(0);
    }
  }
  for (int p = 0; p < kProcs; ++p) {
    int status = 0;
    ::wait(&status);
    EXPECT_EQ(status, 0);
  }
  std::vector<std::string> names = list_names(spool, SpoolState::kQueue);
  EXPECT_EQ(names.size(), static_cast<size_t>(kProcs * kEach));
  std::set<std::string_view> ids;
  for (const std::string& n : names) ids.insert(event_id_of(n));
  EXPECT_EQ(ids.size(), names.size());
}

TEST_F(SpoolTest, NamesFromOneProcessKeepRecordingOrder) {
  Spool spool = Spool::open(path("s"), true);
  std::vector<std::string> made;
  for (int i = 0; i < 50; ++i) {
    EventName name = sample_name();  // same timestamp every time
    made.push_back(enqueue(spool, name, std::to_string(i), false));
  }
  std::vector<std::string> sorted = made;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, made);
}

TEST_F(SpoolTest, SetAsideKeepsAReasonAndRequeueResetsAttempts) {
  Spool spool = Spool::open(path("s"), true);
  EventName name = sample_name();
  name.attempts = 3;
  name.due_ms = 99;
  std::string file = enqueue(spool, name, "{}", false);
  ASSERT_EQ(bury(spool, file, "HTTP 400: bad", false), SpoolOutcome::kDone);
  EXPECT_EQ(read_reason(spool, SpoolState::kDead, file), "HTTP 400: bad");
  auto when = stat_file(spool, SpoolState::kDead, file + kReasonSuffix);  // when it died
  ASSERT_TRUE(when);
  EXPECT_GT(when->mtime, 0);
  EXPECT_EQ(list_names(spool, SpoolState::kDead), std::vector<std::string>{file});
  auto found = find_events(spool, std::string(event_id_of(file)));
  ASSERT_EQ(found.size(), 1u);
  ASSERT_EQ(requeue(spool, found[0], false), SpoolOutcome::kDone);
  auto queued = list_names(spool, SpoolState::kQueue);
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(EventName::parse(queued[0])->attempts, 0u);
  EXPECT_EQ(count_files(path("s/dead")), 0u);
}

TEST_F(SpoolTest, CleanupSweepsStaleTmpExpiresOldAndDropsOldDead) {
  Spool spool = Spool::open(path("s"), true);
  const int64_t now = ::time(nullptr);
  // Stale temp files of the spool's own writers (an event, its reason, a
  // root file), a fresh one, and a stale file someone else put there.
  EventName tmp_event = sample_name("t");
  tmp_event.unique = "0a0b0c0d0e0f";
  const std::string event_tmp = tmp_event.format();
  const std::string stale[] = {event_tmp, event_tmp + kReasonSuffix, "state.json#4242"};
  struct timespec old_times[2] = {{now - 7200, 0}, {now - 7200, 0}};
  for (const std::string& n : stale) {
    std::ofstream(path("s/tmp/" + n)) << "x";
    ::utimensat(AT_FDCWD, path("s/tmp/" + n).c_str(), old_times, 0);
  }
  std::ofstream(path("s/tmp/important.txt")) << "x";
  ::utimensat(AT_FDCWD, path("s/tmp/important.txt").c_str(), old_times, 0);
  EventName fresh_event = sample_name("f");
  fresh_event.unique = "0a0b0c0d0e10";
  const std::string fresh = fresh_event.format();
  std::ofstream(path("s/tmp/" + fresh)) << "x";
  struct timespec fresh_times[2] = {{now, 0}, {now, 0}};
  ::utimensat(AT_FDCWD, path("s/tmp/" + fresh).c_str(), fresh_times, 0);

  EventName old_event = sample_name("old");
  old_event.timestamp_us = (now - 10 * 86400) * 1000000;
  std::string old_file = enqueue(spool, old_event, "{}", false);
  struct timespec queued_long_ago[2] = {{now - 10 * 86400, 0}, {now - 10 * 86400, 0}};
  ::utimensat(AT_FDCWD, path("s/queue/" + old_file).c_str(), queued_long_ago, 0);
  EventName imported = sample_name("imported");  // old timestamp, queued now
  imported.timestamp_us = old_event.timestamp_us;
  std::string imported_file = enqueue(spool, imported, "{}", false);
  ::utimensat(AT_FDCWD, path("s/queue/" + imported_file).c_str(), fresh_times, 0);

  std::ofstream(path("s/corrupt/junk")) << "x";
  ::utimensat(AT_FDCWD, path("s/corrupt/junk").c_str(), queued_long_ago, 0);

  CleanupPolicy policy;
  policy.now = now;
  CleanupResult r = cleanup_spool(spool, policy);
  EXPECT_EQ(r.tmp_removed, 3u);
  EXPECT_EQ(r.expired, 1u);
  for (const std::string& n : stale) EXPECT_FALSE(fs::exists(path("s/tmp/" + n))) << n;
  EXPECT_TRUE(fs::exists(path("s/tmp/" + fresh)));
  EXPECT_TRUE(fs::exists(path("s/tmp/important.txt")));  // not ours: never touched
  EXPECT_EQ(list_names(spool, SpoolState::kQueue), std::vector<std::string>{imported_file});
  EXPECT_EQ(read_reason(spool, SpoolState::kDead, old_file).rfind("expired", 0), 0u);
  EXPECT_TRUE(fs::exists(path("s/corrupt/junk")));  // corrupt/ is never cleaned

  // Died ten days ago: removed with its reason.
  ::utimensat(AT_FDCWD, path("s/dead/" + old_file + kReasonSuffix).c_str(), queued_long_ago, 0);
  r = cleanup_spool(spool, policy);
  EXPECT_EQ(r.dead_removed, 1u);
  EXPECT_EQ(count_files(path("s/dead")), 0u);
}

TEST_F(SpoolTest, OrphanReasonFilesAreSwept) {
  Spool spool = Spool::open(path("s"), true);
  std::string orphan = path("s/dead/1764000000123456-3fa9c01e0001.s.x") + kReasonSuffix;
  std::ofstream(orphan) << "reason";
  struct timespec old_times[2] = {{1000, 0}, {1000, 0}};
  ::utimensat(AT_FDCWD, orphan.c_str(), old_times, 0);
  CleanupPolicy policy;
  policy.now = 1800000000;
  cleanup_spool(spool, policy);
  EXPECT_FALSE(fs::exists(orphan));
}

TEST_F(SpoolTest, OneFlushLockAtATime) {
  Spool spool = Spool::open(path("s"), true);
  auto first = FlushLock::acquire(spool, false);
  ASSERT_TRUE(first);
  pid_t child = ::fork();
  if (child == 0) {
    Spool again = Spool::open(path("s"), true);
    ::_exit(FlushLock::acquire(again, false) ? 1 : 0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "a second process took the lock";
}

// Whether a wait for the flush lock, held meanwhile by this process, that
// `stop` may end ends within a minute, without the lock. The lock is let go
// after the minute either way, so a wait that never saw its stop ends too.
::testing::AssertionResult a_stopped_lock_wait_ends(const std::string& spool_path,
                                                    std::function<bool()> stop) {
  Spool spool = Spool::open(spool_path, true);
  auto first = FlushLock::acquire(spool, false);
  if (!first) return ::testing::AssertionFailure() << "the first lock was not taken";
  auto waiting = std::async(std::launch::async, [&] {
    return FlushLock::acquire(Spool::open(spool_path, true), true, stop);
  });
  const bool ended = waiting.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  first.reset();
  if (!ended) return ::testing::AssertionFailure() << "the wait slept through its stop";
  if (waiting.get()) return ::testing::AssertionFailure() << "a stopped wait took the lock";
  return ::testing::AssertionSuccess();
}

// A stop asked before the wait for the lock began (SIGTERM to a second
// `flush --wait` or follower between its handler's set-up and its flock)
// ends the wait at once; it was slept through until the holder let go.
TEST_F(SpoolTest, AStopAskedBeforeTheLockWaitEndsIt) {
  EXPECT_TRUE(a_stopped_lock_wait_ends(path("s"), [] { return true; }));
}

// A stop asked just after the wait's look at it, as a SIGTERM caught
// between that look and a blocking flock would be: the wait sees it at its
// next look, not once the holder lets go.
TEST_F(SpoolTest, AStopAskedDuringTheLockWaitEndsIt) {
  std::atomic<int> looks{0};
  // The first look says no, and the stop comes right after it.
  EXPECT_TRUE(a_stopped_lock_wait_ends(path("s"), [&looks] { return looks++ > 0; }));
}

TEST_F(SpoolTest, ReadFileRefusesSymlinks) {
  Spool spool = Spool::open(path("s"), true);
  ASSERT_EQ(::symlink("/etc/passwd", path("s/queue/link").c_str()), 0);
  EXPECT_THROW(read_file(spool, SpoolState::kQueue, "link"), SpoolError);
  EXPECT_FALSE(read_file(spool, SpoolState::kQueue, "missing"));
}

size_t open_fds() { return count_files("/proc/self/fd"); }

TEST_F(SpoolTest, ListingClosesItsFolderWhenTheVisitorThrows) {
  Spool spool = Spool::open(path("s"), true);
  EventName name = sample_name();
  enqueue(spool, name, "{}", false);
  const size_t before = open_fds();
  for (int i = 0; i < 3; ++i)
    EXPECT_THROW(for_each_name(spool, SpoolState::kQueue, false,
                               [](std::string_view) { throw std::runtime_error("stop"); }),
                 std::runtime_error);
  EXPECT_EQ(open_fds(), before);
}

TEST_F(SpoolTest, RefusedReadsLeaveNothingOpen) {
  Spool spool = Spool::open(path("s"), true);
  ASSERT_EQ(::mkdir(path("s/queue/folder").c_str(), 0700), 0);
  EXPECT_FALSE(read_file(spool, SpoolState::kQueue, "missing"));  // opens queue/ for good
  const size_t before = open_fds();
  EXPECT_THROW(read_file(spool, SpoolState::kQueue, "folder"), SpoolError);
  EXPECT_EQ(open_fds(), before);
}

TEST_F(SpoolTest, AMovedFlushLockStillHoldsAndFreesOnce) {
  Spool spool = Spool::open(path("s"), true);
  {
    auto lock = FlushLock::acquire(spool, false);
    ASSERT_TRUE(lock);
    std::optional<FlushLock> moved(std::move(*lock));
    lock.reset();  // the moved-from one closes nothing
    EXPECT_FALSE(FlushLock::acquire(Spool::open(path("s"), true), false));
  }
  EXPECT_TRUE(FlushLock::acquire(spool, false)) << "the lock outlived its holder";
}

}  // namespace
}  // namespace mcpr
