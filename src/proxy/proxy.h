// `mcp-report proxy`: the forwarding of forwarder.h, with each configured
// request recorded into the spool off the forwarding path (man page PROXY).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/proxy/interaction_tracker.h"
#include "src/util/child_process.h"

namespace mcpr {

struct ProxyRun {
  std::vector<std::string> command;
  TrackerOptions tracker;
  const Config* config = nullptr;  // nullptr: forward only, record nothing
  size_t queue_events = 10000;     // what may wait for the spool writer
  size_t queue_bytes = 64u << 20;
};

struct ProxyOutcome {
  ChildResult child;
  bool client_closed = false;
  uint64_t recorded = 0;
  uint64_t dropped = 0;      // events not recorded
  uint64_t unseen_lines = 0;  // messages the tracker never saw (its queue was full)
  std::string drop_reason;  // the first write failure, or "queue full"
  bool writer_stuck = false;  // the spool writer could not finish: leave with _exit
};

// Runs the proxy to the end of the server. Never throws for recording
// failures: they only count as drops.
ProxyOutcome run_proxy(const ProxyRun& run);

// Adds what a run could not record to the spool's root state (best effort),
// which `status` shows.
void count_proxy_drops(const Config& config, const ProxyOutcome& outcome);

}  // namespace mcpr
