// Finding events by their handle and moving them back into the queue: what
// `show`, `requeue` and `delete` stand on.
#pragma once

#include <string>
#include <vector>

#include "spool/spool.h"

namespace mcpr {

struct SpooledFile {
  SpoolState state;
  std::string name;
};

// The files whose event id (or whole name) is `handle`, in queue/, dead/ and
// corrupt/.
std::vector<SpooledFile> find_events(const Spool& spool, const std::string& handle);

// Moves an event from dead/ or corrupt/ back into queue/ with its attempts
// reset and its queue age restarted. false when it is gone.
bool requeue_file(const Spool& spool, const SpooledFile& file, bool sync);

}  // namespace mcpr
