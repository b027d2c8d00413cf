// Sweeping the spool: what a flush does before it sends, and `cleanup` alone.
#pragma once

#include <cstdint>

#include "spool/spool.h"

namespace mcpr {

struct CleanupPolicy {
  int64_t now = 0;              // epoch seconds
  int64_t tmp_max_age = 3600;   // files left in tmp/ by killed writers
  int64_t max_age = 7 * 86400;  // queued events expire, dead ones are removed
  bool sync = true;
};

struct CleanupResult {
  unsigned tmp_removed = 0;
  unsigned expired = 0;       // queue/ -> dead/ with reason "expired"
  unsigned dead_removed = 0;  // dead/ events removed after max_age
  unsigned started_removed = 0;  // started/ files whose interaction's end will not come
};

// Removes stale tmp/ files; moves queued events that have waited longer than
// max_age (by the time they entered the queue) to dead/; removes dead events
// set aside longer than max_age ago and reason files whose event is gone;
// removes kept starts (started/) recorded longer than max_age ago whose
// interaction has no event left in queue/ or dead/. corrupt/ is never touched.
CleanupResult cleanup_spool(const Spool& spool, const CleanupPolicy& policy);

}  // namespace mcpr
