#include "src/report/flush_lines.h"

#include "spool/spool.h"
#include "src/delivery/flush_outcome.h"
#include "src/report/spool_report.h"
#include "src/util/printable.h"

namespace mcpr {

std::vector<std::string> flush_stderr_lines(const FlushReport& report, int exit_code, bool quiet,
                                            const std::string& spool_path, double quiet_outage,
                                            int64_t now) {
  std::vector<std::string> lines;
  if (quiet_applies(exit_code, quiet)) {
    const int64_t waited = oldest_due_wait(Spool::open(spool_path, false), now);
    const std::string line = quiet_outage_warning(waited, quiet_outage, report.messages);
    if (!line.empty()) lines.push_back("warning: " + printable(line));
    return lines;
  }
  for (const std::string& m : report.messages) lines.push_back("flush: " + printable(m));
  if (!report.hint.empty()) lines.push_back("hint: " + printable(report.hint));
  return lines;
}

}  // namespace mcpr
