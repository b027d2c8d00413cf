#include "src/event/importer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/config/config.h"
#include "src/util/failure.h"
#include "src/util/plural.h"
#include "src/util/printable.h"
#include "src/util/text.h"

namespace mcpr {

ImportResult import_events(Recorder& recorder, std::istream& in,
                           const std::function<void(const RejectedLine&)>& on_bad) {
  ImportResult result;
  std::string raw;
  unsigned number = 0;
  while (std::getline(in, raw)) {
    ++number;
    std::string line(trim_right(raw));
    // A file saved with a byte order mark (as some editors do): the mark is
    // not part of the first event (a body starting with it is not JSON to
    // the receiver).
    if (number == 1 && line.compare(0, 3, "\xef\xbb\xbf") == 0) line.erase(0, 3);
    if (line.empty()) continue;
    std::string why;
    std::optional<EventSummary> event = check_event(line, &why);
    if (event && !(why = mcp_id_problem(event->mcp_id)).empty()) {
      why = "'mcp_id' " + why;
      event.reset();
    }
    try {
      if (event && recorder.import_body(*event, line).empty())
        ++result.duplicates;
      else if (event)
        ++result.imported;
    } catch (const Failure& f) {
      if (f.exit_code() != kExitDataErr) throw;
      why = f.what();
      event.reset();
    }
    if (!event) {
      ++result.bad;
      on_bad({number, why, raw});
    }
  }
  return result;
}

ImportRun import_input(Recorder& recorder, std::istream& in, const std::string& label,
                       RejectsFile* rejects,
                       const std::function<void(const std::string&)>& error_line) {
  const std::string where = "import: " + printable(label);
  unsigned shown = 0;
  ImportRun run;
  run.counts = import_events(recorder, in, [&](const RejectedLine& bad) {
    if (rejects) rejects->add(bad.text);
    if (shown++ < kShownBadLines)
      error_line(where + ":" + std::to_string(bad.number) + ": " + printable(bad.why));
  });
  if (rejects) rejects->commit();
  const ImportResult& r = run.counts;
  if (r.imported + r.duplicates + r.bad == 0)
    throw Failure(kExitNoInput, "import: " + label,
                  "holds no lines to import (did the command that feeds it fail?)");
  if (r.bad > kShownBadLines)
    error_line(where + ": " + std::to_string(r.bad - kShownBadLines) +
               " more bad lines not shown (" + std::to_string(r.bad) + " in all)");
  run.exit_status = r.bad ? kExitDataErr : kExitOk;
  return run;
}

std::string import_summary(const ImportResult& r, const std::string& rejects) {
  return "import: spooled " + plural(r.imported, "event") + ", " + std::to_string(r.duplicates) +
         " already in the spool, " + std::to_string(r.bad) + " rejected" +
         (r.bad && !rejects.empty() ? " (set aside in " + rejects + ")" : "");
}

RejectsFile::RejectsFile(std::string path) : path_(std::move(path)) {
  fd_.reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!fd_) throw Failure(kExitCantCreate, "import: --rejects " + path_, std::strerror(errno));
  // Never clobber: `import --rejects cache.ndjson` (the cache meant as the
  // input) or the input named twice would empty the old cache, which a
  // migration script then deletes.
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0)
    throw Failure(kExitCantCreate, "import: --rejects " + path_, std::strerror(errno));
  if (S_ISREG(st.st_mode) && st.st_size != 0)
    throw Failure(kExitCantCreate, "import: --rejects " + path_,
                  "exists and is not empty: refusing to overwrite it (remove it, or name a new "
                  "file)");
}

void RejectsFile::add(std::string_view line) {
  std::string text(line);
  text += '\n';
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd_.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw Failure(kExitIoErr, "import: --rejects " + path_,
                    std::string(std::strerror(errno)) + " (a rejected line could not be set aside)");
    done += static_cast<size_t>(n);
  }
}

void RejectsFile::commit() {
  if (::fsync(fd_.get()) != 0)
    throw Failure(kExitIoErr, "import: --rejects " + path_, std::strerror(errno));
}

}  // namespace mcpr
