#include "src/delivery/throttle.h"

#include <algorithm>

namespace mcpr {

Throttle::Throttle(int64_t limit, double period)
    : period_(period),
      spacing_(limit > 0 ? period / static_cast<double>(limit) : 0),
      starts_(static_cast<size_t>(std::max<int64_t>(limit, 0))) {}

double Throttle::next_allowed(double now) const {
  if (starts_.empty()) return now;
  double at = std::max(now, origin_ + static_cast<double>(slot_) * spacing_);
  // starts_[next_] is the oldest of the last `limit` starts: one more may
  // begin once it has left the window.
  if (count_ == starts_.size()) at = std::max(at, starts_[next_] + period_);
  return at;
}

void Throttle::record(double when) {
  if (starts_.empty()) return;
  starts_[next_] = when;
  next_ = (next_ + 1) % starts_.size();
  count_ = std::min(count_ + 1, starts_.size());
  // Late by less than a period (a slow wake-up, a stalled disk read): stay
  // on the timeline and catch up, so lateness does not add up and the rate
  // holds; the ring still keeps every window within the limit. Later than
  // that (idle): start a new timeline.
  double slot = origin_ + static_cast<double>(slot_) * spacing_;
  if (when - slot < period_) {
    ++slot_;
  } else {
    origin_ = when;
    slot_ = 1;
  }
}

}  // namespace mcpr
