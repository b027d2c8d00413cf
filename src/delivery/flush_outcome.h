// The one place that decides how a flush ended and what it exits with
// (man page DELIVERY, "A run's exit status is the first that applies", and
// EXIT STATUS): pure functions
// from a pass's counts and flags, tested row by row in
// tests/unit/flush_outcome_test.cc. The flush loop gathers the facts; cli/
// prints; neither picks an exit status of its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mcpr {

// Why a pass stopped before the queue ran dry, if it did.
enum class PassStop { kNone, kBudget, kOutage, kKeyRejected, kHeld, kInterrupted };

// How a pass ended, first that applies. Its name is FlushSummary::result.
enum class FlushOutcome {
  kOk,           // everything due was sent (or nothing was due)
  kKeyRejected,  // 401/403: everything kept (77)
  kDead,         // events dead-lettered or moved to corrupt/ in this pass (65)
  kOutage,       // no connection: everything kept (75)
  kStopped,      // --follow stopped by a signal (0)
  kHeld,         // Retry-After beyond this run's time (75)
  kRetry,        // events failed and will be retried (75)
  kBudget,       // due events left: --max-events/--max-time or a signal (75)
};

struct PassFacts {
  PassStop stop = PassStop::kNone;
  unsigned dead = 0;     // dead-lettered in this pass
  unsigned corrupt = 0;  // moved to corrupt/ in this pass
  unsigned retried = 0;  // failed and rescheduled in this pass
  unsigned left = 0;     // still due at the end of the pass
  bool follow = false;
};

struct FlushVerdict {
  FlushOutcome outcome = FlushOutcome::kOk;
  int exit_code = 0;
};

// A pass's outcome and exit status.
FlushVerdict decide(const PassFacts& facts);

// "ok", "key-rejected", "dead", "outage", "stopped", "held", "retry",
// "budget": the result `status`, `--json` and the metrics show.
const char* outcome_name(FlushOutcome outcome);

// The exit status of a whole `flush` run from its last pass's: another
// flusher holding the lock is 0 (it is delivering); under --follow only a
// rejected key ends the run with an error, every other pass was reported
// as it went.
int run_exit_status(int last_pass_exit, bool follow, bool locked_out);

// Whether a --follow loop ends after a pass that exited so (a rejected key
// will not get better by retrying).
bool follow_ends(int pass_exit);

// Whether `flush -q` keeps quiet about a run that exited so: a 75 (outage,
// hold, retries) says nothing on stderr until the oldest due event has
// waited `quiet_outage` seconds, so cron mails nobody about a coordinator
// restart (--json still prints its object on stdout). `waited` is that
// event's wait in seconds.
bool quiet_applies(int exit_code, bool quiet);
bool quiet_outage_warns(double waited, double quiet_outage);

// What `flush -q` says about such a run: "" until the oldest due event has
// waited `quiet_outage`, then one warning line ("flush: events undelivered
// for ... (longer than quiet_outage, ...)", with the run's first message).
std::string quiet_outage_warning(int64_t waited, double quiet_outage,
                                 const std::vector<std::string>& messages);

// Whether a flush goes on, from what is known before the spool is read.
enum class FlushStart {
  kRun,
  kDisabled,   // enable_interaction_logging = false: nothing sent, exit 0
  kNothingYet, // -q, one run, no spool yet (a fresh node's cron line): exit 0, silent
  kNoSpool,    // one run, no spool: 66
};
// --follow waits for the first event, so it may make the spool; a single
// run makes none.
FlushStart flush_start(bool enabled, bool follow, bool quiet, bool spool_exists);

}  // namespace mcpr
