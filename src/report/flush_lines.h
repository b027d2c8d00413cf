// What `flush` says on stderr about a run, or about each pass of --follow
// (man page DELIVERY COMMANDS; -q under GLOBAL OPTIONS).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "src/delivery/flusher.h"

namespace mcpr {

// The lines, each without "mcp-report: " and made printable: the report's
// messages ("flush: WHY") and its hint ("hint: ..."). Under -q (`quiet`) a
// run that exits 75 (`exit_code`: an outage, a hold, retries) keeps quiet
// instead, until the oldest due event of the spool at `spool_path` has
// waited `quiet_outage` seconds at `now` (epoch seconds); then one line,
// "warning: flush: events undelivered for ...". The spool is read only then.
std::vector<std::string> flush_stderr_lines(const FlushReport& report, int exit_code, bool quiet,
                                            const std::string& spool_path, double quiet_outage,
                                            int64_t now);

}  // namespace mcpr
