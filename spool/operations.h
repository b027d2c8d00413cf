// The state changes of one spooled event, each a rename (or an unlink) that
// either happens or finds the event gone: another flusher, `delete` or
// `requeue` may have moved it first, which is an outcome, not an error. They
// throw SpoolError only when the file system fails. The renames and unlinks
// beneath them are spool.h's move_file/remove_file, which three others also
// call or mirror directly: the flush (a delivered start queue/ -> started/),
// its Unlinker, and cleanup's sweep (spool/cleanup.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spool/admin.h"
#include "spool/spool.h"

namespace mcpr {

// A queued event failed `attempts` times in all and is not tried again before
// `due_ms` (epoch milliseconds): its name is changed to say so (without an
// fsync; the flush syncs queue/ once at its end). `name` is the new name.
struct Rescheduled {
  SpoolOutcome outcome;
  std::string name;
};
Rescheduled reschedule(const Spool& spool, const std::string& name, unsigned attempts,
                       int64_t due_ms);

// bury and quarantine run under the flush lock (a flush, or cleanup): their
// reason's temp file has a fixed name, and one found there is a dead writer's.
//
// Moves a queued event into dead/ with `reason` beside it. With
// `final_attempts`, its dead name carries that count and no due time, so
// `list` agrees with the reason ("gave up after N attempts").
SpoolOutcome bury(const Spool& spool, const std::string& name, const std::string& reason,
                  bool sync, std::optional<unsigned> final_attempts = std::nullopt);

// Moves a queued file that is not an event into corrupt/ with `reason`
// beside it; it is never sent and never cleaned up.
SpoolOutcome quarantine(const Spool& spool, const std::string& name, const std::string& reason,
                        bool sync);

// Moves an event from dead/ or corrupt/ back into queue/ with its attempts
// reset and its queue age restarted, dropping its reason.
SpoolOutcome requeue(const Spool& spool, const SpooledFile& file, bool sync);

// Removes events for good (`delete`), each with its reason, then fsyncs each
// folder they were in, so that a power loss does not bring them back.
// Returns how many were still there to remove. Throws SpoolError.
unsigned remove_events(const Spool& spool, const std::vector<SpooledFile>& files);

}  // namespace mcpr
