// import: whole events, one JSON object per line as the old reporter sent
// them (its SQLite cache's interaction_data column), spooled unchanged.
#pragma once

#include <functional>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

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

class RejectsFile;

// How `import` ended: its counts and its exit status, 0 when every line is
// in the spool (spooled now or already there), 65 when a line was rejected.
struct ImportRun {
  ImportResult counts;
  int exit_status = 0;
};

// `mcp-report import` (man page RECORDING COMMANDS): import_events over `in`
// (named `label` in messages: a path, or "stdin"), each bad line set aside in
// `rejects` when given (committed at the end). A wrong file has a bad line
// everywhere: `error_line` hears the first kShownBadLines of them
// ("import: LABEL:N: why") and then one line for the rest ("import: LABEL: M
// more bad lines not shown (T in all)"). An input with no lines at all is no
// migration (`sqlite3 ... | mcp-report import -` whose sqlite3 failed must
// not exit 0 to a script that then deletes the cache): Failure 66.
constexpr unsigned kShownBadLines = 10;
ImportRun import_input(Recorder& recorder, std::istream& in, const std::string& label,
                       RejectsFile* rejects,
                       const std::function<void(const std::string&)>& error_line);

// "import: spooled 3 events, 1 already in the spool, 2 rejected (set aside
// in REJECTS)": the summary of an import whose rejects went to `rejects`
// ("" for none).
std::string import_summary(const ImportResult& counts, const std::string& rejects);

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
