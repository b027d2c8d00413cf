// Finding events by their handle: what `show`, `requeue` and `delete` stand
// on (spool/operations.h moves them).
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

}  // namespace mcpr
