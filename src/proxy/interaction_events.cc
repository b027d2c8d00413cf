// What each event of an interaction says (man page PROXY, "The events"): the
// payloads, in the Python style of the spooled bodies.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

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
// "escaped": true and is written again with every backslash of its text
// doubled, so that a reader tells the escapes (\xNN, a lone \ud83c) from text that
// reads so (\\ud83c). Members are kept as how to write them until str().
class Payload {
 public:
  using Write = std::function<void(std::string* out, bool* escaped, bool doubled)>;

  // A string member, cut to at most `limit` bytes on a character boundary.
  void text(std::string_view key, std::string_view s, size_t limit = std::string_view::npos) {
    add(key, [s = cut(s, limit)](std::string* out, bool* escaped, bool doubled) {
      python_quoted(s, out, escaped, doubled);
    });
  }
  void raw(std::string_view key, std::string json) {
    add(key, [json = std::move(json)](std::string* out, bool*, bool) { *out += json; });
  }
  // Any value, as it came; null when absent.
  void value(std::string_view key, const JsonTree& tree, const Node* n) {
    add(key, [&tree, n](std::string* out, bool* escaped, bool doubled) {
      if (n) tree.write_python(n, out, escaped, doubled);
      else *out += "null";
    });
  }
  // The names of an object's members but _meta, as a list.
  void names(std::string_view key, const JsonTree& tree, const Node* object_node) {
    add(key, [&tree, object_node](std::string* out, bool* escaped, bool doubled) {
      const size_t open = out->size();
      *out += '[';
      for (const Node* n = tree.first(object_node); n; n = tree.next(n)) {
        if (n->key == "_meta") continue;
        if (out->size() > open + 1) *out += ", ";
        python_quoted(n->key, out, escaped, doubled);
      }
      *out += ']';
    });
  }
  // A list of strings (`items` kept by the caller until str()).
  void list(std::string_view key, const std::vector<std::string>& items) {
    add(key, [&items](std::string* out, bool* escaped, bool doubled) {
      const size_t open = out->size();
      *out += '[';
      for (const std::string& item : items) {
        if (out->size() > open + 1) *out += ", ";
        python_quoted(item, out, escaped, doubled);
      }
      *out += ']';
    });
  }
  // `key` (kept by the caller until str()) and how to write its value.
  void add(std::string_view key, Write write) {
    for (auto& member : members_) {
      if (member.first == key) {  // as a Python dict: the first place kept
        member.second = std::move(write);
        return;
      }
    }
    members_.emplace_back(key, std::move(write));
  }
  // The object, with "escaped": true when something was, unless `mark` is
  // false (a value of another payload, which says it); *escaped (when
  // given) is set when something was.
  std::string str(bool mark = true) const {
    bool escaped = false;
    Members members = rendered(&escaped);
    if (escaped && mark) members.emplace_back("\"escaped\"", "true");
    return joined(members);
  }
  // As a value of another payload being written.
  void write(std::string* out, bool* escaped, bool doubled) const {
    *out += joined(render(escaped, doubled));
  }

  using Members = std::vector<std::pair<std::string, std::string>>;  // name, value (JSON)
  // The members written, once more with backslashes doubled when something
  // was escaped (*escaped).
  Members rendered(bool* escaped) const {
    Members out = render(escaped, false);
    if (*escaped) out = render(escaped, true);
    return out;
  }
  static std::string joined(const Members& members) {
    std::string out = "{";
    for (const auto& [name, value] : members) {
      if (out.size() > 1) out += ", ";
      out += name + ": " + value;
    }
    return out + "}";
  }

 private:
  Members render(bool* escaped, bool doubled) const {
    Members out;
    for (const auto& [key, write] : members_) {
      std::string name, value;
      python_quoted(key, &name, escaped, doubled);
      write(&value, escaped, doubled);
      out.emplace_back(std::move(name), std::move(value));
    }
    return out;
  }

  static std::string_view cut(std::string_view s, size_t limit) {
    if (s.size() <= limit) return s;
    size_t at = limit;
    while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xc0) == 0x80) --at;
    return s.substr(0, at);
  }

  std::vector<std::pair<std::string_view, Write>> members_;
};

std::string seconds(int64_t us) { return format_timestamp(us < 0 ? 0 : us); }

// A float as Python writes it (its shortest round trip, ".0" when whole).
std::string python_number(double value) {
  char buf[32];
  if (value == std::trunc(value) && std::fabs(value) < 1e16) {
    std::snprintf(buf, sizeof buf, "%.1f", value);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  std::string out(buf);
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

// The number of items a result carries: content (tools), contents
// (resources), messages (prompts).
int content_count(const JsonTree& tree, const Node* result) {
  for (const char* name : {"content", "contents", "messages"})
    if (const Node* v = tree.member(result, name); JsonTree::is(v, Kind::kArray))
      return static_cast<int>(v->size);
  return 0;
}

// Whether JavaScript's atob takes `s` (the WHATWG "forgiving-base64
// decode"), which the TypeScript SDK's Base64Schema asks of image and audio
// data and of a resource's blob: ASCII whitespace is left out; a length
// that is a multiple of 4 may end in one or two "="; what is left is of the
// base64 alphabet, and its length is not 1 more than a multiple of 4.
bool atob_takes(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
  };
  size_t length = 0, padding = 0;
  for (char c : s) {
    if (space(c)) continue;
    ++length;
    padding = c == '=' ? padding + 1 : 0;
  }
  if (length % 4 != 0 || padding > 2) padding = 0;
  length -= padding;
  if (length % 4 == 1) return false;
  size_t k = 0;
  for (char c : s) {
    if (space(c) || k++ >= length) continue;
    const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!alphabet) return false;
  }
  return true;
}

// kTakenByBoth when atob takes the string member `name` of `n`, else only
// pydantic does.
uint8_t base64_takers(const JsonTree& tree, const Node* n, const char* name) {
  return atob_takes(JsonTree::string(tree.member(n, name))) ? kTakenByBoth : kTakenByPython;
}

// Who takes a resource's contents (Takers): a uri and a text, else a blob
// (zod's union: a text resource, else a blob one, whose blob atob takes).
uint8_t resource_contents_takers(const JsonTree& tree, const Node* contents) {
  if (!JsonTree::is(tree.member(contents, "uri"), Kind::kString)) return kTakenByNone;
  if (JsonTree::is(tree.member(contents, "text"), Kind::kString)) return kTakenByBoth;
  if (JsonTree::is(tree.member(contents, "blob"), Kind::kString))
    return base64_takers(tree, contents, "blob");
  return kTakenByNone;
}

// Who takes a content block (Takers): both SDKs want a known type with the
// members that type requires; zod's also wants image and audio data, and a
// resource's blob, that atob takes (pydantic takes any string).
uint8_t content_block_takers(const JsonTree& tree, const Node* item) {
  auto strings = [&tree](const Node* n, std::initializer_list<const char*> names) {
    for (const char* name : names)
      if (!JsonTree::is(tree.member(n, name), Kind::kString)) return false;
    return true;
  };
  const std::string_view type = JsonTree::string(tree.member(item, "type"));
  if (type == "text") return strings(item, {"text"}) ? kTakenByBoth : kTakenByNone;
  if (type == "image" || type == "audio")
    return strings(item, {"data", "mimeType"}) ? base64_takers(tree, item, "data")
                                                : uint8_t{kTakenByNone};
  if (type == "resource_link") return strings(item, {"uri", "name"}) ? kTakenByBoth : kTakenByNone;
  if (type == "resource") return resource_contents_takers(tree, tree.member(item, "resource"));
  return kTakenByNone;
}

// Who takes a result by what its method's schema asks of it (Takers):
// a tool's content blocks (the TypeScript SDK's CallToolResultSchema makes
// a missing content [], the Python SDK's CallToolResult requires it), a
// resource's contents, a prompt's messages (a role of "user" or
// "assistant", and a content block). Other methods' results are taken.
uint8_t result_takers(std::string_view method, const JsonTree& tree, const Node* result) {
  const bool tool = method == "tools/call", resource = method == "resources/read",
             prompt = method == "prompts/get";
  if (!tool && !resource && !prompt) return kTakenByBoth;
  const Node* items = tree.member(result, tool ? "content" : resource ? "contents" : "messages");
  if (!items && tool) return kTakenByTypescript;
  if (!JsonTree::is(items, Kind::kArray)) return kTakenByNone;
  uint8_t out = kTakenByBoth;
  for (const Node* item = tree.first(items); item; item = tree.next(item)) {
    if (tool) {
      out &= content_block_takers(tree, item);
    } else if (resource) {
      out &= resource_contents_takers(tree, item);
    } else {
      const std::string_view role = JsonTree::string(tree.member(item, "role"));
      out &= role == "user" || role == "assistant"
                 ? content_block_takers(tree, tree.member(item, "content"))
                 : uint8_t{kTakenByNone};
    }
  }
  return out;
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

// `p`, whose last member is a captured value; when the whole is over
// `limit` the captured JSON text is cut and stored as a string, and
// "truncated": true says so.
std::string fit(const Payload& p, size_t limit) {
  bool escaped = false;
  Payload::Members members = p.rendered(&escaped);
  auto [name, captured] = std::move(members.back());
  members.pop_back();
  if (escaped) members.emplace_back("\"escaped\"", "true");
  std::string head = Payload::joined(members);
  head.pop_back();  // the closing brace
  head += (head.size() > 1 ? ", " : "") + name + ": ";
  std::string whole = head + captured + "}";
  if (limit == 0 || whole.size() <= limit) return whole;
  // A start whose values were cut already says "truncated".
  bool said = false;
  for (const auto& member : members) said = said || member.first == "\"truncated\"";
  const std::string tail = said ? "}" : ", \"truncated\": true}";
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

namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finalizer
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A hash under which values equal as JSON are equal: an object's members in
// any order (RFC 8259: their order carries no meaning), numbers by value (1
// and 1.0, as JavaScript and Python compare them), strings decoded (\u0041
// is A). No copy, no sort: an object's members are summed.
uint64_t json_hash(const JsonTree& t, const Node* n) {
  const auto text = [](std::string_view s) { return std::hash<std::string_view>()(s); };
  switch (n->kind) {
    case Kind::kNumber: {
      const std::string copy(n->text);
      double v = std::strtod(copy.c_str(), nullptr);
      if (v == 0) v = 0;  // -0 is 0
      if (!std::isfinite(v)) return mix(1 ^ text(n->text));
      uint64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      return mix(1 ^ bits);
    }
    case Kind::kString:
      return mix(2 ^ text(n->text));
    case Kind::kArray: {
      uint64_t h = 3;
      for (const Node* c = t.first(n); c; c = t.next(c)) h = mix(h * 31 + json_hash(t, c));
      return h;
    }
    case Kind::kObject: {
      uint64_t sum = 4;
      for (const Node* c = t.first(n); c; c = t.next(c))
        sum += mix(text(c->key) * 31 + json_hash(t, c));
      return mix(sum);
    }
    default:  // null, true, false; a cut value
      return mix(5 ^ text(n->text) ^ static_cast<uint64_t>(n->kind));
  }
}

}  // namespace

size_t InteractionTracker::arguments_hash(const Message& m) {
  const Node* arguments = m.tree->member(m.params, "arguments");
  return arguments ? static_cast<size_t>(json_hash(*m.tree, arguments)) : 0;
}

std::string InteractionTracker::start_payload(const Message& m) const {
  std::string out = start_payload(m, std::string_view::npos);
  // A start over the limit (a huge tool name, uri or list of argument names)
  // would be dropped while its end is recorded: its values are cut, to a
  // quarter of the room each and less until it fits.
  const size_t limit = options_.max_payload_bytes;
  for (size_t cap = limit / 4; limit > 0 && out.size() > limit && cap > 0; cap /= 2)
    out = start_payload(m, cap);
  return out;
}

std::string InteractionTracker::start_payload(const Message& m, size_t cap) const {
  const JsonTree& t = *m.tree;
  const Node* meta = t.member(m.params, "_meta");
  const bool named = is_named_arguments(m.method);
  const Node* arguments = named ? t.member(m.params, "arguments") : m.params;
  // A long request's arguments are known only in part: their names, not
  // their values.
  const bool capture = options_.capture_arguments && !m.partial;
  bool truncated = false;
  auto capped = [&](std::string_view s) {
    truncated = truncated || s.size() > cap;
    return s;
  };
  Payload p;
  p.text("request_type", capped(m.method), cap);
  p.raw("input_size", std::to_string(m.size));
  // The names, or as many as fit in `cap` bytes, each cut to it.
  std::vector<std::string> names;
  if (!capture && cap == std::string_view::npos) {
    p.names("parameters", t, arguments);
  } else if (!capture) {
    size_t room = cap;
    for (const Node* n = t.first(arguments); n; n = t.next(n)) {
      if (n->key == "_meta") continue;
      if (room == 0) {
        truncated = true;
        break;
      }
      std::string_view name = capped(n->key).substr(0, std::min(cap, room));
      while (!name.empty() && name.size() < n->key.size() &&
             (static_cast<unsigned char>(n->key[name.size()]) & 0xc0) == 0x80)
        name.remove_suffix(1);  // on a character boundary
      truncated = truncated || name.size() < n->key.size();
      names.emplace_back(name);
      room -= std::min(room, name.size() + 4);  // quotes, comma, space
    }
    p.list("parameters", names);
  }
  p.text("mcp.method.name", capped(m.method), cap);
  const std::string_view name = JsonTree::string(t.member(m.params, "name"));
  if (m.method == "tools/call" && !name.empty()) p.text("gen_ai.tool.name", capped(name), cap);
  if (m.method == "prompts/get" && !name.empty()) p.text("gen_ai.prompt.name", capped(name), cap);
  if (const std::string_view uri = JsonTree::string(t.member(m.params, "uri")); !uri.empty())
    p.text("mcp.resource.uri", capped(uri), cap);
  // The id as it came, a number or a string, so that 5 and "5" (different
  // requests) stay apart; the OpenTelemetry sink sends it as the string the
  // conventions' jsonrpc.request.id is.
  if (JsonTree::is(m.id, Kind::kString) && m.id->text.size() > cap)
    p.text("jsonrpc.request.id", capped(m.id->text), cap);
  else if (m.id)
    p.value("jsonrpc.request.id", t, m.id);  // a request cut short may not show it
  const Session session = session_of(m);
  if (!session.protocol_version.empty())
    p.text("mcp.protocol.version", capped(session.protocol_version), cap);
  if (!session.client_name.empty()) p.text("mcp.client.name", capped(session.client_name), cap);
  if (!session.client_version.empty())
    p.text("mcp.client.version", capped(session.client_version), cap);
  // W3C trace context, for the OpenTelemetry sink to join the caller's
  // trace: params._meta's, which the MCP conventions make the parent of the
  // server span; without a traceparent there, the HTTP request's headers.
  if (JsonTree::is(t.member(meta, "traceparent"), Kind::kString) ||
      transport_traceparent_.empty()) {
    for (const char* key : {"traceparent", "tracestate"})
      if (const Node* v = t.member(meta, key); JsonTree::is(v, Kind::kString))
        p.text(key, capped(v->text), cap);
  } else {
    p.text("traceparent", capped(transport_traceparent_), cap);
    if (!transport_tracestate_.empty())
      p.text("tracestate", capped(transport_tracestate_), cap);
  }
  for (const StartAttribute& a : options_.start_attributes) {
    if (std::holds_alternative<int64_t>(a.value))
      p.raw(a.key, std::to_string(std::get<int64_t>(a.value)));
    else
      p.text(a.key, std::get<std::string>(a.value));
  }
  if (m.partial) p.raw("parsed", "false");
  if (m.refused_by) p.text("refused_by", m.refused_by);
  if (truncated) p.raw("truncated", "true");
  if (!capture) return p.str();
  // Params without _meta for methods without "arguments".
  Payload params;
  if (named && arguments) {
    p.value("parameters", t, arguments);
  } else {
    if (!named && JsonTree::is(arguments, Kind::kObject))
      for (const Node* n = t.first(arguments); n; n = t.next(n))
        if (n->key != "_meta") params.value(n->key, t, n);
    p.add("parameters", [&params](std::string* out, bool* escaped, bool doubled) {
      params.write(out, escaped, doubled);
    });
  }
  return fit(p, options_.max_payload_bytes);
}

std::string InteractionTracker::result_payload(const Interaction& i, const Message& m,
                                               const Node* result, SeenAt at,
                                               Action* action) const {
  const JsonTree& t = *m.tree;
  const Node* is_error = t.member(result, "isError");
  const bool tool_error = JsonTree::is(is_error, Kind::kBool) && is_error->text == "true";
  // A result one SDK's client refuses (its reader: the message's takers; a
  // tool's without content: Python's; data or a blob that is no base64:
  // TypeScript's) is marked so; one both refuse (a content block without
  // its text, a prompt message's role that is neither "user" nor
  // "assistant", one SDK's reader and the other's schema check) is
  // answered, but the call failed for its client whatever the server did.
  uint8_t takers = takers_of(m);
  if (!m.partial) takers &= result_takers(i.method, t, result);
  // A tool's structuredContent, by the schema it listed (the Python SDK's
  // client checks the result of a task's call not at all).
  if (!m.partial && i.method == "tools/call") {
    const uint8_t structured = output_schemas_.result_takers(i.target, t, result);
    takers &= i.task_id.empty() ? structured : structured | kTakenByPython;
  }
  // Of a long line only the ends are read: a client that checks a schema
  // for the tool has a verdict not known, and if the other's reader
  // refused the answer, the call is not known to have succeeded.
  if (m.partial && i.method == "tools/call" && takers != kTakenByBoth &&
      (output_schemas_.checking(i.target) & takers))
    takers = kTakenByNone;
  const char* refused_by = takers == kTakenByTypescript ? "python"
                           : takers == kTakenByPython   ? "typescript"
                                                        : nullptr;
  Payload p;
  *action = tool_error ? Action::kError : Action::kComplete;
  if (tool_error) {
    p.raw("error_type", "\"ToolError\"");
    p.text("error_message", first_text(t, result), kMaxMessageChars);
  } else if ((m.partial && i.method == "tools/call" && !JsonTree::is(is_error, Kind::kBool)) ||
             (is_error && !JsonTree::is(is_error, Kind::kBool)) || refused_by ||
             takers != kTakenByBoth) {
    // Answered, but not known to have succeeded: a long line's ends did not
    // show whether the tool failed, or isError is no boolean (pydantic reads
    // "true" as true, zod refuses it), or an SDK's client refuses the answer.
    p.raw("success", "null");
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
  if (refused_by) p.text("refused_by", refused_by);
  if (!options_.capture_results || m.partial || !result) return p.str();
  p.value("result", t, result);
  return fit(p, options_.max_payload_bytes);
}

std::string InteractionTracker::error_payload(const Interaction& i, const Message& m,
                                              const char* error_type, SeenAt at) const {
  const JsonTree& t = *m.tree;
  const std::string_view type(error_type);
  Payload p;
  p.text("error_type", type);
  if (m.error) {
    const Node* code = t.member(m.error, "code");
    // Both SDKs read a whole code written -32601.0 or 1e2 as the integer.
    const auto n = JsonTree::is(code, Kind::kNumber) ? message_keys_detail::number_of(code->text)
                                                     : message_keys_detail::Number{};
    if (!JsonTree::is(code, Kind::kNumber)) {
      p.raw("error_code", "null");
    } else if (!n.plain && n.safe) {
      p.raw("error_code", std::to_string(static_cast<int64_t>(n.value)));
    } else if (!n.plain && n.whole) {  // 1e20: Python's lax int reads it exactly
      char digits[400];
      std::snprintf(digits, sizeof digits, "%.0f", n.value);
      p.raw("error_code", digits);
    } else {
      p.value("error_code", t, code);
    }
    p.text("error_message", JsonTree::string(t.member(m.error, "message")), kMaxMessageChars);
    if (type == "JsonRpcError") p.raw("output_size", std::to_string(m.size));
  } else {
    p.text("error_message", JsonTree::string(t.member(m.params, "reason")), kMaxMessageChars);
  }
  p.raw("processing_time", seconds(at.mono_us - i.started_mono_us));
  if (!i.task_id.empty()) p.text("task_id", i.task_id);
  if (m.partial && m.error) p.raw("parsed", "false");
  if (m.error && m.refused_by) p.text("refused_by", m.refused_by);
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
  for (const char* name : {"progress", "total"}) {
    const Node* v = t.member(m.params, name);
    double value = 0;
    if (JsonTree::is(v, Kind::kNumber)) p.value(name, t, v);
    else if (python_float(v, &value) && std::isfinite(value)) p.raw(name, python_number(value));
  }
  if (const Node* v = t.member(m.params, "message"); JsonTree::is(v, Kind::kString))
    p.text("message", v->text, kMaxMessageChars);
  if (m.refused_by) p.text("refused_by", m.refused_by);
  return p.str();
}

std::string InteractionTracker::retry_payload(const Message& m) {
  const JsonTree& t = *m.tree;
  Payload p;
  p.raw("status", "\"input_provided\"");
  p.value("jsonrpc.request.id", t, m.id);
  p.raw("input_size", std::to_string(m.size));
  const std::vector<std::string> keys = keys_of(t, t.member(m.params, "inputResponses"));
  p.list("input_responses", keys);
  return p.str();
}

std::string InteractionTracker::input_payload(const std::string& task_id,
                                              const std::vector<std::string>& keys) {
  Payload p;
  p.raw("status", "\"input_provided\"");
  p.text("task_id", task_id);
  p.list("input_responses", keys);
  return p.str();
}

std::string InteractionTracker::input_required_payload(const Message& m,
                                                       const std::vector<std::string>& keys) {
  Payload p;
  p.raw("status", "\"input_required\"");
  p.list("input_requests", keys);
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
  if (!input_keys.empty()) p.list("input_requests", input_keys);
  return p.str();
}

void InteractionTracker::progress(Interaction& i, std::string payload, SeenAt at) {
  sink_({Action::kProgress, i.id, std::move(payload), i.stamp(at.wall_us)});
}

}  // namespace mcpr
