#include "src/throttle.h"

#include <algorithm>

namespace mcpr {

Throttle::Throttle(int64_t limit, double period)
    : period_(period), starts_(static_cast<size_t>(std::max<int64_t>(limit, 0))) {}

double Throttle::next_allowed(double now) const {
  if (starts_.empty() || count_ < starts_.size()) return now;
  // starts_[next_] is the oldest of the last `limit` starts: a new one may
  // begin once it has left the window.
  return std::max(now, starts_[next_] + period_);
}

void Throttle::record(double when) {
  if (starts_.empty()) return;
  starts_[next_] = when;
  next_ = (next_ + 1) % starts_.size();
  count_ = std::min(count_ + 1, starts_.size());
}

}  // namespace mcpr
