// The spool's root state, state.json (man page FILES): the Retry-After hold,
// the last flush's summary, the delivered starts not yet ended, and the
// counters of what was lost or refused. This module is the only code that
// changes it. Each change takes the root lock (<spool>/state.lock: held for
// one read and one replace, never for long; not flush.lock, which a flusher
// holds for its whole run), re-reads the file, changes only what it is
// about and replaces the file atomically (tmp/, fsync, rename, fsync), so
// two processes never lose each other's update: a `requeue` that clears a
// hold while `flush --follow` runs stays cleared.
//
// Readers take no lock: the file is only ever replaced whole, and one that
// is missing or cannot be parsed reads as a fresh state.
//
// The delivered starts (`open`) and the last summary are the flusher's: only
// a flush holding flush.lock changes them, so record_flush() writes its copy.
// The hold and the counters are merged into what the file holds.
//
// The proxy's counts were once a file of their own (proxy-dropped, "TOTAL
// EPOCH REASON"); a state.json without them takes that file's count, and the
// next change folds it in and removes the file.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "spool/admin.h"
#include "spool/spool.h"
#include "src/state/flush_state.h"

namespace mcpr {

// What `mcp-report proxy` could not record, ever.
struct ProxyCounts {
  uint64_t dropped_events = 0;    // events dropped: a full queue, a failing spool
  uint64_t unseen_messages = 0;   // messages never looked at (the tracker's queue was full)
  int64_t last_at = 0;            // epoch seconds of the last count added
  std::string last_reason;        // why, that time
};

struct RootState {
  int64_t hold_until = 0;  // epoch seconds before which nothing is sent; 0 for none
  std::optional<FlushSummary> last_flush;
  std::map<std::string, double> open;  // DeliveredStarts::open
  ProxyCounts proxy;
  uint64_t otlp_rejected = 0;  // spans and log records OTLP endpoints refused in a partialSuccess, ever
  // Events moved to dead/ by flush or cleanup (expiry included), ever, and
  // when that last happened (epoch seconds, 0 for never): a clean run after
  // one that dead-lettered does not hide it from a monitor.
  uint64_t dead_lettered = 0;
  int64_t last_dead_lettered_at = 0;
};

// The root state as it is now, without the lock.
RootState read_root_state(const Spool& spool);

// The changes. Each throws SpoolError when the lock cannot be taken or the
// file cannot be replaced.

// The operator's "try now" (requeue): no hold.
void clear_hold(const Spool& spool);

// `mcp-report requeue`: moves `files` from dead/ or corrupt/ back into the
// queue (one queued already stays, and is named in `already_queued`), then
// clears the hold whatever moved: a requeue is the operator's "try now", and
// a Retry-After kept from an earlier run must not keep the revived events
// back (man page DELIVERY).
struct Requeued {
  unsigned moved = 0;
  std::vector<std::string> already_queued;  // file names
};
Requeued requeue_now(const Spool& spool, const std::vector<SpooledFile>& files, bool sync);
// A Retry-After: no send before `until` (epoch seconds), unless a later hold
// is kept. A kept hold that has passed or lies beyond the bound (see
// effective_hold) counts as none.
void extend_hold(const Spool& spool, int64_t until, int64_t now, double max_backoff);
// A pass's end: its summary (kept as the last one as replaces_last_summary
// says), the flusher's delivered starts, and the records it saw refused and
// the events it dead-lettered added to the counters.
void record_flush(const Spool& spool, const FlushSummary& run, const DeliveredStarts& starts,
                  bool follow);
// A flush that found logging disabled (enable_interaction_logging = false)
// at `started_at`: a run whose result is "disabled", kept as record_flush
// keeps one, so that status and the gauges show a flusher that runs and why
// it sent nothing, not one that stopped. A spool that does not exist (at
// `root`) is left so: it has nothing to keep the run in.
void record_disabled_flush(const std::string& root, double started_at);
// Events that `cleanup` expired to dead/ at `now`, added to dead_lettered.
void add_dead_lettered(const Spool& spool, uint64_t events, int64_t now);
// What a proxy run could not record, added to the counts, with why.
void add_proxy_counts(const Spool& spool, uint64_t dropped_events, uint64_t unseen_messages,
                      const std::string& reason, int64_t now);

}  // namespace mcpr
