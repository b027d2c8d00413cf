// `mcp-report proxy`: the forwarding of forwarder.h, with each configured
// request recorded into the spool off the forwarding path (man page PROXY).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/config/config.h"
#include "src/event/recorder.h"
#include "src/proxy/interaction_tracker.h"
#include "src/proxy/recording_queue.h"
#include "src/util/child_process.h"

namespace mcpr {

struct ProxyRun {
  std::vector<std::string> command;
  TrackerOptions tracker;
  const Config* config = nullptr;  // nullptr: forward only, record nothing
  size_t queue_events = 10000;     // what may wait for the spool writer
  size_t queue_bytes = 64u << 20;
};

// How recording went, for the warning at the end and for `status`.
struct RecordingOutcome {
  uint64_t recorded = 0;
  uint64_t dropped = 0;       // events not recorded
  uint64_t unseen = 0;        // messages the tracker never saw (its queue was full)
  uint64_t shed = 0;          // of the others, detail only (only_detail), refused first
  uint64_t unreadable = 0;    // lines no parse could read as a message (not warned about)
  std::string drop_reason;    // why, each cause once (drop_reason())
  bool writer_stuck = false;  // the spool writer could not finish: leave with _exit
};

struct ProxyOutcome {
  ChildResult child;
  RecordingOutcome recording;
};

// Runs the proxy to the end of the server. Never throws for recording
// failures: they only count as drops.
ProxyOutcome run_proxy(const ProxyRun& run);

// The spool writer of both proxies: a queue whose thread commits the events
// that gathered in 100 ms (or 256 of them) together, with one
// Recorder::record_all: a burst of calls costs about one fsync, not one per
// event.
std::unique_ptr<RecordingQueue> make_spool_writer(Recorder& recorder, size_t max_events,
                                                  size_t max_bytes);

// The two clocks of now, for a message seen.
SeenAt seen_now();

// How the end of a session went for finish_recording: `grace` in all to
// finish, what ended the session (for the drop reason: "after <end>"), and
// the signal that cut the wait short (0: none; set before the queues'
// cut_short()).
struct SessionFinish {
  std::chrono::milliseconds grace;
  std::string end = "the session ended";
  const std::atomic<int>* cut_by = nullptr;
};

// Why events were dropped or messages not looked at, in words ("" when
// none): each cause that applies once, "; " between them: writes that
// failed (the first error), the tracker's queue full, the spool writer's
// queue full, what was left when the end's wait ran out or `signal` cut it.
std::string drop_reason(const std::string& first_error, bool failed, bool events_full,
                        bool lines_full, bool at_end, const SessionFinish& finish, int signal);

// After the last message: gives the tracking thread's queue `seen`, then the
// spool writer `events`, `finish.grace` in all to finish. `forgotten(at_end)`
// is asked once tracking is done: the ends of calls it could not record
// (messages were lost before them; with `at_end`, lines were left untracked
// at the end, so every call still open is one). `unreadable()`, the lines no
// parse could read, is asked only when both threads are done (never while
// one may still be in the tracker): else it stays 0 and the outcome says
// writer_stuck.
template <typename Seen, typename Forgotten, typename Unreadable>
RecordingOutcome finish_recording(BoundedQueue<Seen>& seen, RecordingQueue& events,
                                  const SessionFinish& finish, Forgotten forgotten,
                                  Unreadable unreadable) {
  RecordingOutcome outcome;
  const auto deadline = std::chrono::steady_clock::now() + finish.grace;
  const bool seen_done = seen.finish(finish.grace);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  // Even when tracking could not finish, what reached the writer is
  // written or counted.
  const bool events_done = events.finish(std::max(left, std::chrono::milliseconds(0)));
  outcome.writer_stuck = !seen_done || !events_done;
  const uint64_t forgot = seen_done ? forgotten(seen.dropped_at_end() > 0) : 0;
  outcome.recorded = events.consumed();
  outcome.shed = seen.dropped_expendable();
  outcome.unseen = seen.dropped() - outcome.shed;
  outcome.dropped = events.dropped() + forgot;
  const int signal = finish.cut_by ? finish.cut_by->load() : 0;
  const bool at_end = events.dropped_at_end() + seen.dropped_at_end() > 0;
  const bool failed = events.dropped() > events.dropped_full() + events.dropped_at_end();
  // Forgotten ends follow lines lost to a full queue or left at the end.
  const bool lines_full = seen.dropped_full() > 0 || (forgot > 0 && !at_end);
  outcome.drop_reason = drop_reason(events.first_error(), failed, events.dropped_full() > 0,
                                    lines_full, at_end, finish, signal);
  if (!outcome.writer_stuck) outcome.unreadable = unreadable();
  return outcome;
}
template <typename Seen, typename Forgotten, typename Unreadable>
RecordingOutcome finish_recording(BoundedQueue<Seen>& seen, RecordingQueue& events,
                                  std::chrono::milliseconds grace, Forgotten forgotten,
                                  Unreadable unreadable) {
  return finish_recording(seen, events, SessionFinish{grace},
                          [&forgotten](bool) { return forgotten(); }, std::move(unreadable));
}

// Adds what a run could not record to the spool's root state, which
// `status` shows. Returns "" when it did, else why it could not.
std::string count_proxy_drops(const Config& config, const RecordingOutcome& outcome);

}  // namespace mcpr
