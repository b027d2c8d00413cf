#include "src/proxy/interaction_tracker.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>

#include "src/event/pyjson.h"
#include "src/proxy/mcp_methods.h"
#include "src/util/failure.h"
#include "src/util/time_text.h"

namespace mcpr {
namespace {

using rapidjson::Value;

constexpr size_t kMaxMessageChars = 1024;  // error messages, ToolError text

const Value* member(const Value* object, const char* name) {
  if (!object || !object->IsObject()) return nullptr;
  auto it = object->FindMember(name);
  return it == object->MemberEnd() ? nullptr : &it->value;
}

std::string_view string_of(const Value* v) {
  return v && v->IsString() ? std::string_view(v->GetString(), v->GetStringLength())
                            : std::string_view();
}

// Compact JSON text of a value: the key under which ids and tokens are
// matched, so 1 and "1" stay different ids.
std::string json_text(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// A value in the Python style of the spooled bodies.
std::string python_json(const Value& v) {
  std::string out, error;
  if (!to_python_json(json_text(v), &out, &error)) return "null";
  return out;
}

// A string member, cut to at most `limit` bytes on a character boundary.
std::string quoted(std::string_view text, size_t limit = std::string_view::npos) {
  if (text.size() > limit) {
    size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  std::string out;
  if (!python_string(text, &out)) return "null";
  return out;
}

std::string seconds(int64_t us) {
  if (us < 0) us = 0;
  return format_timestamp(us);
}

// Argument names, as a JSON list: what is recorded without --capture.
std::string names_of(const Value* object) {
  std::string out = "[";
  if (object && object->IsObject()) {
    bool first = true;
    for (auto it = object->MemberBegin(); it != object->MemberEnd(); ++it) {
      std::string_view name(it->name.GetString(), it->name.GetStringLength());
      if (name == "_meta") continue;
      if (!first) out += ", ";
      first = false;
      out += quoted(name);
    }
  }
  return out + "]";
}

// Params without _meta, in the Python style (--capture arguments for
// methods without "arguments").
std::string params_without_meta(const Value* params) {
  if (!params || !params->IsObject()) return "{}";
  JsonObject object;
  for (auto it = params->MemberBegin(); it != params->MemberEnd(); ++it) {
    std::string name(it->name.GetString(), it->name.GetStringLength());
    if (name != "_meta") object.set(name, python_json(it->value));
  }
  return object.str();
}

// The number of items a result carries: content (tools), contents
// (resources), messages (prompts).
int content_count(const Value* result) {
  for (const char* name : {"content", "contents", "messages"})
    if (const Value* v = member(result, name); v && v->IsArray())
      return static_cast<int>(v->Size());
  return 0;
}

// The start of the first text item of a tool result.
std::string_view first_text(const Value* result) {
  const Value* content = member(result, "content");
  if (!content || !content->IsArray()) return {};
  for (const Value& item : content->GetArray())
    if (const Value* text = member(&item, "text"); text && text->IsString())
      return string_of(text);
  return {};
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// `...,"id":VALUE}` at the end of a line (the order the TypeScript SDK writes).
std::string id_at_end(std::string_view tail) {
  std::string_view s = trim_right(tail);
  if (s.empty() || s.back() != '}') return "";
  s = trim_right(s.substr(0, s.size() - 1));
  size_t start = s.size();
  if (!s.empty() && s.back() == '"') {
    start = s.find_last_of('"', s.size() - 2);
    if (start == std::string_view::npos || (start > 0 && s[start - 1] == '\\')) return "";
  } else {
    while (start > 0 && (std::isdigit(static_cast<unsigned char>(s[start - 1])) || s[start - 1] == '-'))
      --start;
  }
  std::string value(s.substr(start));
  if (value.empty()) return "";
  s = trim_right(s.substr(0, start));
  if (s.empty() || s.back() != ':') return "";
  s = trim_right(s.substr(0, s.size() - 1));
  if (s.size() < 5 || s.substr(s.size() - 4) != "\"id\"") return "";
  s = trim_right(s.substr(0, s.size() - 4));
  if (s.empty() || (s.back() != ',' && s.back() != '{')) return "";
  return value;
}

// `{"jsonrpc":"2.0","id":VALUE,...` at the start of a line: "id" before any
// nested object or array.
std::string id_at_start(std::string_view head) {
  size_t nested = head.find_first_of("{[", 1);
  size_t at = head.find("\"id\"");
  if (head.empty() || head[0] != '{' || at == std::string_view::npos || at > nested) return "";
  size_t i = at + 4;
  while (i < head.size() && (head[i] == ' ' || head[i] == ':')) ++i;
  size_t end = i;
  if (end < head.size() && head[end] == '"') {
    end = head.find('"', end + 1);
    if (end == std::string_view::npos) return "";
    ++end;
  } else {
    while (end < head.size() && (std::isdigit(static_cast<unsigned char>(head[end])) || head[end] == '-'))
      ++end;
  }
  std::string value(head.substr(i, end - i));
  return value.find('\\') == std::string::npos ? value : "";
}

}  // namespace

bool MethodFilter::matches(std::string_view method) const {
  return all || methods.count(std::string(method)) > 0;
}

MethodFilter MethodFilter::parse(const std::string& list) {
  MethodFilter filter;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string item = list.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item == "all") filter.all = true;
    else if (!item.empty() && filter.methods.insert(item).second) filter.order_.push_back(item);
    start = comma + 1;
  }
  if (!filter.all && filter.methods.empty())
    throw Failure(kExitUsage, "--methods", "no method named",
                  "give a comma-separated list such as tools/call,prompts/get, or all");
  return filter;
}

std::vector<std::string> MethodFilter::warnings() const {
  std::vector<std::string> out;
  if (all) return out;
  for (const std::string& name : order_)
    if (std::string w = method_warning(name); !w.empty()) out.push_back(std::move(w));
  return out;
}

struct InteractionTracker::Message {
  const Value* id = nullptr;
  std::string_view method;
  const Value* params = nullptr;
  const Value* result = nullptr;
  const Value* error = nullptr;
};

InteractionTracker::InteractionTracker(TrackerOptions options, Sink sink, IdMaker make_id)
    : options_(std::move(options)), sink_(std::move(sink)), make_id_(std::move(make_id)) {
  if (!make_id_) make_id_ = new_interaction_id;
}

void InteractionTracker::on_line(Direction direction, std::string_view line, SeenAt at) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseStopWhenDoneFlag>(line.data(), line.size());
  if (doc.HasParseError()) {
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) ++unreadable_lines_;
    return;
  }
  auto handle = [&](const Value& v) {
    if (!v.IsObject()) return;
    Message m;
    m.id = member(&v, "id");
    const Value* method = member(&v, "method");
    if (method && method->IsString()) m.method = string_of(method);
    else if (method) return;
    m.params = member(&v, "params");
    m.result = member(&v, "result");
    m.error = member(&v, "error");
    on_message(direction, m, line.size(), at);
  };
  if (doc.IsArray()) {
    for (const Value& v : doc.GetArray()) handle(v);
  } else {
    handle(doc);
  }
}

void InteractionTracker::on_message(Direction direction, const Message& m, size_t size,
                                    SeenAt at) {
  const bool request = !m.method.empty() && m.id && !m.id->IsNull();
  const bool notification = !m.method.empty() && !m.id;
  const bool response = m.method.empty() && m.id && (m.result || m.error);
  if (direction == Direction::kClientToServer) {
    if (request) on_client_request(m, size, at);
    else if (notification && m.method == "notifications/cancelled") on_cancelled(m, at);
    // Responses from the client answer the server's own requests, whose
    // ids are the server's: they never close a client request.
  } else {
    if (response) on_server_response(m, size, at);
    else if (notification && m.method == "notifications/progress") on_progress(m, at);
  }
}

void InteractionTracker::on_client_request(const Message& m, size_t size, SeenAt at) {
  const Value* meta = member(m.params, "_meta");
  if (m.method == "initialize") {
    initialize_id_ = json_text(*m.id);
    const Value* info = member(m.params, "clientInfo");
    client_name_ = std::string(string_of(member(info, "name")));
    client_version_ = std::string(string_of(member(info, "version")));
    protocol_version_ = std::string(string_of(member(m.params, "protocolVersion")));
  }
  // Revisions without initialize (2026-07-28) carry both in every request.
  for (const char* key : {"io.modelcontextprotocol/protocolVersion", "protocolVersion"})
    if (const Value* v = member(meta, key); v && v->IsString()) protocol_version_ = string_of(v);
  for (const char* key : {"io.modelcontextprotocol/clientInfo", "clientInfo"}) {
    if (const Value* info = member(meta, key); info && info->IsObject()) {
      client_name_ = std::string(string_of(member(info, "name")));
      client_version_ = std::string(string_of(member(info, "version")));
    }
  }
  if (!options_.methods.matches(m.method)) return;

  const std::string key = json_text(*m.id);
  if (auto old = open_.find(key); old != open_.end()) {
    // An id reused while still open: the old request can no longer be told
    // apart, so it ends here.
    finish(old, Action::kError,
           "{\"error_type\": \"Superseded\", \"error_message\": \"request id reused\", "
           "\"processing_time\": " + processing_time(old->second, at) + "}",
           at);
  }
  Open open{make_id_(at.wall_us / 1000000), "", at.mono_us};
  if (const Value* token = member(meta, "progressToken")) {
    open.progress_token = json_text(*token);
    by_token_[open.progress_token] = key;
  }

  const bool named_arguments = m.method == "tools/call" || m.method == "prompts/get";
  const Value* arguments = named_arguments ? member(m.params, "arguments") : m.params;
  JsonObject head;
  head.set("request_type", quoted(m.method));
  head.set("input_size", std::to_string(size));
  if (!options_.capture_arguments) head.set("parameters", names_of(arguments));
  head.set("mcp.method.name", quoted(m.method));
  const std::string_view name = string_of(member(m.params, "name"));
  if (m.method == "tools/call" && !name.empty()) head.set("gen_ai.tool.name", quoted(name));
  if (m.method == "prompts/get" && !name.empty()) head.set("gen_ai.prompt.name", quoted(name));
  if (const std::string_view uri = string_of(member(m.params, "uri")); !uri.empty())
    head.set("mcp.resource.uri", quoted(uri));
  head.set("jsonrpc.request.id", m.id->IsString() ? quoted(string_of(m.id)) : quoted(key));
  if (!protocol_version_.empty()) head.set("mcp.protocol.version", quoted(protocol_version_));
  if (!client_name_.empty()) head.set("mcp.client.name", quoted(client_name_));
  if (!client_version_.empty()) head.set("mcp.client.version", quoted(client_version_));
  // W3C trace context, for the OpenTelemetry sink to join the caller's trace.
  for (const char* key : {"traceparent", "tracestate"})
    if (const Value* v = member(meta, key); v && v->IsString()) head.set(key, quoted(string_of(v)));
  for (const StartAttribute& a : options_.start_attributes)
    head.set(a.key, std::holds_alternative<int64_t>(a.value)
                        ? std::to_string(std::get<int64_t>(a.value))
                        : quoted(std::get<std::string>(a.value)));
  std::string payload;
  if (options_.capture_arguments) {
    std::string captured = !named_arguments ? params_without_meta(arguments)
                           : arguments      ? python_json(*arguments)
                                            : "{}";
    payload = fit(head.str(), "parameters", std::move(captured));
  } else {
    payload = head.str();
  }
  auto it = open_.emplace(key, std::move(open)).first;
  sink_({Action::kStart, it->second.interaction_id, std::move(payload), at.wall_us});
}

void InteractionTracker::on_server_response(const Message& m, size_t size, SeenAt at) {
  const std::string key = json_text(*m.id);
  if (key == initialize_id_) {
    initialize_id_.clear();
    std::string_view version = string_of(member(m.result, "protocolVersion"));
    if (!version.empty()) protocol_version_ = std::string(version);
  }
  auto it = open_.find(key);
  if (it == open_.end()) return;
  JsonObject head;
  Action action = Action::kComplete;
  const Value* is_error = member(m.result, "isError");
  const bool tool_error = is_error && is_error->IsTrue();
  if (m.error) {
    action = Action::kError;
    head.set("error_type", "\"JsonRpcError\"");
    const Value* code = member(m.error, "code");
    head.set("error_code", code && code->IsNumber() ? json_text(*code) : "null");
    head.set("error_message", quoted(string_of(member(m.error, "message")), kMaxMessageChars));
  } else if (tool_error) {
    action = Action::kError;
    head.set("error_type", "\"ToolError\"");
    head.set("error_message", quoted(first_text(m.result), kMaxMessageChars));
  } else {
    head.set("success", "true");
  }
  head.set("output_size", std::to_string(size));
  head.set("processing_time", processing_time(it->second, at));
  if (!m.error) head.set("content_count", std::to_string(content_count(m.result)));
  std::string payload = options_.capture_results && m.result
                            ? fit(head.str(), "result", python_json(*m.result))
                            : head.str();
  finish(it, action, std::move(payload), at);
}

void InteractionTracker::on_progress(const Message& m, SeenAt at) {
  const Value* token = member(m.params, "progressToken");
  if (!token) return;
  auto by = by_token_.find(json_text(*token));
  if (by == by_token_.end()) return;
  auto it = open_.find(by->second);
  if (it == open_.end()) return;
  JsonObject payload;
  for (const char* name : {"progress", "total"})
    if (const Value* v = member(m.params, name); v && v->IsNumber()) payload.set(name, json_text(*v));
  if (const Value* v = member(m.params, "message"); v && v->IsString())
    payload.set("message", quoted(string_of(v), kMaxMessageChars));
  sink_({Action::kProgress, it->second.interaction_id, payload.str(), at.wall_us});
}

void InteractionTracker::on_cancelled(const Message& m, SeenAt at) {
  const Value* id = member(m.params, "requestId");
  if (!id) return;
  auto it = open_.find(json_text(*id));
  if (it == open_.end()) return;
  JsonObject payload;
  payload.set("error_type", "\"Cancelled\"");
  payload.set("error_message", quoted(string_of(member(m.params, "reason")), kMaxMessageChars));
  payload.set("processing_time", processing_time(it->second, at));
  finish(it, Action::kError, payload.str(), at);
}

void InteractionTracker::on_long_line(Direction direction, std::string_view head,
                                      std::string_view tail, size_t size, SeenAt at) {
  if (direction != Direction::kServerToClient) return;
  std::string key = id_at_end(tail);
  if (key.empty()) key = id_at_start(head);
  auto it = key.empty() ? open_.end() : open_.find(key);
  if (it == open_.end()) return;
  JsonObject payload;
  payload.set("success", "true");
  payload.set("output_size", std::to_string(size));
  payload.set("processing_time", processing_time(it->second, at));
  payload.set("parsed", "false");
  finish(it, Action::kComplete, payload.str(), at);
}

void InteractionTracker::close_all(SessionEnd how, const std::string& message, SeenAt at) {
  const std::string error_type = how == SessionEnd::kClientClosed ? "ClientClosed" : "ServerExited";
  while (!open_.empty()) close(open_.begin(), error_type, message, at);
}

void InteractionTracker::close_requests(std::string_view line, const std::string& error_type,
                                        const std::string& message, SeenAt at) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseStopWhenDoneFlag>(line.data(), line.size());
  if (doc.HasParseError()) return;
  auto handle = [&](const Value& v) {
    const Value* id = member(&v, "id");
    if (!id || id->IsNull() || !member(&v, "method")) return;
    if (auto it = open_.find(json_text(*id)); it != open_.end()) close(it, error_type, message, at);
  };
  if (doc.IsArray()) {
    for (const Value& v : doc.GetArray()) handle(v);
  } else {
    handle(doc);
  }
}

void InteractionTracker::close(std::map<std::string, Open>::iterator it,
                               const std::string& error_type, const std::string& message,
                               SeenAt at) {
  JsonObject payload;
  payload.set("error_type", quoted(error_type));
  payload.set("error_message", quoted(message));
  payload.set("processing_time", processing_time(it->second, at));
  finish(it, Action::kError, payload.str(), at);
}

size_t InteractionTracker::forget_all() {
  const size_t n = open_.size();
  open_.clear();
  by_token_.clear();
  return n;
}

void InteractionTracker::finish(std::map<std::string, Open>::iterator it, Action action,
                                std::string payload, SeenAt at) {
  if (!it->second.progress_token.empty()) {
    auto by = by_token_.find(it->second.progress_token);
    if (by != by_token_.end() && by->second == it->first) by_token_.erase(by);
  }
  std::string id = std::move(it->second.interaction_id);
  open_.erase(it);
  sink_({action, std::move(id), std::move(payload), at.wall_us});
}

std::string InteractionTracker::processing_time(const Open& open, SeenAt at) const {
  return seconds(at.mono_us - open.started_mono_us);
}

// `payload_head` (an object) with `captured_key` added; when the whole is
// over max_payload_bytes the captured JSON text is cut and stored as a
// string, and "truncated": true says so.
std::string InteractionTracker::fit(std::string payload_head, const char* captured_key,
                                    std::string captured) const {
  payload_head.pop_back();  // the closing brace
  std::string sep = payload_head.size() > 1 ? ", " : "";
  std::string whole = payload_head + sep + quoted(captured_key) + ": " + captured + "}";
  const size_t limit = options_.max_payload_bytes;
  if (limit == 0 || whole.size() <= limit) return whole;
  const std::string head = payload_head + sep + quoted(captured_key) + ": ";
  const std::string tail = ", \"truncated\": true}";
  // Cut the captured text, quote it, and cut again by what is still over:
  // each byte cut takes at least one byte of its quoted form (up to six, a
  // \u escape), so this ends in a pass or two with the room filled.
  size_t room = limit > head.size() + tail.size() ? limit - head.size() - tail.size() : 0;
  for (;;) {
    std::string cut = quoted(captured, room);
    const size_t size = head.size() + cut.size() + tail.size();
    if (size <= limit || room == 0) return head + cut + tail;
    room -= std::min(room, size - limit);
  }
}

}  // namespace mcpr
