// flush: deliver what is due in the spool (man page DELIVERY). At least once,
// oldest first, one interaction's events strictly in order and never two in
// flight, throttled, with one attempt per event per run.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/state/flush_state.h"
#include "src/delivery/http_transport.h"
#include "src/util/clock.h"

namespace mcpr {

struct FlushReport;

// An event flush --dry-run would send.
struct DryRunEvent {
  std::string event_id;
  std::string action;  // "interaction_start", ...
  std::string interaction_id;
  unsigned attempt = 1;  // the attempt it would be
  std::string line() const;  // "<id>  <action>  <interaction>[  (attempt N)]"
  std::string json() const;  // one object, for --json
};

struct FlushOptions {
  int64_t max_events = 0;  // requests to start at most; 0 for no limit
  double max_time = 60;    // seconds in which to start requests
  bool dry_run = false;    // list what would be sent; send and change nothing
  bool wait_for_lock = false;
  // Keep running: send new events as they land (inotify) and retries when
  // they fall due, until should_stop() says so.
  bool follow = false;
  std::function<bool()> should_stop;                     // checked often; true after SIGINT/SIGTERM
  // Readable once should_stop() is true (-1: none): a follower's wait for
  // work polls it too, so that a stop asked just before the wait began
  // ends the wait at once rather than after it (up to a minute).
  int stop_fd = -1;
  std::function<void(const DryRunEvent&)> on_dry_run;    // each event that would go
  std::function<void(const FlushSummary&)> on_progress;  // about twice a second
  std::function<void(const FlushReport&)> on_pass;       // after each pass of --follow
  std::function<void(const std::string& event_id, double when)> on_send;  // each request's start
};

struct FlushReport {
  bool locked_out = false;  // another flusher holds the lock; nothing done
  // What the flush command exits with (run_exit_status of the last pass).
  int exit_status = 0;
  FlushSummary summary;  // the last pass's, with the pass's own exit code
  std::vector<std::string> messages;  // one line per failure reason
  std::string hint;
  bool outage = false;   // the pass stopped: coordinator unreachable
  int64_t next_due_ms = 0;  // earliest retry still waiting (epoch milliseconds), 0: none
};

using TransportFactory = std::function<std::unique_ptr<HttpTransport>()>;

// Opens the spool, takes the flush lock, sweeps, sends and saves the summary;
// with options.follow, goes on until asked to stop. Returns the last pass's
// report and the run's exit status.
// The transport is made only when something is to be sent. Throws Failure
// (78) for a missing URL, (73) for a spool it cannot use.
FlushReport flush_spool(const Config& config, const FlushOptions& options,
                        const TransportFactory& make_transport);

// flush --splay N (man page DELIVERY COMMANDS): sleeps `unit` (a uniform
// draw in [0, 1)) times N seconds on `clock`, so that a fleet's cron runs do
// not all reach the coordinator in the same second. `announce` hears the
// sleep chosen before it starts. Returns it.
double splay(Clock& clock, double max_seconds, double unit,
             const std::function<void(double chosen)>& announce = {});

// The TransportOptions for a config (reads the API key; Failure 78).
TransportOptions transport_options(const Config& config);

// The coordinator sink needs the API key (the OTLP sink sends headers
// instead): Failure (78) when it has none.
void require_api_key(const Config& config, const TransportOptions& options);

}  // namespace mcpr
