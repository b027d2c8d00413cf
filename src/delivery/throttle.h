// At most `limit` requests in any window of `period` seconds, spread evenly:
// requests start on a timeline of one slot every period/limit seconds (so the
// coordinator sees a steady rate, not a burst at each window's start; a
// sender that fell behind catches up), and a ring of the last `limit` start
// times guarantees the window bound whatever the timeline does. A pure function of the times it is
// told about, so it is tested by feeding it times.
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
  double spacing_;  // period / limit
  // The timeline: slot k starts at origin + k * spacing (multiplied, not
  // added up, so that rounding does not drift over many slots).
  double origin_ = -1e300;
  int64_t slot_ = 0;
  std::vector<double> starts_;  // ring of the last `limit` start times
  size_t next_ = 0;
  size_t count_ = 0;
};

}  // namespace mcpr
