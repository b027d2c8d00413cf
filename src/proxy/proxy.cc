#include "src/proxy/proxy.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <poll.h>

#include <atomic>
#include <cerrno>
#include <functional>
#include <iterator>
#include <thread>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "spool/spool.h"
#include "src/event/recorder.h"
#include "src/proxy/forwarder.h"
#include "src/proxy/line_splitter.h"
#include "src/proxy/recording_queue.h"
#include "src/proxy/session_close.h"
#include "src/state/root_state.h"
#include "src/util/unique_fd.h"

namespace mcpr {

// A line as the forwarding threads saw it, or the end of one side.
struct SeenLine {
  enum Kind {
    kLine,
    kLongLine,
    kUnfinishedLine,
    kClientClosed,
    kClientInputEnded,
    kSignal,  // a shutdown signal reached the proxy while the server ran
    kServerExited
  } kind = kLine;
  Direction direction = Direction::kClientToServer;
  // The line (a long or unfinished line's start); for kServerExited how the
  // server ended; for kSignal the signal's name.
  std::string text;
  SeenAt at;
  std::string tail;  // the end of a long line
  size_t size = 0;   // a long or unfinished line's size
  // kServerExited: it ended as a client's shutdown ends it; kUnfinishedLine:
  // the server's end cut the client's line short.
  bool shutdown = false;

  size_t bytes() const { return text.size() + tail.size(); }  // for BoundedQueue's bound
};

namespace {

// After the server exits, what is queued gets this long to be tracked and
// written; a spool that hangs must not keep the client waiting for ever.
constexpr std::chrono::milliseconds kFinishGrace(5000);
constexpr size_t kMaxQueuedLines = 10000;
// How often the tracking thread looks for new lines while a session is busy:
// the forwarding threads then wake it only after a quiet spell, not once per
// message (which made a runnable thread beside the client and the server on
// every round trip).
constexpr std::chrono::milliseconds kTrackPoll(10);

// The forwarding threads only copy lines into the line queue, in the order
// the server saw them; its thread parses and tracks them, and hands the
// events to the spool writer's queue.
class RecordingObserver : public StreamObserver {
 public:
  RecordingObserver(const TrackerOptions& options, RecordingQueue* events, size_t max_bytes)
      : tracker_(options, queue_sink(events)),
        lines_(kMaxQueuedLines, max_bytes, [this](SeenLine& l) { track(l); }, kTrackPoll) {}

  void on_line(Direction direction, std::string_view line) override {
    // The client's lines are seen before they are forwarded: the tracking
    // thread is woken only once they were (on_forwarded).
    const bool server = direction == Direction::kServerToClient;
    // When the tracker falls behind, the server's lines that can only be
    // detail (progress) are refused once a quarter of the room is left,
    // which stays for what starts and ends calls; told apart only then.
    const bool detail = server && lines_.crowded() && only_detail(line);
    const bool queued =
        lines_.push({SeenLine::kLine, direction, std::string(line), seen_now(), {}, 0}, server,
                    detail);
    if (!detail) note(queued);
  }
  void on_forwarded() override { lines_.wake(); }
  void on_long_line(Direction direction, std::string_view head, std::string_view tail,
                    size_t size) override {
    note(lines_.push({SeenLine::kLongLine, direction, std::string(head), seen_now(),
                      std::string(tail), size}));
  }
  void on_unfinished_line(Direction direction, std::string_view start, std::string_view tail,
                          size_t size, bool server_gone) override {
    // The client's last line at the end of its input is read as a line;
    // of the others only the start matters.
    const bool last = direction == Direction::kClientToServer && !server_gone;
    note(lines_.push({SeenLine::kUnfinishedLine, direction,
                      std::string(last ? start : start.substr(0, kLineEdge)), seen_now(),
                      std::string(last ? tail : std::string_view()), size, server_gone}));
  }
  void on_client_closed() override {
    lines_.push({SeenLine::kClientClosed, Direction::kServerToClient, "", seen_now(), {}, 0});
  }
  void on_client_input_ended() override {
    lines_.push({SeenLine::kClientInputEnded, Direction::kClientToServer, "", seen_now(), {}, 0});
  }
  void on_shutdown_signal(int sig) override {
    const char* name = sigabbrev_np(sig);
    lines_.push({SeenLine::kSignal, Direction::kServerToClient,
                 name ? "SIG" + std::string(name) : "signal " + std::to_string(sig), seen_now(),
                 {}, 0});
  }
  void on_server_exit(const ChildResult& child) {
    std::string how = child.signaled ? "the server was killed by signal " + std::to_string(child.code)
                                     : "the server exited with status " + std::to_string(child.code);
    // How a server ends when its client shuts it down (MCP stdio: stdin
    // closed, then SIGTERM): status 0, or SIGTERM, SIGINT or SIGHUP; or
    // SIGPIPE, when what it wrote on its way out found the client's stderr
    // gone with the client (its stdout is ours, read to the end).
    const bool shutdown = child.signaled ? child.code == SIGTERM || child.code == SIGINT ||
                                               child.code == SIGHUP || child.code == SIGPIPE
                                         : child.code == 0;
    lines_.push({SeenLine::kServerExited, Direction::kServerToClient, how, seen_now(), {}, 0,
                 shutdown});
  }
  BoundedQueue<SeenLine>& lines() { return lines_; }
  // Ends of calls not recorded because lines were lost before them; with
  // `at_end` (once the line queue has finished), lines were left untracked
  // at the end, the server's exit perhaps among them: every call still open
  // then has an end not recorded.
  uint64_t forgotten(bool at_end) {
    if (at_end) forgotten_ += tracker_.forget_all();
    return forgotten_;
  }
  // Once the line queue has finished.
  uint64_t unreadable() const { return tracker_.unreadable_lines() + unfinished_; }

 private:
  void note(bool queued) {
    if (!queued) lost_lines_ = true;
  }
  void track(const SeenLine& l) {
    switch (l.kind) {
      case SeenLine::kLine:
        tracker_.on_line(l.direction, l.text, l.at);
        break;
      case SeenLine::kLongLine:
        tracker_.on_long_line(l.direction, l.text, l.tail, l.size, l.at);
        break;
      case SeenLine::kUnfinishedLine: {
        // The client's last line at the end of its input: a Python server
        // reads it, a TypeScript SDK server never does (the tracker's).
        if (l.direction == Direction::kClientToServer && !l.shutdown) {
          tracker_.on_last_client_line(l.text, l.tail, l.size, l.at);
          break;
        }
        // No SDK client reads a server's line without its newline: it is
        // counted as a line not looked at. A request the server's end cut
        // short (an SDK server reads at most 10 MiB of a line, then fails
        // and exits) is counted so too, and is the call the server ended
        // on: tracked by its start, when that shows its method.
        const uint64_t unreadable = tracker_.unreadable_lines();
        if (l.direction == Direction::kClientToServer)
          tracker_.on_cut_request(l.text, l.size, l.at);
        if (tracker_.unreadable_lines() == unreadable) ++unfinished_;
        break;
      }
      case SeenLine::kClientInputEnded:
        end_session({SessionStep::kClientInputEnded, l.at, {}, false});
        break;
      case SeenLine::kClientClosed:
        end_session({SessionStep::kClientGone, l.at, {}, false});
        break;
      case SeenLine::kSignal:
        end_session({SessionStep::kSignal, l.at, l.text, false});
        break;
      case SeenLine::kServerExited:
        end_session({SessionStep::kServerExited, l.at, l.text, l.shutdown});
        break;
    }
  }

  void end_session(const SessionStep& step) {
    const std::optional<SessionClosing> closing = closer_.on(step);
    if (!closing) return;
    // After lost lines an open call may have been answered in one of
    // them: it gets no outcome rather than an invented error.
    if (lost_lines_) forgotten_ += tracker_.forget_all();
    else tracker_.close_all(closing->how, closing->message, closing->at);
  }

  InteractionTracker tracker_;
  std::atomic<bool> lost_lines_{false};
  SessionCloser closer_;  // the tracking thread's
  uint64_t forgotten_ = 0;  // the tracking thread's
  uint64_t unfinished_ = 0;  // the tracking thread's: lines cut short, not looked at
  BoundedQueue<SeenLine> lines_;  // last: its thread uses the members above
};

class NullObserver : public StreamObserver {
 public:
  void on_line(Direction, std::string_view) override {}
  void on_client_closed() override {}
};

// Signals once the server has exited (the forwarding of child_process.cc
// passes them to the server while it runs, and puts these handlers back when
// it is reaped): each the proxy would die of ends the final write at once,
// its remains counted as dropped, and the exit status stays the server's.
// The handler only writes the signal's number to a pipe; a thread reads it
// and cuts the queues' waits short.
constexpr int kEndSignals[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2};
int g_signal_pipe = -1;

void note_signal(int sig) {
  const int saved = errno;
  const unsigned char byte = static_cast<unsigned char>(sig);
  (void)!::write(g_signal_pipe, &byte, 1);
  errno = saved;
}

class EndSignals {
 public:
  // Installed before the server starts, so that no signal finds the default
  // action between its exit and the watch.
  EndSignals() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return;
    read_.reset(fds[0]);
    write_.reset(fds[1]);
    g_signal_pipe = fds[1];
    struct sigaction action = {};
    action.sa_handler = note_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < std::size(kEndSignals); ++i)
      ::sigaction(kEndSignals[i], &action, &saved_[i]);
    installed_ = true;
  }
  ~EndSignals() {
    stop_watching();
    if (!installed_) return;
    for (size_t i = 0; i < std::size(kEndSignals); ++i)
      ::sigaction(kEndSignals[i], &saved_[i], nullptr);
    g_signal_pipe = -1;
  }
  // From now on (and for one already caught), a signal sets `caught` and
  // calls `cut`.
  void watch(std::function<void()> cut) {
    if (!installed_) return;
    watcher_ = std::thread([this, cut = std::move(cut)] {
      pollfd fd = {read_.get(), POLLIN, 0};
      for (;;) {
        if (::poll(&fd, 1, -1) < 0 && errno != EINTR) return;
        unsigned char byte = 0;
        if (::read(read_.get(), &byte, 1) != 1) continue;
        if (byte == 0) return;  // stop_watching()
        if (caught.exchange(byte) == 0) cut();
      }
    });
  }
  void stop_watching() {
    if (!watcher_.joinable()) return;
    const unsigned char stop = 0;
    (void)!::write(write_.get(), &stop, 1);
    watcher_.join();
  }
  std::atomic<int> caught{0};

 private:
  bool installed_ = false;
  UniqueFd read_, write_;
  struct sigaction saved_[std::size(kEndSignals)] = {};
  std::thread watcher_;
};

// The client sees the end of the stream as soon as the server's ends, not
// once the spool writer is done: fd 1 becomes /dev/null.
void end_client_stream() {
  int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_fd < 0) return;
  ::dup2(null_fd, 1);
  ::close(null_fd);
}

}  // namespace

ProxyOutcome run_proxy(const ProxyRun& run) {
  ::signal(SIGPIPE, SIG_IGN);  // a client that leaves is an EPIPE, not our death
  ProxyOutcome outcome;
  if (!run.config) {
    NullObserver observer;
    ForwardResult forwarded = forward_stdio(run.command, observer);
    outcome.child = forwarded.child;
    return outcome;
  }
  auto recorder = std::make_unique<Recorder>(recorder_options(*run.config));
  auto events = make_spool_writer(*recorder, run.queue_events, run.queue_bytes);
  // Over stdio the messages cross pipes (the OpenTelemetry name for it).
  TrackerOptions options = run.tracker;
  options.start_attributes.push_back({"network.transport", std::string("pipe")});
  options.stdio_lines = true;
  auto observer = std::make_unique<RecordingObserver>(options, events.get(), run.queue_bytes);
  EndSignals signals;
  ForwardResult forwarded = forward_stdio(run.command, *observer);
  end_client_stream();
  outcome.child = forwarded.child;
  if (forwarded.child.started) observer->on_server_exit(forwarded.child);

  // The tracker ends the lines it is at (it cannot hang); the writer stops
  // between two writes, or is left in one.
  signals.watch([&observer, &events] {
    observer->lines().cut_short(true);
    events->cut_short();
  });
  SessionFinish finish{kFinishGrace, "the server exited", &signals.caught};
  outcome.recording = finish_recording(
      observer->lines(), *events, finish,
      [&observer](bool at_end) { return observer->forgotten(at_end); },
      [&observer] { return observer->unreadable(); });
  signals.stop_watching();
  if (outcome.recording.writer_stuck) {
    // Their threads still run, inside a write: everything they use stays
    // alive until the caller leaves with _exit.
    (void)observer.release();
    (void)events.release();
    (void)recorder.release();
  }
  return outcome;
}

SeenAt seen_now() {
  SeenAt at;
  at.wall_us = now_us();
  at.mono_us = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
                   .count();
  return at;
}

std::unique_ptr<RecordingQueue> make_spool_writer(Recorder& recorder, size_t max_events,
                                                  size_t max_bytes) {
  // How long the spool writer lets events gather before it commits them: a
  // session's calls then cost one syncfs and one folder fsync every 100 ms at
  // most, not a cache flush per event. Measured with the SDK client here
  // (1,000-call rounds, medians): recording added about 105 us to a round
  // trip with an fsync per event, 40-60 us gathering 20-100 ms; forwarding
  // alone 20-50 us.
  constexpr std::chrono::milliseconds kGather(100);
  return std::make_unique<RecordingQueue>(
      max_events, max_bytes,
      started_only([r = &recorder](std::vector<ProxyEvent>& run, std::string& error,
                                   std::vector<bool>& written) {
        std::vector<Recorder::Parts> parts;
        parts.reserve(run.size());
        for (ProxyEvent& e : run)
          parts.push_back({e.action, e.interaction_id, std::move(e.payload), e.timestamp_us});
        r->record_all(parts, error, &written);
      }),
      kGather);
}

std::string drop_reason(const std::string& first_error, bool failed, bool events_full,
                        bool lines_full, bool at_end, const SessionFinish& finish, int signal) {
  std::string why;
  auto add = [&why](const std::string& cause) { why += (why.empty() ? "" : "; ") + cause; };
  if (failed) add(first_error.empty() ? "the spool refused them" : first_error);
  if (lines_full) add("the tracker could not keep up (its queue full)");
  if (events_full) add("the spool writer could not keep up (queue full)");
  if (at_end && signal > 0) {
    const char* name = sigabbrev_np(signal);
    add((name ? "SIG" + std::string(name) : "signal " + std::to_string(signal)) + " after " +
        finish.end + " cut the final write short");
  }
  else if (at_end)
    add("not written within " + std::to_string(finish.grace.count() / 1000) + " s after " +
        finish.end);
  return why;
}

std::string count_proxy_drops(const Config& config, const RecordingOutcome& outcome) {
  try {
    std::string line = outcome.drop_reason;
    if (line.empty() && outcome.unreadable > 0) line = "lines that were not JSON-RPC messages (or had no newline)";
    for (char& c : line)
      if (c == '\n' || c == '\r') c = ' ';
    add_proxy_counts(Spool::open(config.spool_path(), true), outcome.dropped,
                     outcome.unseen + outcome.shed + outcome.unreadable, line,
                     now_us() / 1000000);
    return "";
  } catch (const std::exception& e) {
    return *e.what() ? e.what() : "unknown error";
  }
}

}  // namespace mcpr
