#include "src/delivery/follow.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "src/delivery/flush_outcome.h"
#include "src/delivery/retry_policy.h"
#include "src/state/root_state.h"
#include "src/delivery/sweep.h"
#include "src/util/failure.h"
#include "src/util/unique_fd.h"

namespace mcpr {
namespace {

class InotifyWaiter : public WorkWaiter {
 public:
  InotifyWaiter(UniqueFd fd, Clock& clock, int stop_fd)
      : fd_(std::move(fd)), clock_(clock), stop_fd_(stop_fd) {}

  void wait(double seconds) override {
    // The stop descriptor stays readable once a stop is asked (never read
    // here): every later wait ends at once too.
    struct pollfd pfd[2] = {{fd_.get(), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    const nfds_t n = stop_fd_ >= 0 ? 2 : 1;
    if (::poll(pfd, n, static_cast<int>(std::max(seconds, 0.0) * 1000)) <= 0) return;
    if (n == 2 && (pfd[1].revents & POLLIN)) return;
    char buf[4096];
    while (::read(fd_.get(), buf, sizeof buf) > 0) {
    }
    // A burst of events usually follows the first: let it land.
    clock_.sleep(0.02);
  }

 private:
  UniqueFd fd_;
  Clock& clock_;
  int stop_fd_;
};

}  // namespace

std::unique_ptr<WorkWaiter> watch_queue(const Spool& spool, Clock& clock, int stop_fd) {
  UniqueFd fd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!fd || ::inotify_add_watch(fd.get(), (spool.root() + "/queue").c_str(), IN_MOVED_TO) < 0)
    throw Failure(kExitCantCreate, spool.root() + "/queue", "cannot watch for new events");
  return std::make_unique<InotifyWaiter>(std::move(fd), clock, stop_fd);
}

FollowWait follow_wait(int64_t next_due_ms, bool outage, int64_t hold_until, double now,
                       double backoff) {
  double until = next_due_ms ? static_cast<double>(next_due_ms) / 1000 : now + kSweepInterval;
  if (hold_until > 0) until = static_cast<double>(hold_until);
  FollowWait w;
  if (outage) {
    until = now + backoff;
    w.backoff = std::min(backoff * 2, 60.0);
  }
  w.seconds = std::clamp(until - now, 0.0, kSweepInterval);
  return w;
}

FlushReport run_passes(FlushSession& session, WorkWaiter* waiter) {
  const FlushOptions& options = session.options;
  Clock& clock = session.clock;
  auto stopped = [&options] { return options.should_stop && options.should_stop(); };
  FlushReport report;
  double backoff = 1;
  std::optional<double> last_sweep;
  for (;;) {
    report = FlushReport();
    unsigned expired = 0;
    if (!options.dry_run && (!last_sweep || clock.mono() - *last_sweep >= kSweepInterval)) {
      const int64_t now = static_cast<int64_t>(clock.wall());
      expired = cleanup_spool(session.spool, cleanup_policy(session.config, now)).expired;
      last_sweep = clock.mono();
    }
    run_flush_pass(session, expired, report);
    if (!options.dry_run) {
      session.starts.trim(clock.wall(), session.config.max_age_days * 86400);
      record_flush(session.spool, report.summary, session.starts, options.follow);
    }
    if (!options.follow) break;
    if (options.on_pass) options.on_pass(report);
    if (follow_ends(report.summary.exit_code) || stopped()) break;
    const double now = clock.wall();
    const int64_t hold = effective_hold(read_root_state(session.spool).hold_until,
                                        static_cast<int64_t>(now), session.config.max_backoff);
    const FollowWait w = follow_wait(report.next_due_ms, report.outage, hold, now, backoff);
    backoff = w.backoff;
    waiter->wait(w.seconds);
    if (stopped()) break;
  }
  report.exit_status = run_exit_status(report.summary.exit_code, options.follow, false);
  return report;
}

}  // namespace mcpr
