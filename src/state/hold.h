// A Retry-After hold (man page DELIVERY, 429): how long one may last, and
// whether one stored in state.json still counts. The state that stores the
// hold and the flusher that obeys it read it the same way.
#pragma once

#include <cstdint>

namespace mcpr {

// The longest the coordinator may hold deliveries off: max(max_backoff,
// 1 hour) seconds (man page DELIVERY, "A hold is bounded" under 429).
double hold_bound(double max_backoff);

// The hold still to keep at `now` (epoch seconds) from a stored one, or 0:
// a hold that has passed is none, and one further away than the bound (a bad
// value, a clock step back) is ignored rather than kept for years. Up to 2 s
// beyond it still counts as at the bound: a hold is stored rounded up to a
// whole second from the wall clock, and `now` is rounded down.
int64_t effective_hold(int64_t stored, int64_t now, double max_backoff);

}  // namespace mcpr
