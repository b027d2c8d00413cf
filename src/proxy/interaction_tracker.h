// What `mcp-report proxy` records (man page PROXY): JSON-RPC messages seen in
// either direction go in, interaction events come out. Pure logic: no I/O,
// no clock, no threads, so it is tested with tables of messages.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
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
};

struct TrackerOptions {
  MethodFilter methods = MethodFilter::parse("tools/call,resources/read,prompts/get");
  bool capture_arguments = false;
  bool capture_results = false;
  // Payloads over this are shrunk by truncating captured values (and saying
  // so with "truncated": true); 0 means no limit.
  size_t max_payload_bytes = 0;
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
  // Ends every open interaction with an error of `error_type`
  // ("ServerExited", "ClientClosed").
  void close_all(const std::string& error_type, const std::string& message, SeenAt at);
  // Forgets every open interaction without an outcome, when lines were lost
  // and their answers may have been among them: an invented error is worse
  // than none. Returns how many ends are thus not recorded.
  size_t forget_all();

  size_t open_count() const { return open_.size(); }

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
};

}  // namespace mcpr
