// import: whole events, one JSON object per line as the old reporter sent
// them (its SQLite cache's interaction_data column), spooled unchanged.
#pragma once

#include <functional>
#include <istream>
#include <string>

#include "src/event/recorder.h"

namespace mcpr {

struct ImportResult {
  unsigned imported = 0;
  unsigned duplicates = 0;  // already in the spool (an earlier import of the same line)
  unsigned bad = 0;
};

// Checks each non-blank line and spools the good ones byte for byte, each
// under an event id derived from its bytes, so that a line already in the
// spool is counted as a duplicate instead of spooled twice;
// `on_bad(line_number, why)` is called for each bad one, which is skipped.
// Spool failures (Failure 73) stop the import.
ImportResult import_events(Recorder& recorder, std::istream& in,
                           const std::function<void(unsigned, const std::string&)>& on_bad);

}  // namespace mcpr
