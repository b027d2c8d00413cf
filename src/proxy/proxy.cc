#include "src/proxy/proxy.h"

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

#include "spool/spool.h"
#include "src/event/recorder.h"
#include "src/proxy/forwarder.h"
#include "src/proxy/recording_queue.h"

namespace mcpr {
namespace {

// The spool writer gets this long to write what is queued once the server
// has exited; a spool that hangs must not keep the client waiting for ever.
constexpr std::chrono::milliseconds kFinishGrace(5000);

SeenAt seen_now() {
  SeenAt at;
  at.wall_us = now_us();
  at.mono_us = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
                   .count();
  return at;
}

// Feeds both directions into one tracker (under a lock: the two forwarding
// threads share it) and its events into the queue.
class RecordingObserver : public StreamObserver {
 public:
  RecordingObserver(const TrackerOptions& options, RecordingQueue* queue)
      : tracker_(options, [queue](ProxyEvent e) { queue->push(std::move(e)); }) {}

  void on_line(Direction direction, std::string_view line) override {
    std::lock_guard<std::mutex> lock(mutex_);
    tracker_.on_line(direction, line, seen_now());
  }
  void on_client_closed() override {
    std::lock_guard<std::mutex> lock(mutex_);
    tracker_.close_all("ClientClosed", "the client closed its end before the response",
                       seen_now());
  }
  void on_server_exit(const ChildResult& child) {
    std::string message = child.signaled ? "the server was killed by signal " +
                                               std::to_string(child.code)
                                         : "the server exited with status " +
                                               std::to_string(child.code);
    std::lock_guard<std::mutex> lock(mutex_);
    tracker_.close_all("ServerExited", message + " before the response", seen_now());
  }

 private:
  std::mutex mutex_;
  InteractionTracker tracker_;
};

class NullObserver : public StreamObserver {
 public:
  void on_line(Direction, std::string_view) override {}
  void on_client_closed() override {}
};

}  // namespace

ProxyOutcome run_proxy(const ProxyRun& run) {
  ::signal(SIGPIPE, SIG_IGN);  // a client that leaves is an EPIPE, not our death
  ProxyOutcome outcome;
  if (!run.config) {
    NullObserver observer;
    ForwardResult forwarded = forward_stdio(run.command, observer);
    outcome.child = forwarded.child;
    outcome.client_closed = forwarded.client_closed;
    return outcome;
  }
  auto recorder = std::make_unique<Recorder>(*run.config);
  auto queue = std::make_unique<RecordingQueue>(
      run.queue_events, run.queue_bytes, [r = recorder.get()](const ProxyEvent& e) {
        r->record(e.action, e.interaction_id, e.payload, e.timestamp_us);
      });
  RecordingObserver observer(run.tracker, queue.get());
  ForwardResult forwarded = forward_stdio(run.command, observer);
  outcome.child = forwarded.child;
  outcome.client_closed = forwarded.client_closed;
  if (forwarded.child.started) observer.on_server_exit(forwarded.child);
  outcome.writer_stuck = !queue->finish(kFinishGrace);
  outcome.recorded = queue->written();
  outcome.dropped = queue->dropped();
  outcome.drop_reason = queue->first_error();
  if (outcome.dropped > 0 && outcome.drop_reason.empty())
    outcome.drop_reason = "the spool writer could not keep up (queue full)";
  if (outcome.writer_stuck) {
    // Its thread still runs, inside a write: both stay alive until the
    // caller leaves with _exit.
    (void)queue.release();
    (void)recorder.release();
  }
  return outcome;
}

void count_proxy_drops(const Config& config, uint64_t dropped, const std::string& reason) {
  try {
    Spool spool = Spool::open(config.spool_path(), true);
    uint64_t total = dropped;
    if (auto old = read_root_file(spool, kProxyDroppedFile))
      total += std::strtoull(old->c_str(), nullptr, 10);
    std::string line = reason;
    for (char& c : line)
      if (c == '\n' || c == '\r') c = ' ';
    write_root_file(spool, kProxyDroppedFile,
                    std::to_string(total) + " " + std::to_string(now_us() / 1000000) + " " +
                        line + "\n");
  } catch (const std::exception&) {
    // The spool is what failed: the warning on stderr is all there is.
  }
}

}  // namespace mcpr
