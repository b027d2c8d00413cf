// What `mcp-report proxy` records (man page PROXY): the JSON-RPC messages of
// one MCP session go in, each with its direction and the time it was seen;
// interaction events come out through the sink. Pure logic: no I/O, no
// clock, no threads, so it is tested with tables of messages.
//
// How a transport uses it (stdio in proxy.cc; Streamable HTTP the same way):
//   - one tracker per session (over HTTP: per Mcp-Session-Id, or per
//     connection where the revision has no sessions), fed from one thread;
//   - every message as a line in the order the proxy saw them, with its
//     direction: a client's request before the server's answer to it
//     (on_line; on_long_line for lines too long to parse whole);
//   - what the transport knows and the messages do not goes in
//     TrackerOptions::start_attributes (network.transport, server.address,
//     server.port, mcp.session.id): added to every interaction_start;
//   - close_all when the session ends, saying who ended it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "src/event/event.h"

namespace mcpr {

enum class Direction { kClientToServer, kServerToClient };

// Which client requests become interactions.
struct MethodFilter {
  bool all = false;
  std::set<std::string> methods;  // used when !all
  bool matches(std::string_view method) const;
  // "tools/call,resources/read,prompts/get" or "all"; throws Failure (64)
  // for an empty list.
  static MethodFilter parse(const std::string& list);
  // Why some names will never be recorded (method_warning), in list order.
  std::vector<std::string> warnings() const;

 private:
  std::vector<std::string> order_;  // the names as listed
};

// A member added to every interaction_start's request_data, after those the
// tracker writes: a string or an integer.
struct StartAttribute {
  std::string key;
  std::variant<std::string, int64_t> value;
};

struct TrackerOptions {
  MethodFilter methods = MethodFilter::parse("tools/call,resources/read,prompts/get");
  std::vector<StartAttribute> start_attributes;  // e.g. {"network.transport", "pipe"}
  bool capture_arguments = false;
  bool capture_results = false;
  // Payloads over this are shrunk by truncating captured values (and saying
  // so with "truncated": true); 0 means no limit.
  size_t max_payload_bytes = 0;
};

// Who ended a session.
enum class SessionEnd {
  kClientClosed,  // the client closed our stdin or stdout (or its HTTP session)
  kServerExited,  // the server exited (or its HTTP session ended)
};

// One event to spool: the parts Recorder::record takes.
struct ProxyEvent {
  Action action;
  std::string interaction_id;
  std::string payload;  // a JSON object, Python style
  int64_t timestamp_us;
};

// The two clocks a message is seen at: wall time for the event's timestamp,
// monotonic time for processing_time.
struct SeenAt {
  int64_t wall_us = 0;
  int64_t mono_us = 0;
};

class InteractionTracker {
 public:
  using Sink = std::function<void(ProxyEvent)>;
  using IdMaker = std::function<std::string(int64_t wall_seconds)>;

  InteractionTracker(TrackerOptions options, Sink sink, IdMaker make_id = nullptr);

  // One complete line as it crossed the proxy (without its newline). Lines
  // that are not JSON-RPC are ignored; a JSON array is a batch.
  void on_line(Direction direction, std::string_view line, SeenAt at);
  // A line too long to parse, by its first and last bytes: an answer from
  // the server whose id shows at either end (`{"jsonrpc":"2.0","id":7,...`
  // or `...,"id":7}`) completes its request, with "parsed": false.
  void on_long_line(Direction direction, std::string_view head, std::string_view tail,
                    size_t size, SeenAt at);
  // The session is over: every interaction still open ends, as `how` says
  // (a call still waiting for its answer: ClientClosed or ServerExited, with
  // `message`).
  void close_all(SessionEnd how, const std::string& message, SeenAt at);
  // Ends the open interactions of the requests `line` carries (a client's
  // message, as given to on_line) with an error of `error_type`, while the
  // session goes on: the HTTP proxy's exchange that carried them failed
  // ("UpstreamUnavailable") or was left by its client ("ClientClosed").
  void close_requests(std::string_view line, const std::string& error_type,
                      const std::string& message, SeenAt at);
  // Forgets every open interaction without an outcome, when lines were lost
  // and their answers may have been among them: an invented error is worse
  // than none. Returns how many ends are thus not recorded.
  size_t forget_all();

  size_t open_count() const { return open_.size(); }
  // Lines that no parse could read as JSON (man page PROXY: "messages not
  // looked at"); blank lines are not counted.
  uint64_t unreadable_lines() const { return unreadable_lines_; }

 private:
  struct Open {
    std::string interaction_id;
    std::string progress_token;  // JSON text, "" when none
    int64_t started_mono_us;
  };
  struct Message;

  void on_message(Direction direction, const Message& m, size_t size, SeenAt at);
  void on_client_request(const Message& m, size_t size, SeenAt at);
  void on_server_response(const Message& m, size_t size, SeenAt at);
  void on_progress(const Message& m, SeenAt at);
  void on_cancelled(const Message& m, SeenAt at);
  void finish(std::map<std::string, Open>::iterator it, Action action, std::string payload,
              SeenAt at);
  void close(std::map<std::string, Open>::iterator it, const std::string& error_type,
             const std::string& message, SeenAt at);
  std::string processing_time(const Open& open, SeenAt at) const;
  std::string fit(std::string payload_head, const char* captured_key, std::string captured) const;

  TrackerOptions options_;
  Sink sink_;
  IdMaker make_id_;
  std::map<std::string, Open> open_;                  // by the request id's JSON text
  std::map<std::string, std::string> by_token_;       // progress token -> request id
  std::string initialize_id_;                         // the initialize request in flight
  std::string protocol_version_;
  std::string client_name_;
  std::string client_version_;
  uint64_t unreadable_lines_ = 0;
};

}  // namespace mcpr
