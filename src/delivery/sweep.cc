#include "src/delivery/sweep.h"

#include "spool/flush_lock.h"
#include "src/state/root_state.h"

namespace mcpr {

CleanupPolicy cleanup_policy(const Config& config, int64_t now) {
  CleanupPolicy policy;
  policy.now = now;
  policy.max_age = static_cast<int64_t>(config.max_age_days * 86400);
  policy.sync = config.sync;
  return policy;
}

std::optional<CleanupResult> sweep_unless_flushing(const Config& config, const Spool& spool,
                                                   int64_t now) {
  std::optional<FlushLock> lock = FlushLock::acquire(spool, false);
  if (!lock) return std::nullopt;
  CleanupResult swept = cleanup_spool(spool, cleanup_policy(config, now));
  add_dead_lettered(spool, swept.expired, now);  // status counts expiry as flush does
  return swept;
}

}  // namespace mcpr
