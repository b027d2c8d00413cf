#include "src/delivery/flusher.h"

#include "spool/flush_lock.h"
#include "spool/spool.h"
#include "src/delivery/flush_outcome.h"
#include "src/delivery/flush_pass.h"
#include "src/delivery/follow.h"
#include "src/delivery/otlp_sink.h"
#include "src/state/root_state.h"
#include "src/delivery/sink.h"
#include "src/util/failure.h"
#include "src/util/version.h"

namespace mcpr {

TransportOptions transport_options(const Config& config) {
  require_ca_file(config.ca_file);
  TransportOptions t;
  t.api_key = config.resolve_api_key();
  t.user_agent = std::string("mcp-report/") + kVersion;
  t.ca_file = config.ca_file;
  t.timeout = config.timeout;
  t.max_connections = static_cast<int>(config.concurrency);
  return t;
}

void require_api_key(const Config& config, const TransportOptions& options) {
  if (options.api_key.empty() && config.sink == SinkKind::kCoordinator) {
    // An OpenTelemetry user who set only OTEL_*: the sink is what is missing.
    const std::string otlp = config.otlp_sink_hint();
    throw Failure(kExitConfig, "API key", "not set",
                  (otlp.empty() ? "" : otlp + "; for the coordinator, ") +
                      credentials_hint(SinkKind::kCoordinator, false));
  }
}

double splay(Clock& clock, double max_seconds, double unit,
             const std::function<void(double chosen)>& announce) {
  if (!(max_seconds > 0)) return 0;
  const double chosen = max_seconds * unit;
  if (announce) announce(chosen);
  clock.sleep(chosen);
  return chosen;
}

FlushReport flush_spool(const Config& config, const FlushOptions& options,
                        const TransportFactory& make_transport) {
  FlushReport report;
  if (!config.enabled) {
    return report;
  }
  std::unique_ptr<Sink> sink = config.sink == SinkKind::kOtlp
                                   ? make_otlp_sink(otlp_sink_options(config))
                                   : make_coordinator_sink(config.coordinator_url());
  Spool spool = Spool::open(config.spool_path(), true);
  std::optional<FlushLock> lock =
      FlushLock::acquire(spool, options.wait_for_lock || options.follow, options.should_stop,
                         options.stop_fd);
  if (!lock) {
    report.locked_out = true;
    report.exit_status = run_exit_status(kExitOk, options.follow, true);
    return report;
  }
  FlushSession session{config,
                       spool,
                       options,
                       make_transport,
                       *sink,
                       system_clock(),
                       DeliveredStarts{read_root_state(spool).open},
                       Throttle(config.rate_limit, config.rate_period),
                       nullptr};
  std::unique_ptr<WorkWaiter> waiter =
      options.follow ? watch_queue(spool, session.clock, options.stop_fd) : nullptr;
  return run_passes(session, waiter.get());
}

}  // namespace mcpr
