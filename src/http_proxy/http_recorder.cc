#include "src/http_proxy/http_recorder.h"

#include <algorithm>
#include <climits>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "src/proxy/json_tree.h"
#include "src/proxy/proxy.h"

namespace mcpr {
namespace {

// What may wait for the tracking thread and the spool writer, as in the
// stdio proxy (man page PROXY).
constexpr size_t kMaxQueuedMessages = 10000;
constexpr size_t kMaxQueuedEvents = 10000;
constexpr size_t kMaxQueuedBytes = 64u << 20;
constexpr std::chrono::milliseconds kTrackPoll(10);
// Sessions kept at once (a tracker is a few hundred bytes); beyond, the
// longest idle one without a call open makes room.
constexpr size_t kMaxSessions = 4096;
// After the proxy stops, what is queued gets this long to be tracked and
// written, as after the stdio proxy's server exits.
constexpr std::chrono::milliseconds kFinishGrace(5000);

// To the client, the proxy that stops is the server going away.
constexpr char kStoppedMessage[] = "the proxy stopped before the response";

}  // namespace

struct HttpRecorder::Session {
  explicit Session(InteractionTracker::Sink sink, TrackerOptions options)
      : tracker(std::move(options), std::move(sink)) {}
  InteractionTracker tracker;
  bool sessionless = false;  // an exchange's own (no MCP session): ends with it
  uint64_t used = 0;   // when a message last came, in messages seen
};

// Rings (pushes a kTick to the tracking thread) when the oldest call left
// by its client is due to end, from a thread of its own that waits on the
// Clock: without it, such a call would wait for the next message.
class HttpRecorder::Alarm {
 public:
  Alarm(Clock& clock, std::function<void(double)> ring)
      : clock_(clock), ring_(std::move(ring)), thread_([this] { run(); }) {}
  ~Alarm() { stop(); }
  // Rings at `due` (Clock::mono seconds), or earlier if set earlier.
  void set(double due) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_ || (armed_ && due_ <= due)) return;
    armed_ = true;
    due_ = due;
    cv_.notify_one();
  }
  // Rings no more.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
      cv_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopped_) {
      if (!armed_) {
        cv_.wait(lock, [this] { return stopped_ || armed_; });
        continue;
      }
      const double due = due_;
      if (clock_.wait_until(cv_, lock, due, [&] { return stopped_ || due_ != due; })) continue;
      armed_ = false;
      lock.unlock();
      ring_(due);
      lock.lock();
    }
  }

  Clock& clock_;
  std::function<void(double)> ring_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopped_ = false;
  bool armed_ = false;
  double due_ = 0;
  std::thread thread_;
};

HttpRecorder::HttpRecorder(const Config& config, TrackerOptions options,
                           const UpstreamUrl& upstream, Clock& clock)
    : options_(std::move(options)),
      server_address_(upstream.host),
      server_port_(upstream.port),
      recorder_(std::make_unique<Recorder>(recorder_options(config))),
      events_(make_spool_writer(*recorder_, kMaxQueuedEvents, kMaxQueuedBytes)),
      alarm_(std::make_unique<Alarm>(clock,
                                     [this](double due) {
                                       SeenHttp tick;
                                       tick.kind = SeenHttp::kTick;
                                       tick.at.mono_us = static_cast<int64_t>(due * 1e6) + 1;
                                       // Lost when full: the next message ends them.
                                       (void)seen_->push(std::move(tick));
                                     })),
      seen_(std::make_unique<BoundedQueue<SeenHttp>>(
          kMaxQueuedMessages, kMaxQueuedBytes, [this](SeenHttp& s) { track(s); }, kTrackPoll)) {}

HttpRecorder::~HttpRecorder() {
  alarm_->stop();
  if (seen_) seen_->finish(std::chrono::milliseconds(0));
}

void HttpRecorder::push(SeenHttp seen) {
  if (!seen_->push(std::move(seen))) lost_ = true;
}

void HttpRecorder::on_message(uint64_t exchange, const std::string& session, Direction direction,
                              TappedMessage message, SeenAt at) {
  push({SeenHttp::kMessage, exchange, session, direction, std::move(message), {}, false, at});
}

void HttpRecorder::on_exchange_end(uint64_t exchange, const std::string& session, Ending ending,
                                   SeenAt at) {
  push({SeenHttp::kExchangeEnd, exchange, session, Direction::kServerToClient, {}, ending, false,
        at});
}

void HttpRecorder::on_session_end(const std::string& session, bool by_client, SeenAt at) {
  push({SeenHttp::kSessionEnd, 0, session, Direction::kServerToClient, {}, {}, by_client, at});
}

void HttpRecorder::on_unreadable(uint64_t) {
  lost_ = true;
  ++undecoded_;
}

std::string HttpRecorder::key_of(const SeenHttp& seen) const {
  if (!seen.session.empty()) return seen.session;
  auto route = routes_.find(seen.exchange);
  return route != routes_.end() ? route->second : "#" + std::to_string(seen.exchange);
}

// Without sessions (2026-07-28) each exchange has a tracker of its own, and
// a call answered with a task keeps its tracker open after its exchange: a
// later request about that task (its taskId in params) joins that tracker,
// as over stdio the task's polls reach the tracker of its call.
void HttpRecorder::route_to_task(const SeenHttp& seen) {
  if (!seen.session.empty() || seen.direction != Direction::kClientToServer || seen.message.cut ||
      routes_.count(seen.exchange) || seen.message.text.find("\"tasks/") == std::string::npos)
    return;
  JsonTree tree;
  if (!tree.parse(seen.message.text)) return;
  const std::string_view method = JsonTree::string(tree.member(tree.root(), "method"));
  if (method.substr(0, 6) != "tasks/") return;
  const std::string task(
      JsonTree::string(tree.member(tree.member(tree.root(), "params"), "taskId")));
  if (task.empty()) return;
  for (const auto& [key, session] : sessions_)
    if (session->sessionless && session->tracker.follows_task(task)) {
      routes_[seen.exchange] = key;
      return;
    }
}

HttpRecorder::Session& HttpRecorder::session_of(const SeenHttp& seen) {
  const std::string key = key_of(seen);
  ++messages_;
  auto it = sessions_.find(key);
  if (it != sessions_.end()) {
    it->second->used = messages_;
    return *it->second;
  }
  if (sessions_.size() >= kMaxSessions) forget_idle_session();
  // What the HTTP proxy knows and the messages do not (man page HTTP PROXY).
  TrackerOptions options = options_;
  options.start_attributes.push_back({"network.transport", std::string("tcp")});
  options.start_attributes.push_back({"server.address", server_address_});
  options.start_attributes.push_back({"server.port", int64_t{server_port_}});
  if (!seen.session.empty()) options.start_attributes.push_back({"mcp.session.id", seen.session});
  auto session = std::make_unique<Session>(queue_sink(events_.get()),
                                           std::move(options));
  session->sessionless = seen.session.empty();
  session->used = messages_;
  return *sessions_.emplace(key, std::move(session)).first->second;
}

// Clients often leave without ending their session (no DELETE): the
// longest idle session with no call open is forgotten to make room. Should
// it come back, its next start events lack the client's name and version.
void HttpRecorder::forget_idle_session() {
  auto oldest = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
    if (it->second->tracker.open_count() == 0 &&
        (oldest == sessions_.end() || it->second->used < oldest->second->used))
      oldest = it;
  if (oldest == sessions_.end()) return;
  unreadable_ += oldest->second->tracker.unreadable_lines();
  sessions_.erase(oldest);
}

void HttpRecorder::track(SeenHttp& seen) {
  if (!left_.empty() && seen.kind != SeenHttp::kStopped) end_left(seen.at.mono_us);
  switch (seen.kind) {
    case SeenHttp::kTick:
      break;
    case SeenHttp::kMessage: {
      route_to_task(seen);
      InteractionTracker& tracker = session_of(seen).tracker;
      TappedMessage& m = seen.message;
      tracker.set_transport_trace_context(m.traceparent, m.tracestate);
      if (m.cut) tracker.on_long_line(seen.direction, m.text, m.tail, m.size, seen.at);
      else tracker.on_line(seen.direction, m.text, seen.at);
      tracker.set_transport_trace_context({}, {});
      keep_cancel(seen, tracker);
      // Kept to end its calls with the exchange, a long one by its ends too.
      if (seen.direction == Direction::kClientToServer) requests_[seen.exchange] = std::move(m);
      break;
    }
    case SeenHttp::kExchangeEnd:
      end_exchange(seen);
      break;
    case SeenHttp::kSessionEnd: {
      auto it = sessions_.find(seen.session);
      if (it == sessions_.end()) break;
      if (!left_.empty()) end_left(INT64_MAX, &seen.session);
      if (seen.by_client)
        it->second->tracker.close_all(SessionEnd::kClientClosed,
                                      "the client ended the session before the response", seen.at);
      else
        it->second->tracker.close_all(SessionEnd::kServerExited,
                                      "the server ended the session before the response", seen.at);
      unreadable_ += it->second->tracker.unreadable_lines();
      sessions_.erase(it);
      cancels_.erase(std::remove_if(cancels_.begin(), cancels_.end(),
                                    [&](const Cancel& c) { return c.key == seen.session; }),
                     cancels_.end());
      break;
    }
    case SeenHttp::kStopped:
      // The client left those calls: no cancellation came before the stop.
      end_left(INT64_MAX);
      // After lost messages an open call may have been answered in one of
      // them: it gets no outcome rather than an invented error.
      for (auto& [key, session] : sessions_) {
        unreadable_ += session->tracker.unreadable_lines();
        if (lost_) forgotten_ += session->tracker.forget_all();
        else session->tracker.close_all(SessionEnd::kServerExited, kStoppedMessage, seen.at);
      }
      sessions_.clear();
      requests_.clear();
      routes_.clear();
      cancels_.clear();
      break;
  }
}

// A cancellation is kept for kCancelGrace; a request sent before it that
// reaches the recorder after it (its response head came later) gets it
// again, so the call it names ends Cancelled whichever came first.
void HttpRecorder::keep_cancel(const SeenHttp& seen, InteractionTracker& tracker) {
  if (seen.direction != Direction::kClientToServer || seen.message.cut) return;
  const int64_t grace_us = std::chrono::microseconds(kCancelGrace).count();
  cancels_.erase(std::remove_if(cancels_.begin(), cancels_.end(),
                                [&](const Cancel& c) {
                                  return c.at.mono_us + grace_us < seen.at.mono_us;
                                }),
                 cancels_.end());
  const std::string key = key_of(seen);
  const std::string& text = seen.message.text;
  if (text.find("notifications/cancelled") != std::string::npos) {
    JsonTree tree;
    if (tree.parse(text) &&
        JsonTree::string(tree.member(tree.root(), "method")) == "notifications/cancelled") {
      if (cancels_.size() >= 1000) cancels_.erase(cancels_.begin());
      cancels_.push_back({key, text, seen.at});
      return;
    }
  }
  for (const Cancel& c : cancels_)
    if (c.key == key && c.at.mono_us > seen.at.mono_us)
      tracker.on_line(Direction::kClientToServer, c.text, c.at);
}

void HttpRecorder::end_exchange(const SeenHttp& seen) {
  const std::string key = key_of(seen);
  routes_.erase(seen.exchange);
  auto session = sessions_.find(key);
  auto request = requests_.find(seen.exchange);
  if (session != sessions_.end() && request != requests_.end()) {
    if (auto end = open_calls_end(seen.ending, session->second->sessionless)) {
      if (seen.ending.how == ExchangeEnd::kClientGone && !session->second->sessionless) {
        // A cancellation may still come on another POST of the session.
        const TappedMessage& m = request->second;
        InteractionTracker& tracker = session->second->tracker;
        if (m.cut) tracker.leave_long_request(m.text, m.tail, m.size, seen.at);
        else tracker.leave_requests(m.text, seen.at);
        left_.push_back({key, std::move(request->second), seen.at, std::move(*end)});
        alarm_->set(static_cast<double>(seen.at.mono_us) / 1e6 +
                    std::chrono::duration<double>(kCancelGrace).count());
      } else {
        end_calls(*session->second, request->second, *end, seen.at);
      }
    }
  }
  if (request != requests_.end()) requests_.erase(request);
  // A tracker without a session ends with its exchange, unless it follows a
  // task still open, which later exchanges may continue.
  if (session != sessions_.end() && session->second->sessionless &&
      !session->second->tracker.follows_task()) {
    unreadable_ += session->second->tracker.unreadable_lines();
    sessions_.erase(session);
  }
}

void HttpRecorder::end_calls(Session& session, const TappedMessage& m, const CallsEnd& end,
                             SeenAt at) {
  if (m.cut) session.tracker.close_long_request(m.text, m.tail, m.size, end.error_type, end.message, at);
  else session.tracker.close_requests(m.text, end.error_type, end.message, at);
}

void HttpRecorder::end_left(int64_t mono_us, const std::string* key) {
  const int64_t grace_us = std::chrono::microseconds(kCancelGrace).count();
  auto due = [&](const Left& l) {
    return (!key || l.key == *key) && (mono_us == INT64_MAX || l.at.mono_us + grace_us < mono_us);
  };
  for (const Left& l : left_) {
    if (!due(l)) continue;
    auto session = sessions_.find(l.key);
    if (session != sessions_.end()) end_calls(*session->second, l.request, l.end, l.at);
  }
  left_.erase(std::remove_if(left_.begin(), left_.end(), due), left_.end());
  if (left_.empty()) return;
  int64_t first = INT64_MAX;
  for (const Left& l : left_) first = std::min(first, l.at.mono_us);
  alarm_->set(static_cast<double>(first + grace_us) / 1e6);
}

std::optional<CallsEnd> open_calls_end(const ExchangeObserver::Ending& ending, bool sessionless) {
  switch (ending.how) {
    case ExchangeEnd::kComplete:
      if (ending.status >= 400)
        return CallsEnd{"HttpError", "the server answered HTTP " + std::to_string(ending.status)};
      // With a session, the answer may still come on its GET stream.
      if (sessionless) return CallsEnd{"ServerExited", "the server ended its response before the answer"};
      return std::nullopt;
    case ExchangeEnd::kUnreachable:
      return CallsEnd{"UpstreamUnavailable",
                      "the upstream could not be reached or broke off its response"};
    case ExchangeEnd::kClientGone:
      // As over stdio, a client that went away ends the calls it left, when
      // the proxy found it gone. Even when the stream's events had ids: a
      // client killed resumes nothing, and one that resumes (Last-Event-ID)
      // gets the rest of the stream all the same.
      return CallsEnd{"ClientClosed", "the client closed its connection before the response"};
    case ExchangeEnd::kStopped:
      return CallsEnd{"ServerExited", kStoppedMessage};
  }
  return std::nullopt;
}

RecordingOutcome HttpRecorder::finish() {
  // When the queue is full even this is lost, and calls still open get no
  // outcome, as after any lost message.
  SeenHttp stopped;
  stopped.kind = SeenHttp::kStopped;
  stopped.at = seen_now();
  push(std::move(stopped));
  alarm_->stop();
  RecordingOutcome outcome = finish_recording(
      *seen_, *events_, kFinishGrace, [this] { return forgotten_; }, [this] { return unreadable_; });
  outcome.unseen += undecoded_;
  if (outcome.writer_stuck) {
    // Their threads still run, inside a write: everything they use stays
    // alive until the caller leaves with _exit.
    (void)seen_.release();
    (void)events_.release();
    (void)recorder_.release();
  }
  return outcome;
}

}  // namespace mcpr
