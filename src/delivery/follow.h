// flush's passes, once or with --follow until stopped (man page DELIVERY
// COMMANDS): between passes a follower waits for work through a WorkWaiter
// and reads every time from the session's Clock, so tests drive the whole
// loop (outage backoff, hold waits, the periodic sweep, the kept summary)
// with a fake clock and a fake waiter.
#pragma once

#include <cstdint>
#include <memory>

#include "spool/spool.h"
#include "src/delivery/flush_pass.h"
#include "src/util/clock.h"

namespace mcpr {

// How a follower waits between passes.
class WorkWaiter {
 public:
  virtual ~WorkWaiter() = default;
  // Returns once new work may have landed in queue/, `seconds` have passed,
  // a stop was asked, or a signal arrived (the caller then asks should_stop).
  virtual void wait(double seconds) = 0;
};

// Watches <spool>/queue with inotify for files renamed into it; after one
// lands it lets the burst that usually follows land too (on `clock`). A
// wait also ends, at once, when `stop_fd` (if not -1) is or becomes
// readable: a stop asked before the wait began is not slept through.
// Throws Failure (73) when the queue cannot be watched.
std::unique_ptr<WorkWaiter> watch_queue(const Spool& spool, Clock& clock, int stop_fd = -1);

// How long a follower waits after a pass, and the outage backoff after it.
struct FollowWait {
  double seconds = 0;
  double backoff = 1;
};
// After a pass that left the next retry due at `next_due_ms` (epoch ms, 0
// for none) or stopped on an outage, with a Retry-After hold kept until
// `hold_until` (epoch seconds, 0 for none), at `now` (epoch seconds): the
// next retry, or the end of the hold, or after an outage `backoff` seconds
// (doubled for the next, up to a minute; 1 s again once the peer answers);
// never more than a minute, so that the sweep runs now and then.
FollowWait follow_wait(int64_t next_due_ms, bool outage, int64_t hold_until, double now,
                       double backoff);

// The sweep runs before a pass at most this often (seconds).
constexpr double kSweepInterval = 60;

// Runs one pass, or with options.follow passes until one ends the run (a
// rejected key) or should_stop says so, waiting through `waiter` between
// them. Each pass is recorded in the spool's root state (not a dry run's).
// Returns the last pass's report with the run's exit status.
FlushReport run_passes(FlushSession& session, WorkWaiter* waiter);

}  // namespace mcpr
