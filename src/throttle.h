// At most `limit` requests in any window of `period` seconds. A pure
// function of the start times it has been told about, so it is tested by
// feeding it times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mcpr {

class Throttle {
 public:
  // limit 0 means unlimited.
  Throttle(int64_t limit, double period);

  // The earliest time, not before `now`, at which one more request may start.
  double next_allowed(double now) const;
  // Notes that a request started at `when` (non-decreasing).
  void record(double when);

 private:
  double period_;
  std::vector<double> starts_;  // ring of the last `limit` start times
  size_t next_ = 0;
  size_t count_ = 0;
};

}  // namespace mcpr
