#include "src/delivery/flusher.h"

#include <poll.h>
#include <sys/stat.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "spool/cleanup.h"
#include "spool/flush_lock.h"
#include "spool/spool.h"
#include "src/util/failure.h"
#include "src/delivery/flush_outcome.h"
#include "src/delivery/flush_pass.h"
#include "src/delivery/root_state.h"
#include "src/delivery/otlp_sink.h"
#include "src/delivery/retry_policy.h"
#include "src/delivery/sink.h"
#include "src/delivery/sweep.h"
#include "src/util/unique_fd.h"
#include "src/util/version.h"

namespace mcpr {

namespace {

// A ca_file that is missing or not a file is the configuration's mistake
// (78), said before anything is sent, not an outage of the peer.
void require_ca_file(const std::string& path) {
  if (path.empty()) return;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw Failure(kExitConfig, "ca_file " + path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw Failure(kExitConfig, "ca_file " + path, "not a regular file");
  if (::access(path.c_str(), R_OK) != 0)
    throw Failure(kExitConfig, "ca_file " + path, std::strerror(errno));
}

}  // namespace

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
  if (options.api_key.empty() && config.sink == SinkKind::kCoordinator)
    throw Failure(kExitConfig, "API key", "not set",
                  "set coordinator_api_key or api_key_file, or MCP_REPORT_API_KEY");
}

namespace {

// Blocks until a new file lands in queue/, `until` (epoch seconds) passes,
// or a signal arrives; at most a minute, so that cleanup runs now and then.
void wait_for_work(int inotify_fd, double until) {
  double wait = std::clamp(until - wall_now(), 0.0, 60.0);
  struct pollfd pfd = {inotify_fd, POLLIN, 0};
  if (::poll(&pfd, 1, static_cast<int>(wait * 1000)) > 0) {
    char buf[4096];
    while (::read(inotify_fd, buf, sizeof buf) > 0) {
    }
    // A burst of events usually follows the first: let it land.
    ::usleep(20000);
  }
}

// The sweep of the man page's DELIVERY (cleanup); returns how many queued events expired.
unsigned sweep(const Config& config, const Spool& spool) {
  return cleanup_spool(spool, cleanup_policy(config, static_cast<int64_t>(wall_now()))).expired;
}

}  // namespace

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
      FlushLock::acquire(spool, options.wait_for_lock || options.follow, options.should_stop);
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
  UniqueFd inotify;  // closed on every way out, a throw from a pass included
  if (options.follow) {
    inotify.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!inotify ||
        ::inotify_add_watch(inotify.get(), (spool.root() + "/queue").c_str(), IN_MOVED_TO) < 0)
      throw Failure(kExitCantCreate, spool.root() + "/queue", "cannot watch for new events");
  }
  double outage_backoff = 1;
  double last_sweep = 0;
  for (;;) {
    report = FlushReport();
    unsigned expired = 0;
    if (!options.dry_run && mono_now() - last_sweep >= 60) {
      expired = sweep(config, spool);
      last_sweep = mono_now();
    }
    run_flush_pass(session, expired, report);
    if (!options.dry_run) {
      session.starts.trim(wall_now(), config.max_age_days * 86400);
      record_flush(spool, report.summary, session.starts, options.follow);
    }
    if (!options.follow) break;
    if (options.on_pass) options.on_pass(report);
    if (follow_ends(report.summary.exit_code) || (options.should_stop && options.should_stop()))
      break;
    double until =
        report.next_due_ms ? static_cast<double>(report.next_due_ms) / 1000 : wall_now() + 60;
    if (const int64_t held = effective_hold(read_root_state(spool).hold_until,
                                            static_cast<int64_t>(wall_now()), config.max_backoff))
      until = static_cast<double>(held);
    if (report.outage) {
      until = wall_now() + outage_backoff;
      outage_backoff = std::min(outage_backoff * 2, 60.0);
    } else {
      outage_backoff = 1;
    }
    wait_for_work(inotify.get(), until);
    if (options.should_stop && options.should_stop()) break;
  }
  report.exit_status = run_exit_status(report.summary.exit_code, options.follow, false);
  return report;
}

}  // namespace mcpr
