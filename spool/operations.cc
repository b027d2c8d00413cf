#include "spool/operations.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>

#include "spool/event_name.h"
#include "spool/spool_error.h"
#include "src/util/printable.h"
#include "src/util/unique_fd.h"

namespace mcpr {
namespace {

// Moves a queued event into dead/ or corrupt/ as `dest` with a one-line
// reason beside it.
SpoolOutcome set_aside(const Spool& spool, const std::string& name, SpoolState to,
                       const std::string& reason, bool sync, const std::string& dest) {
  // The reason is published first: a crash in between leaves a reason without
  // an event (swept by cleanup), never a dead event without its reason. Its
  // data is synced before its name, which the fsync of `to` below makes
  // durable with the event's: else a power loss leaves the reason empty.
  {
    // Only a flusher or cleanup, under the flush lock, writes this temp
    // name: one found there was left by a writer killed (or a power loss)
    // before its rename, and would make every later try fail.
    ::unlinkat(spool.dir_fd(SpoolState::kTmp), (dest + kReasonSuffix).c_str(), 0);
    AtomicFile file(spool, dest + kReasonSuffix);
    // One line, whatever a server put in its answer: no raw escape sequence
    // reaches a terminal that cats it.
    file.write(printable(reason) + "\n");
    if (sync) file.sync();
    file.commit(spool.dir_fd(to), dest + kReasonSuffix, false, /*replace=*/true);
  }
  SpoolOutcome outcome = move_file(spool, SpoolState::kQueue, name, to, dest, sync);
  if (outcome == SpoolOutcome::kGone)
    ::unlinkat(spool.dir_fd(to), (dest + kReasonSuffix).c_str(), 0);
  return outcome;
}

}  // namespace

Rescheduled reschedule(const Spool& spool, const std::string& name, unsigned attempts,
                       int64_t due_ms) {
  std::optional<EventName> parsed = EventName::parse(name);
  if (!parsed) return {SpoolOutcome::kGone, name};  // not an event: never scheduled
  parsed->attempts = attempts;
  parsed->due_ms = due_ms;
  std::string new_name = parsed->format();
  return {move_file(spool, SpoolState::kQueue, name, SpoolState::kQueue, new_name, false),
          new_name};
}

SpoolOutcome bury(const Spool& spool, const std::string& name, const std::string& reason,
                  bool sync, std::optional<unsigned> final_attempts) {
  std::string dest = name;
  std::optional<EventName> parsed = EventName::parse(name);
  if (final_attempts && parsed) {
    parsed->attempts = *final_attempts;
    parsed->due_ms = 0;
    dest = parsed->format();
  }
  return set_aside(spool, name, SpoolState::kDead, reason, sync, dest);
}

SpoolOutcome quarantine(const Spool& spool, const std::string& name, const std::string& reason,
                        bool sync) {
  return set_aside(spool, name, SpoolState::kCorrupt, reason, sync, name);
}

SpoolOutcome requeue(const Spool& spool, const SpooledFile& file, bool sync) {
  std::string new_name = file.name;
  if (auto parsed = EventName::parse(file.name)) {
    parsed->attempts = 0;
    parsed->due_ms = 0;
    new_name = parsed->format();
  }
  // Restart the queue age first, so that expiry does not take it at once,
  // and with `sync` make the new age durable: else a power loss gives an
  // event dead for days its old age back, and the next flush expires it.
  ::utimensat(spool.dir_fd(file.state), file.name.c_str(), nullptr, AT_SYMLINK_NOFOLLOW);
  if (sync) {
    UniqueFd fd(::openat(spool.dir_fd(file.state), file.name.c_str(),
                         O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (fd) ::fsync(fd.get());
  }
  SpoolOutcome outcome =
      move_file(spool, file.state, file.name, SpoolState::kQueue, new_name, sync);
  if (outcome == SpoolOutcome::kDone)
    ::unlinkat(spool.dir_fd(file.state), (file.name + kReasonSuffix).c_str(), 0);
  return outcome;
}

unsigned remove_events(const Spool& spool, const std::vector<SpooledFile>& files) {
  unsigned removed = 0;
  bool touched[std::size(kAllStates)] = {};
  for (const SpooledFile& f : files) {
    if (remove_file(spool, f.state, f.name) != SpoolOutcome::kDone) continue;
    ++removed;
    touched[static_cast<int>(f.state)] = true;
  }
  for (SpoolState s : kAllStates) {
    if (touched[static_cast<int>(s)] && ::fsync(spool.dir_fd(s)) != 0) {
      const int err = errno;
      throw SpoolError(SpoolError::Kind::kIo, spool.path(s, ""), std::strerror(err), err);
    }
  }
  return removed;
}

}  // namespace mcpr
