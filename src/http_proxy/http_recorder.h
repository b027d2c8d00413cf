// The HTTP proxy's recording (man page HTTP PROXY): the messages its
// connection threads saw go, through a bounded queue, to one tracking thread
// that keeps an InteractionTracker per MCP session, as the stdio proxy keeps
// one per server; its events go to the spool writer. Recording never blocks
// the forwarding: a full queue or a failing spool drops and counts.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/event/recorder.h"
#include "src/http_proxy/exchange_observer.h"
#include "src/http_proxy/upstream_url.h"
#include "src/proxy/proxy.h"
#include "src/proxy/recording_queue.h"
#include "src/util/clock.h"

namespace mcpr {

// What the connection threads saw, in the order they saw it.
struct SeenHttp {
  // kTick: calls left by their client may be due to end (HttpRecorder::Alarm).
  enum Kind { kMessage, kExchangeEnd, kSessionEnd, kStopped, kTick } kind = kMessage;
  uint64_t exchange = 0;
  std::string session;
  Direction direction = Direction::kClientToServer;
  TappedMessage message;
  ExchangeObserver::Ending ending;  // kExchangeEnd
  bool by_client = false;           // kSessionEnd
  SeenAt at;

  // For BoundedQueue's bound.
  size_t bytes() const { return message.text.size() + message.tail.size() + session.size(); }
};

// How the calls an exchange carried and that are still open end with it.
struct CallsEnd {
  std::string error_type;
  std::string message;
};
// nullopt while an answer may still come in another exchange of their
// session: a response that ended before the answer (the server may send it
// on its GET stream). `sessionless`: the exchange had no MCP session, so nothing else
// can answer them.
std::optional<CallsEnd> open_calls_end(const ExchangeObserver::Ending& ending, bool sessionless);

// How long a call whose client closed its stream waits for the client's
// notifications/cancelled before it ends ClientClosed. An SDK client that
// cancels a call sends the cancellation on a POST of its own and closes the
// call's stream: the proxy may see either first, and the call is Cancelled
// either way. Its end keeps the time the stream closed.
constexpr std::chrono::seconds kCancelGrace(5);

class HttpRecorder : public ExchangeObserver {
 public:
  // `clock` times kCancelGrace (a test moves a fake one).
  HttpRecorder(const Config& config, TrackerOptions options, const UpstreamUrl& upstream,
               Clock& clock = system_clock());
  ~HttpRecorder() override;

  void on_message(uint64_t exchange, const std::string& session, Direction direction,
                  TappedMessage message, SeenAt at) override;
  void on_exchange_end(uint64_t exchange, const std::string& session, Ending ending,
                       SeenAt at) override;
  void on_session_end(const std::string& session, bool by_client, SeenAt at) override;
  void on_unreadable(uint64_t exchange) override;

  // The proxy stopped: what is still open ends as ServerExited (to the
  // client the server went away), and the queues get their grace to finish.
  RecordingOutcome finish();

 private:
  struct Session;
  class Alarm;
  // The calls of an exchange whose client closed its stream, until a
  // cancellation ends them or kCancelGrace passes.
  struct Left {
    std::string key;        // of their tracker
    TappedMessage request;  // the exchange's request
    SeenAt at;              // when the client closed
    CallsEnd end;
  };
  // A client's notifications/cancelled, kept for kCancelGrace: a call's
  // request reaches the recorder only when the upstream's response head
  // does (the session is known then), so a call the upstream has not yet
  // answered at all may be cancelled before the recorder knows of it.
  struct Cancel {
    std::string key;  // of its tracker
    std::string text;
    SeenAt at;
  };
  void keep_cancel(const SeenHttp& seen, InteractionTracker& tracker);
  void push(SeenHttp seen);
  void track(SeenHttp& seen);
  std::string key_of(const SeenHttp& seen) const;
  Session& session_of(const SeenHttp& seen);
  void route_to_task(const SeenHttp& seen);
  void end_exchange(const SeenHttp& seen);
  void forget_idle_session();
  // Ends the calls left before `mono_us` - kCancelGrace (all with
  // INT64_MAX, those of tracker `key` only when it is given).
  void end_left(int64_t mono_us, const std::string* key = nullptr);
  void end_calls(Session& session, const TappedMessage& request, const CallsEnd& end, SeenAt at);

  TrackerOptions options_;
  std::string server_address_;
  uint16_t server_port_;
  std::unique_ptr<Recorder> recorder_;
  std::unique_ptr<RecordingQueue> events_;
  // The tracking thread's: trackers by session ("#N" for exchange N without one).
  std::map<std::string, std::unique_ptr<Session>> sessions_;
  // Exchanges without a session that continue a task of another one's
  // tracker (tasks/get, tasks/update, tasks/cancel naming its taskId): the
  // key of that tracker.
  std::map<uint64_t, std::string> routes_;
  // The request message of each exchange in flight (a long one by its ends).
  std::map<uint64_t, TappedMessage> requests_;
  std::vector<Left> left_;
  std::vector<Cancel> cancels_;
  std::atomic<bool> lost_{false};
  // Responses in a coding the recorder cannot read: messages not looked at,
  // whose calls are not recorded.
  std::atomic<uint64_t> undecoded_{0};
  // Messages no parse could read, from the trackers gone (the tracking
  // thread's).
  uint64_t unreadable_ = 0;
  uint64_t messages_ = 0;  // the tracking thread's clock for Session::used
  uint64_t forgotten_ = 0;
  std::unique_ptr<Alarm> alarm_;
  std::unique_ptr<BoundedQueue<SeenHttp>> seen_;  // last: its thread uses the above
};

}  // namespace mcpr
