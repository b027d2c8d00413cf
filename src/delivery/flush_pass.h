// One pass of flush over the queue: scan the names, then send what is due,
// oldest first, one request per interaction at a time, throttled, until all
// is sent or the run must stop (outage, rejected key, Retry-After, budget,
// signal). flush_spool() runs one pass, or many with --follow.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "spool/spool.h"
#include "src/config/config.h"
#include "src/delivery/flush_state.h"
#include "src/delivery/flusher.h"
#include "src/delivery/http_transport.h"
#include "src/delivery/throttle.h"

namespace mcpr {

// What lasts across the passes of one flush command.
struct FlushSession {
  const Config& config;
  const Spool& spool;
  const FlushOptions& options;
  const TransportFactory& make_transport;
  FlushState state;
  Throttle throttle;
  std::unique_ptr<HttpTransport> transport;  // made on the first send
};

// Runs one pass, filling `report`; `expired` events were dead-lettered by the
// sweep just before it and are reported with this pass.
void run_flush_pass(FlushSession& session, const std::string& url, unsigned expired,
                    FlushReport& report);

// Clocks: monotonic for intervals, wall for due times (epoch seconds).
double mono_now();
double wall_now();

}  // namespace mcpr
