#include "src/state/hold.h"

#include <algorithm>
#include <cmath>

namespace mcpr {

double hold_bound(double max_backoff) { return std::max(max_backoff, 3600.0); }

int64_t effective_hold(int64_t stored, int64_t now, double max_backoff) {
  if (stored <= now) return 0;
  // A hold at the bound is kept as far as now + bound + 2 s: it was
  // rounded up (the wall clock plus the wait) and `now` is rounded down.
  const double slack = 2;
  if (static_cast<double>(stored - now) > std::ceil(hold_bound(max_backoff)) + slack) return 0;
  return stored;
}

}  // namespace mcpr
