// Publishing a new event into queue/: the recording path. It takes no lock,
// never reads the queue folder, and its cost does not grow with the spool.
#pragma once

#include <string>

#include "spool/event_name.h"
#include "spool/spool.h"

namespace mcpr {

// Writes `body` as a queued event named after `name` (its `unique` part is
// filled in here, unique across processes and sorting in recording order
// within this process): tmp/ with O_EXCL|O_NOFOLLOW and mode 0600, write,
// fsync, rename into queue/ without replacing, fsync queue/. `sync = false`
// skips both fsyncs. On any failure nothing is left behind and Failure (73)
// is thrown. Returns the file name.
std::string enqueue(const Spool& spool, EventName& name, const std::string& body, bool sync);

// 12 lowercase hex characters: 32 random bits fixed for this process, then a
// 16-bit counter, so names made here keep their order.
std::string next_unique();

}  // namespace mcpr
