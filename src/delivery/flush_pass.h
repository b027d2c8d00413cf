// One pass of flush over the queue: scan the names into a Scheduler, then
// send what is due through a Sink, oldest first, never two requests with
// events of one interaction in flight, throttled, until all is sent or the
// run must stop (outage, rejected key, Retry-After, budget, signal).
// flush_spool() runs one pass, or many with --follow.
//
// The loop touches the world only through the Clock, the transport (made by
// the factory on the first send) and the spool, so tests/unit drives it with
// a fake clock and a fake transport.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "spool/spool.h"
#include "src/config/config.h"
#include "src/state/flush_state.h"
#include "src/delivery/flusher.h"
#include "src/delivery/http_transport.h"
#include "src/delivery/sink.h"
#include "src/delivery/throttle.h"
#include "src/util/clock.h"

namespace mcpr {

// What lasts across the passes of one flush command.
struct FlushSession {
  const Config& config;
  const Spool& spool;
  const FlushOptions& options;
  const TransportFactory& make_transport;
  Sink& sink;
  Clock& clock;
  DeliveredStarts starts;  // the flusher's; saved by record_flush() after each pass
  Throttle throttle;
  std::unique_ptr<HttpTransport> transport;  // made on the first send
};

// Runs one pass, filling `report`; `expired` events were dead-lettered by the
// sweep just before it and are reported with this pass.
void run_flush_pass(FlushSession& session, unsigned expired, FlushReport& report);

}  // namespace mcpr
