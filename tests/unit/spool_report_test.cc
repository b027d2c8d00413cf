// What `flush -q` measures to decide whether an outage is worth a warning.
#include <fcntl.h>
#include <sys/stat.h>

#include <string>

#include "spool/event_name.h"
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
  name.interaction_id = "job-1";
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
