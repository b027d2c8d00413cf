// What flush says on stderr (src/report/flush_lines.h): its messages, or
// under -q for a run that exits 75 only the outage warning once the oldest
// due event has waited quiet_outage.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "spool/event_name.h"
#include "spool/spool.h"
#include "spool/writer.h"
#include "src/report/flush_lines.h"
#include "temp_dir.h"

namespace mcpr {
namespace {

using FlushLinesTest = TempDirTest;

constexpr int64_t kFlushAt = 1764000000;

TEST_F(FlushLinesTest, QuietOnlyThroughAnOutageAndOnlyUntilQuietOutage) {
  Spool spool = Spool::open(path("spool"), true);
  EventName name;
  name.timestamp_us = (kFlushAt - 7200) * 1000000;
  name.interaction_key = "job-1";
  const std::string file = enqueue(spool, name, "{}", false);
  struct timespec times[2] = {{kFlushAt - 5400, 0}, {kFlushAt - 5400, 0}};  // waited 1 h 30 min
  ASSERT_EQ(::utimensat(spool.dir_fd(SpoolState::kQueue), file.c_str(), times, 0), 0);

  FlushReport report;
  report.messages = {"coordinator unreachable: refused\x1b", "second"};
  report.hint = "is it running?";
  const std::vector<std::string> loud = {"flush: coordinator unreachable: refused\\x1b",
                                         "flush: second", "hint: is it running?"};
  struct Row {
    const char* what;
    int exit_code;
    bool quiet;
    double quiet_outage;
    std::vector<std::string> lines;
  } rows[] = {
      {"not -q: everything", 75, false, 3600, loud},
      {"-q, outage shorter than quiet_outage: nothing", 75, true, 7200, {}},
      {"-q, outage longer: one warning",
       75,
       true,
       3600,
       {"warning: flush: events undelivered for 1 h 30 min (longer than quiet_outage, 1 h): "
        "coordinator unreachable: refused\\x1b"}},
      {"-q keeps nothing back when events died", 65, true, 3600, loud},
      {"-q keeps nothing back for a rejected key", 77, true, 3600, loud},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    EXPECT_EQ(flush_stderr_lines(report, row.exit_code, row.quiet, path("spool"), row.quiet_outage,
                                 kFlushAt),
              row.lines);
  }
}

TEST_F(FlushLinesTest, TheSpoolIsReadOnlyWhenQuietApplies) {
  FlushReport report;
  report.messages = {"x"};
  // No spool there: only the quiet outage rule reads it.
  EXPECT_EQ(flush_stderr_lines(report, 75, false, path("none"), 0, kFlushAt),
            std::vector<std::string>{"flush: x"});
  EXPECT_ANY_THROW(flush_stderr_lines(report, 75, true, path("none"), 0, kFlushAt));
}

}  // namespace
}  // namespace mcpr
