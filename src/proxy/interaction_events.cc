// What each event of an interaction says (man page PROXY, "The events"): the
// payloads, in the Python style of the spooled bodies.
#include <algorithm>

#include "src/event/pyjson.h"
#include "src/proxy/interaction_tracker.h"
#include "src/proxy/message_keys.h"
#include "src/util/time_text.h"

namespace mcpr {
namespace {

using Kind = JsonTree::Kind;
using Node = JsonTree::Node;

constexpr size_t kMaxMessageChars = 1024;  // error messages, ToolError text, status messages

// A payload object being built. Text JSON cannot carry is written escaped
// (JsonTree::write_python), names included, and then the payload says
// "escaped": true.
class Payload {
 public:
  // A string member, cut to at most `limit` bytes on a character boundary.
  void text(std::string_view key, std::string_view s, size_t limit = std::string_view::npos) {
    raw(key, quoted(cut(s, limit)));
  }
  void raw(std::string_view key, std::string json) {
    std::string name = quoted(key);
    for (auto& member : members_) {
      if (member.first == name) {  // as a Python dict: the first place kept
        member.second = std::move(json);
        return;
      }
    }
    members_.emplace_back(std::move(name), std::move(json));
  }
  // Any value, as it came; null when absent.
  void value(std::string_view key, const JsonTree& tree, const Node* n) {
    std::string out;
    if (n) tree.write_python(n, &out, &escaped);
    raw(key, n ? std::move(out) : "null");
  }
  void names(std::string_view key, const JsonTree& tree, const Node* object_node) {
    std::string out = "[";
    for (const Node* n = tree.first(object_node); n; n = tree.next(n)) {
      if (n->key == "_meta") continue;
      if (out.size() > 1) out += ", ";
      out += quoted(n->key);
    }
    raw(key, out + "]");
  }
  std::string quoted(std::string_view s) {
    std::string out;
    python_quoted(s, &out, &escaped);
    return out;
  }
  // The object, with "escaped": true when something was (unless a value
  // of another payload, which says it).
  std::string str(bool mark = true) {
    if (escaped && mark) raw("escaped", "true");
    std::string out = "{";
    for (const auto& [name, json] : members_) {
      if (out.size() > 1) out += ", ";
      out += name + ": " + json;
    }
    return out + "}";
  }

  bool escaped = false;

 private:
  static std::string_view cut(std::string_view s, size_t limit) {
    if (s.size() <= limit) return s;
    size_t at = limit;
    while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xc0) == 0x80) --at;
    return s.substr(0, at);
  }

  std::vector<std::pair<std::string, std::string>> members_;  // quoted name, JSON value
};

std::string seconds(int64_t us) { return format_timestamp(us < 0 ? 0 : us); }

// The number of items a result carries: content (tools), contents
// (resources), messages (prompts).
int content_count(const JsonTree& tree, const Node* result) {
  for (const char* name : {"content", "contents", "messages"})
    if (const Node* v = tree.member(result, name); JsonTree::is(v, Kind::kArray))
      return static_cast<int>(v->size);
  return 0;
}

// The first text item of a tool result.
std::string_view first_text(const JsonTree& tree, const Node* result) {
  const Node* content = tree.member(result, "content");
  if (!JsonTree::is(content, Kind::kArray)) return {};
  for (const Node* item = tree.first(content); item; item = tree.next(item))
    if (const Node* text = tree.member(item, "text"); JsonTree::is(text, Kind::kString))
      return text->text;
  return {};
}

// The names of a map's keys as a list member (input requests, responses).
void key_list(Payload* p, const std::string& key, const std::vector<std::string>& keys) {
  std::string out = "[";
  for (const std::string& k : keys) {
    if (out.size() > 1) out += ", ";
    out += p->quoted(k);
  }
  p->raw(key, out + "]");
}

bool is_named_arguments(std::string_view method) {
  return method == "tools/call" || method == "prompts/get";
}

}  // namespace

std::string InteractionTracker::target_of(const Message& m) {
  const JsonTree& t = *m.tree;
  std::string_view name = JsonTree::string(t.member(m.params, "name"));
  if (name.empty()) name = JsonTree::string(t.member(m.params, "uri"));
  return std::string(name);
}

std::string InteractionTracker::start_payload(const Message& m) const {
  const JsonTree& t = *m.tree;
  const Node* meta = t.member(m.params, "_meta");
  const bool named = is_named_arguments(m.method);
  const Node* arguments = named ? t.member(m.params, "arguments") : m.params;
  // A long request's arguments are known only in part: their names, not
  // their values.
  const bool capture = options_.capture_arguments && !m.partial;
  Payload p;
  p.text("request_type", m.method);
  p.raw("input_size", std::to_string(m.size));
  if (!capture) p.names("parameters", t, arguments);
  p.text("mcp.method.name", m.method);
  const std::string_view name = JsonTree::string(t.member(m.params, "name"));
  if (m.method == "tools/call" && !name.empty()) p.text("gen_ai.tool.name", name);
  if (m.method == "prompts/get" && !name.empty()) p.text("gen_ai.prompt.name", name);
  if (const std::string_view uri = JsonTree::string(t.member(m.params, "uri")); !uri.empty())
    p.text("mcp.resource.uri", uri);
  p.text("jsonrpc.request.id", m.id->text);
  const Session session = session_of(m);
  if (!session.protocol_version.empty()) p.text("mcp.protocol.version", session.protocol_version);
  if (!session.client_name.empty()) p.text("mcp.client.name", session.client_name);
  if (!session.client_version.empty()) p.text("mcp.client.version", session.client_version);
  // W3C trace context, for the OpenTelemetry sink to join the caller's trace.
  for (const char* key : {"traceparent", "tracestate"})
    if (const Node* v = t.member(meta, key); JsonTree::is(v, Kind::kString)) p.text(key, v->text);
  for (const StartAttribute& a : options_.start_attributes) {
    if (std::holds_alternative<int64_t>(a.value))
      p.raw(a.key, std::to_string(std::get<int64_t>(a.value)));
    else
      p.text(a.key, std::get<std::string>(a.value));
  }
  if (m.partial) p.raw("parsed", "false");
  if (!capture) return p.str();
  // Params without _meta for methods without "arguments".
  std::string captured = "{}";
  if (named && arguments) {
    captured.clear();
    t.write_python(arguments, &captured, &p.escaped);
  } else if (!named && JsonTree::is(arguments, Kind::kObject)) {
    Payload params;
    for (const Node* n = t.first(arguments); n; n = t.next(n))
      if (n->key != "_meta") params.value(n->key, t, n);
    captured = params.str(false);
    p.escaped = p.escaped || params.escaped;
  }
  return fit(p.str(), "parameters", std::move(captured));
}

std::string InteractionTracker::result_payload(const Interaction& i, const Message& m,
                                               const Node* result, SeenAt at,
                                               Action* action) const {
  const JsonTree& t = *m.tree;
  const Node* is_error = t.member(result, "isError");
  const bool tool_error = JsonTree::is(is_error, Kind::kBool) && is_error->text == "true";
  Payload p;
  *action = tool_error ? Action::kError : Action::kComplete;
  if (tool_error) {
    p.raw("error_type", "\"ToolError\"");
    p.text("error_message", first_text(t, result), kMaxMessageChars);
  } else {
    p.raw("success", "true");
  }
  p.raw("output_size", std::to_string(m.size));
  p.raw("processing_time", seconds(at.mono_us - i.started_mono_us));
  if (m.partial) {
    p.raw("parsed", "false");
  } else {
    p.raw("content_count", std::to_string(content_count(t, result)));
  }
  if (!i.task_id.empty()) p.text("task_id", i.task_id);
  if (i.notifications) p.raw("notification_count", std::to_string(i.notifications));
  if (!options_.capture_results || m.partial || !result) return p.str();
  std::string captured;
  t.write_python(result, &captured, &p.escaped);
  return fit(p.str(), "result", std::move(captured));
}

std::string InteractionTracker::error_payload(const Interaction& i, const Message& m,
                                              const char* error_type, SeenAt at) const {
  const JsonTree& t = *m.tree;
  const std::string_view type(error_type);
  Payload p;
  p.text("error_type", type);
  if (m.error) {
    const Node* code = t.member(m.error, "code");
    if (JsonTree::is(code, Kind::kNumber)) p.value("error_code", t, code);
    else p.raw("error_code", "null");
    p.text("error_message", JsonTree::string(t.member(m.error, "message")), kMaxMessageChars);
    if (type == "JsonRpcError") p.raw("output_size", std::to_string(m.size));
  } else if (type == "Superseded") {
    p.raw("error_message", "\"request id reused\"");
  } else {
    p.text("error_message", JsonTree::string(t.member(m.params, "reason")), kMaxMessageChars);
  }
  p.raw("processing_time", seconds(at.mono_us - i.started_mono_us));
  if (!i.task_id.empty()) p.text("task_id", i.task_id);
  if (m.partial && m.error) p.raw("parsed", "false");
  return p.str();
}

std::string InteractionTracker::task_error_payload(const Interaction& i, const JsonTree& tree,
                                                   const Node* task, const char* error_type,
                                                   SeenAt at) const {
  // The task extension's failed task carries the JSON-RPC error; a
  // statusMessage says why in both revisions.
  const Node* error = tree.member(task, "error");
  std::string_view message = JsonTree::string(tree.member(error, "message"));
  if (message.empty()) message = JsonTree::string(tree.member(task, "statusMessage"));
  Payload p;
  p.text("error_type", error_type);
  if (const Node* code = tree.member(error, "code"); JsonTree::is(code, Kind::kNumber))
    p.value("error_code", tree, code);
  p.text("error_message", message, kMaxMessageChars);
  p.raw("processing_time", seconds(at.mono_us - i.started_mono_us));
  p.text("task_id", i.task_id);
  return p.str();
}

std::string InteractionTracker::listen_end_payload(const Interaction& i, const char* ended_by,
                                                   SeenAt at) const {
  Payload p;
  p.raw("success", "true");
  p.text("ended_by", ended_by);
  p.raw("processing_time", seconds(at.mono_us - i.started_mono_us));
  p.raw("notification_count", std::to_string(i.notifications));
  return p.str();
}

std::string InteractionTracker::ended_payload(const Interaction& i, SessionEnd how,
                                              const std::string& message, SeenAt at,
                                              Action* action) const {
  const bool client = how == SessionEnd::kClientClosed;
  *action = Action::kError;
  if (i.method == "subscriptions/listen" && client) {
    // A client that leaves ends its subscriptions, as cancelling would.
    *action = Action::kComplete;
    return listen_end_payload(i, "client_closed", at);
  }
  if (i.task_completed) {
    Payload p;
    // A 2025-11-25 task seen completed whose result the client never
    // fetched: it completed, with no figures to give.
    *action = Action::kComplete;
    p.raw("success", "true");
    p.raw("processing_time", seconds(i.completed_at.mono_us - i.started_mono_us));
    p.text("task_id", i.task_id);
    p.raw("parsed", "false");
    return p.str();
  }
  if (i.cancel_requested)
    return closed_payload(
        i, "Cancelled", "tasks/cancel was acknowledged; the session ended before the task's last status",
        at);
  return closed_payload(i, client ? "ClientClosed" : "ServerExited", message, at);
}

std::string InteractionTracker::closed_payload(const Interaction& i, const std::string& error_type,
                                               const std::string& message, SeenAt at) const {
  Payload p;
  p.text("error_type", error_type);
  p.text("error_message", message);
  p.raw("processing_time", seconds(at.mono_us - i.started_mono_us));
  if (!i.task_id.empty()) p.text("task_id", i.task_id);
  return p.str();
}

std::string InteractionTracker::progress_payload(const Message& m) {
  const JsonTree& t = *m.tree;
  Payload p;
  for (const char* name : {"progress", "total"})
    if (const Node* v = t.member(m.params, name); JsonTree::is(v, Kind::kNumber)) p.value(name, t, v);
  if (const Node* v = t.member(m.params, "message"); JsonTree::is(v, Kind::kString))
    p.text("message", v->text, kMaxMessageChars);
  return p.str();
}

std::string InteractionTracker::retry_payload(const Message& m) {
  const JsonTree& t = *m.tree;
  Payload p;
  p.raw("status", "\"input_provided\"");
  p.text("jsonrpc.request.id", m.id->text);
  p.raw("input_size", std::to_string(m.size));
  key_list(&p, "input_responses", keys_of(t, t.member(m.params, "inputResponses")));
  return p.str();
}

std::string InteractionTracker::input_payload(const std::string& task_id,
                                              const std::vector<std::string>& keys) {
  Payload p;
  p.raw("status", "\"input_provided\"");
  p.text("task_id", task_id);
  key_list(&p, "input_responses", keys);
  return p.str();
}

std::string InteractionTracker::input_required_payload(const Message& m,
                                                       const std::vector<std::string>& keys) {
  Payload p;
  p.raw("status", "\"input_required\"");
  key_list(&p, "input_requests", keys);
  p.raw("output_size", std::to_string(m.size));
  return p.str();
}

std::string InteractionTracker::status_payload(const std::string& task_id,
                                               const std::string& status,
                                               const std::string& message,
                                               const std::vector<std::string>& input_keys) {
  Payload p;
  p.text("status", status);
  p.text("task_id", task_id);
  if (!message.empty()) p.text("message", message, kMaxMessageChars);
  if (!input_keys.empty()) key_list(&p, "input_requests", input_keys);
  return p.str();
}

void InteractionTracker::progress(const Interaction& i, std::string payload, SeenAt at) {
  sink_({Action::kProgress, i.id, std::move(payload), at.wall_us});
}

// `payload_head` (an object) with `captured_key` added; when the whole is
// over max_payload_bytes the captured JSON text is cut and stored as a
// string, and "truncated": true says so.
std::string InteractionTracker::fit(std::string payload_head, const char* captured_key,
                                    std::string captured) const {
  payload_head.pop_back();  // the closing brace
  std::string sep = payload_head.size() > 1 ? ", " : "";
  std::string whole = payload_head + sep + "\"" + captured_key + "\": " + captured + "}";
  const size_t limit = options_.max_payload_bytes;
  if (limit == 0 || whole.size() <= limit) return whole;
  const std::string head = payload_head + sep + "\"" + captured_key + "\": ";
  const std::string tail = ", \"truncated\": true}";
  // Cut the captured text, quote it, and cut again by what is still over:
  // each byte cut takes at least one byte of its quoted form (up to six, a
  // \u escape), so this ends in a pass or two with the room filled.
  size_t room = limit > head.size() + tail.size() ? limit - head.size() - tail.size() : 0;
  for (;;) {
    Payload cut;
    cut.text("v", captured, room);
    std::string quoted = cut.str(false);
    quoted = quoted.substr(6, quoted.size() - 7);  // {"v": ...}
    const size_t size = head.size() + quoted.size() + tail.size();
    if (size <= limit || room == 0) return head + quoted + tail;
    room -= std::min(room, size - limit);
  }
}

}  // namespace mcpr
