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

#include <algorithm>
#include <climits>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "src/event/event.h"
#include "src/proxy/json_tree.h"
#include "src/proxy/output_schemas.h"

namespace mcpr {

enum class Direction { kClientToServer, kServerToClient };

// The requests the proxy records unless --methods says otherwise.
inline constexpr char kDefaultProxyMethods[] = "tools/call,resources/read,prompts/get";

// Which client requests become interactions.
struct MethodFilter {
  bool all = false;
  std::set<std::string> methods;  // used when !all
  bool matches(std::string_view method) const;
  // "tools/call,resources/read,prompts/get" or "all", as --methods was given
  // (split_option_lists: repeated, the lists combine); throws Failure (64)
  // when it names no method.
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
  MethodFilter methods = MethodFilter::parse(kDefaultProxyMethods);
  std::vector<StartAttribute> start_attributes;  // e.g. {"network.transport", "pipe"}
  bool capture_arguments = false;
  bool capture_results = false;
  // Payloads over this are shrunk by truncating captured values (and saying
  // so with "truncated": true); 0 means no limit.
  size_t max_payload_bytes = 0;
  // The messages are stdio's lines, read by the SDKs' line readers: the
  // TypeScript SDK's (ReadBuffer, its client's and server's) refuses a line
  // of 10 MiB or more, so a long line is one it refuses (over HTTP it takes
  // them); the Python SDK's server reads its stdin with universal newlines
  // (a TextIOWrapper), so a CR inside a client's line ends a line there.
  bool stdio_lines = false;
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

  size_t bytes() const { return payload.size(); }  // for BoundedQueue's bound
};

// The two clocks a message is seen at: wall time for the event's timestamp,
// monotonic time for processing_time.
struct SeenAt {
  int64_t wall_us = 0;
  int64_t mono_us = 0;
};

// Whether a line from the server can only be detail to the tracker, as its
// first kDetailHead bytes show: a message with a method (a notification, or
// a request of the server's own) that ends nothing the tracker follows, so
// not a task's status nor notifications/cancelled; never an answer. Told
// without parsing the whole, so that the forwarding thread can shed such
// lines first when the tracker falls behind (man page PROXY).
constexpr size_t kDetailHead = 1024;
bool only_detail(std::string_view server_line);

class InteractionTracker {
 public:
  using Sink = std::function<void(ProxyEvent)>;
  using IdMaker = std::function<std::string(int64_t wall_seconds)>;

  InteractionTracker(TrackerOptions options, Sink sink, IdMaker make_id = nullptr);

  // One line as it crossed the proxy (without its newline): a JSON-RPC
  // message, or a batch of them (a JSON array). Read leniently (JsonTree);
  // a line that is not JSON even so is counted in unreadable_lines().
  void on_line(Direction direction, std::string_view line, SeenAt at);
  // A line too long to parse whole (10 MiB and more), by its first and last
  // bytes: read as read_long_line says, its events say "parsed": false.
  void on_long_line(Direction direction, std::string_view head, std::string_view tail,
                    size_t size, SeenAt at);
  // A client's line that the server's end cut short (it exited while the
  // line was being forwarded), by its first bytes: the request the server
  // ended on, when they show a method other than a notification's, with its
  // id when they show it (the TypeScript SDK writes the id last); it ends as
  // the server's exit says. Else it is counted in unreadable_lines().
  void on_cut_request(std::string_view head, size_t size, SeenAt at);
  // The client's last line, without its newline, at the end of its input:
  // all of it (`tail` empty, `size` its length), or a long line's ends. The
  // Python SDK's server reads it (readline() returns it at EOF), the
  // TypeScript SDK's never does (its reader waits for the newline): read as
  // on_line (on_long_line) reads a line, refused by typescript.
  void on_last_client_line(std::string_view head, std::string_view tail, size_t size, SeenAt at);
  // The HTTP proxy's: the W3C trace context of the HTTP request that
  // carries the next lines (its traceparent and tracestate headers, "" for
  // none). A request whose params._meta has no traceparent records these
  // instead: OpenTelemetry's HTTP client instrumentations inject the
  // headers, never _meta.
  void set_transport_trace_context(std::string traceparent, std::string tracestate) {
    transport_traceparent_ = std::move(traceparent);
    transport_tracestate_ = std::move(tracestate);
  }
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
  // The same for a request too long to parse whole, by the ends given to
  // on_long_line (its id is at either end).
  void close_long_request(std::string_view head, std::string_view tail, size_t size,
                          const std::string& error_type, const std::string& message, SeenAt at);
  // The HTTP proxy's: the client closed the stream of the exchange that
  // carried `line` (as given to close_requests): an answer to its requests
  // no longer ends them (a stream resumed later is not recorded), a
  // cancellation still does, until close_requests ends them.
  void leave_requests(std::string_view line, SeenAt at);
  void leave_long_request(std::string_view head, std::string_view tail, size_t size, SeenAt at);
  // Forgets every open interaction without an outcome, when lines were lost
  // and their answers may have been among them: an invented error is worse
  // than none. Returns how many ends are thus not recorded.
  size_t forget_all();

  size_t open_count() const { return interactions_.size(); }
  // Whether a call it follows became a task still open (any, or `task_id`).
  bool follows_task() const { return !by_task_.empty(); }
  bool follows_task(const std::string& task_id) const { return by_task_.count(task_id) > 0; }
  // Lines that no parse could read as JSON, and long lines whose ends show
  // no message (man page PROXY: "messages not looked at"); blank lines are
  // not counted.
  uint64_t unreadable_lines() const { return unreadable_lines_; }

 private:
  std::string transport_traceparent_, transport_tracestate_;
  using Node = JsonTree::Node;
  // One JSON-RPC message of a line (a batch holds several).
  // How a CR inside a client's stdio line bears on a message read from it:
  // the Python SDK's server splits the line there (JSON.parse reads the CR
  // as white space).
  enum class CrSplit : uint8_t {
    kNone,
    kSplitByPython,  // the line is one message to JSON.parse, pieces to Python
    kPiece,          // a piece of a line JSON.parse refuses whole: Python's alone
  };
  struct Message {
    const JsonTree* tree = nullptr;
    const Node* id = nullptr;
    std::string_view method;  // "" for a response
    const Node* params = nullptr;
    const Node* result = nullptr;
    const Node* error = nullptr;
    size_t size = 0;       // bytes of the line
    bool partial = false;  // read from a long line's ends
    const Node* object = nullptr;  // the message itself
    // It had both a result and an error: the one pydantic reads is kept
    // (read_message); zod takes neither.
    bool both = false;
    // Read from a client's stdio line with a CR before its end.
    CrSplit cr_split = CrSplit::kNone;
    // The one SDK whose reader refuses it ("typescript", "python"), nullptr
    // when both take it (man page PROXY, Faithful).
    const char* refused_by = nullptr;
  };
  // An interaction from its start to its end.
  struct Interaction {
    std::string id;  // int_<secs>_<8hex>
    std::string method;
    int64_t started_mono_us = 0;
    std::string request;         // the key of the client request it waits on, "" when none
    std::string progress_token;  // the key of its progress token, "" when none
    std::string task_id;         // the task its call became, "" when none
    std::string answered;        // the key of its request's id once answered (a task's)
    bool extension_task = false;  // made by the task extension (resultType "task")
    std::string status;          // the task's last status and message seen
    std::string status_message;
    bool task_completed = false;  // a 2025-11-25 task seen completed: tasks/result brings the result
    SeenAt completed_at;
    bool cancel_requested = false;  // tasks/cancel acknowledged without a status
    // Answered with input_required (2026-07-28): waiting for the client's
    // retry, known by the requestState it must echo, or by the keys of the
    // input it must give and the same target.
    bool awaiting_retry = false;
    bool has_request_state = false;
    std::string request_state;
    std::vector<std::string> input_keys;
    std::string target;  // the tool, prompt or resource it calls
    size_t arguments_hash = 0;  // of its arguments as written, to tell retries apart
    uint64_t notifications = 0;  // subscriptions/listen: notifications on its stream
    // The timestamp of its latest event. The spool orders an interaction's
    // events by their timestamps (spool/event_name.h), so each is stamped
    // after the one before, whatever the time it tells: an end back-dated
    // to when the client left still follows the progress recorded since,
    // and a wall clock set back never reorders them. (processing_time is
    // from the time told, not from the stamp.)
    int64_t last_stamp_us = INT64_MIN;
    int64_t stamp(int64_t wall_us) {
      last_stamp_us = last_stamp_us == INT64_MIN ? wall_us : std::max(wall_us, last_stamp_us + 1);
      return last_stamp_us;
    }
  };
  // A client request waiting for its answer, kept when the answer matters:
  // it belongs to an interaction, or it is about the session or a task.
  struct Request {
    enum class Role : uint8_t {
      kPlain, kInitialize, kToolsList, kTaskGet, kTaskResult, kTaskCancel, kTaskUpdate
    };
    uint64_t interaction = 0;  // the interaction it starts or continues, 0 for none
    Role role = Role::kPlain;
    std::string task_id;          // of the task it is about
    bool task_augmented = false;  // it asked for a task (2025-11-25 params.task)
    std::vector<std::string> input_keys;  // tasks/update: the inputs it gives
    bool left = false;  // its client closed its stream (leave_requests)
    bool paged = false;  // tools/list: it named a cursor
  };
  using Interactions = std::map<uint64_t, Interaction>;
  using Requests = std::map<std::string, Request>;
  // Ends an open request: the next one that reused its id takes its place.
  void erase_request(Requests::iterator request);

  // The message flow (interaction_tracker.cc).
  // close_requests' and close_long_request's: ends request `m`'s open interaction.
  void close_request(const Message& m, const std::string& error_type, const std::string& message,
                     SeenAt at);
  void leave_request(const Message& m, SeenAt at);
  // Each message of a client's line (a batch holds several), or of a long
  // line's ends.
  void each_message(std::string_view line, const std::function<void(const Message&)>& handle);
  void long_message(std::string_view head, std::string_view tail, size_t size,
                    const std::function<void(const Message&)>& handle);
  static bool read_message(const JsonTree& tree, const Node* n, size_t size, bool partial,
                           Message* m);
  uint8_t takers(const Message& m) const;
  // A line's value (a message, or a batch of them) read whole.
  void on_value(Direction direction, const JsonTree& tree, size_t size, CrSplit cr_split,
                SeenAt at);
  void on_message(Direction direction, const Message& in, SeenAt at);
  void note_session(const Message& m);
  struct Session {
    std::string protocol_version;
    std::string client_name;
    std::string client_version;
  };
  Session session_of(const Message& m) const;
  bool before_2026_07_28() const;
  // `key`: the id's (id_key), or one of the tracker's own for a request
  // whose id is not known.
  void on_client_request(const Message& m, SeenAt at, std::string key);
  uint64_t retried(const Message& m) const;
  void on_client_cancel(const Message& m, SeenAt at);
  template <typename Map>
  typename Map::iterator numbered(Map& map, const Node* id, bool python_reads,
                                  uint8_t* takers) const;
  static void mark_takers(Message* m, uint8_t takers);
  static uint8_t takers_of(const Message& m);
  void on_server_response(const Message& m, SeenAt at);
  void on_answer(Interactions::iterator it, const Request& request, const Message& m, SeenAt at);
  void on_task_answer(const Request& request, const Message& m, SeenAt at);
  void on_task_state(Interactions::iterator it, const Node* task, bool created, const Message& m,
                     SeenAt at);
  void on_server_notification(const Message& m, SeenAt at);
  void finish(Interactions::iterator it, Action action, std::string payload, SeenAt at);

  // What each event says (interaction_events.cc).
  static std::string target_of(const Message& m);
  static size_t arguments_hash(const Message& m);
  std::string start_payload(const Message& m) const;
  // The same with each of its values cut to `cap` bytes (npos: whole).
  std::string start_payload(const Message& m, size_t cap) const;
  // The end that a result brings: complete, or error ToolError for isError.
  std::string result_payload(const Interaction& i, const Message& m, const Node* result,
                             SeenAt at, Action* action) const;
  // An error of `error_type` from m's error (or a cancellation's reason).
  std::string error_payload(const Interaction& i, const Message& m, const char* error_type,
                            SeenAt at) const;
  std::string task_error_payload(const Interaction& i, const JsonTree& tree, const Node* task,
                                 const char* error_type, SeenAt at) const;
  std::string listen_end_payload(const Interaction& i, const char* ended_by, SeenAt at) const;
  std::string ended_payload(const Interaction& i, SessionEnd how, const std::string& message,
                            SeenAt at, Action* action) const;
  std::string closed_payload(const Interaction& i, const std::string& error_type,
                             const std::string& message, SeenAt at) const;
  static std::string progress_payload(const Message& m);
  static std::string retry_payload(const Message& m);
  static std::string input_payload(const std::string& task_id, const std::vector<std::string>& keys);
  static std::string input_required_payload(const Message& m,
                                            const std::vector<std::string>& keys);
  static std::string status_payload(const std::string& task_id, const std::string& status,
                                    const std::string& message,
                                    const std::vector<std::string>& input_keys = {});
  void progress(Interaction& i, std::string payload, SeenAt at);

  TrackerOptions options_;
  Sink sink_;
  IdMaker make_id_;
  Interactions interactions_;                      // open, by serial (start order)
  uint64_t next_serial_ = 1;
  std::map<std::string, Request> requests_;        // by the request id's key (id_key)
  // Requests sent with the id of one still open (a client's bug), behind it
  // in the order sent: a server answers them in order, so the first answer
  // with that id is the first request's, the next the next one's.
  std::map<std::string, std::deque<Request>> reused_;
  std::map<std::string, uint64_t> by_task_;        // task id -> interaction
  std::map<std::string, uint64_t> by_token_;       // progress token's key -> interaction
  bool initialized_ = false;  // an initialize began the session: _meta overrides nothing
  std::string protocol_version_;
  std::string client_name_;
  std::string client_version_;
  uint64_t unreadable_lines_ = 0;
  bool unterminated_ = false;  // on_last_client_line's: the line has no newline
  bool client_string_ids_ = false;  // the client has sent a request with a string id
  ToolOutputSchemas output_schemas_;  // from the tools/list results the client read
};

}  // namespace mcpr
