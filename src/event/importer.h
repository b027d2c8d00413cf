// import: whole events, one JSON object per line as the old reporter sent
// them (its SQLite cache's interaction_data column), spooled unchanged.
#pragma once

#include <functional>
#include <istream>
#include <string>
#include <string_view>

#include "src/event/recorder.h"
#include "src/util/unique_fd.h"

namespace mcpr {

struct ImportResult {
  unsigned imported = 0;
  unsigned duplicates = 0;  // already in the spool (an earlier import of the same line)
  unsigned bad = 0;
};

// A line import could not take: its number, why, and the line as it was
// read (without its newline), byte for byte.
struct RejectedLine {
  unsigned number = 0;
  std::string why;
  std::string_view text;
};

// Checks each non-blank line and spools the good ones byte for byte, each
// under an event id derived from its bytes, so that a line already in the
// spool is counted as a duplicate instead of spooled twice. Import is an
// explicit migration: it spools whatever enable_interaction_logging says.
// `on_bad` is called for each bad line, which is skipped. Spool failures
// (Failure 73) stop the import.
ImportResult import_events(Recorder& recorder, std::istream& in,
                           const std::function<void(const RejectedLine&)>& on_bad);

// Where `import --rejects FILE` sets aside the lines it cannot take, each
// byte for byte and ended by a newline. The file is created (mode 0600) or
// emptied when opened, so that it holds this run's rejects; commit() makes
// it durable. Throws Failure: 73 when it cannot be created, 74 when a write
// or the sync fails (the line in hand is then not set aside).
class RejectsFile {
 public:
  explicit RejectsFile(std::string path);
  void add(std::string_view line);
  void commit();

 private:
  std::string path_;
  UniqueFd fd_;
};

}  // namespace mcpr
