// `mcp-report proxy`: the forwarding of forwarder.h, with each configured
// request recorded into the spool off the forwarding path (man page PROXY).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
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
  uint64_t unreadable = 0;    // lines no parse could read as a message (not warned about)
  std::string drop_reason;    // the first write failure, or "queue full"
  bool writer_stuck = false;  // the spool writer could not finish: leave with _exit
};

struct ProxyOutcome {
  ChildResult child;
  bool client_closed = false;
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

// After the last message: gives the tracking thread's queue `seen`, then the
// spool writer `events`, `grace` in all to finish. `forgotten()` is asked
// once tracking is done: the ends of calls it could not record (messages
// were lost before them).
template <typename Seen, typename Forgotten>
RecordingOutcome finish_recording(BoundedQueue<Seen>& seen, RecordingQueue& events,
                                  std::chrono::milliseconds grace, Forgotten forgotten) {
  RecordingOutcome outcome;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  const bool seen_done = seen.finish(grace);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  outcome.writer_stuck = !seen_done || !events.finish(std::max(left, std::chrono::milliseconds(0)));
  outcome.recorded = events.consumed();
  outcome.unseen = seen.dropped();
  outcome.dropped = events.dropped() + (seen_done ? forgotten() : 0);
  outcome.drop_reason = events.first_error();
  if ((outcome.dropped > 0 || outcome.unseen > 0) && outcome.drop_reason.empty())
    outcome.drop_reason = "the spool writer could not keep up (queue full)";
  return outcome;
}

// Adds what a run could not record to the spool's root state (best effort),
// which `status` shows.
void count_proxy_drops(const Config& config, const RecordingOutcome& outcome);

}  // namespace mcpr
