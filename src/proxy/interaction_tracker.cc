// The message flow of a session: which message starts, continues or ends
// which interaction (man page PROXY, the table per revision). What each
// event says is in interaction_events.cc.
#include "src/proxy/interaction_tracker.h"

#include <memory>

#include "src/proxy/message_keys.h"
#include "src/proxy/long_line.h"
#include "src/proxy/mcp_methods.h"
#include "src/util/failure.h"
#include "src/util/random.h"
#include "src/util/text.h"

namespace mcpr {

using Kind = JsonTree::Kind;

bool MethodFilter::matches(std::string_view method) const {
  return all || methods.count(std::string(method)) > 0;
}

MethodFilter MethodFilter::parse(const std::string& list) {
  MethodFilter filter;
  for (std::string_view name : split_option_lists(list)) {
    std::string item(name);
    if (item == "all") filter.all = true;
    else if (filter.methods.insert(item).second) filter.order_.push_back(item);
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

bool InteractionTracker::read_message(const JsonTree& tree, const Node* n, size_t size,
                                      bool partial, Message* m) {
  if (!JsonTree::is(n, Kind::kObject)) return false;
  // Both SDKs refuse a message without "jsonrpc": "2.0" (a long line's ends
  // may not show it).
  const Node* version = tree.member(n, "jsonrpc");
  if (!partial && !(JsonTree::is(version, Kind::kString) && version->text == "2.0")) return false;
  const Node* method = tree.member(n, "method");
  if (method && (!JsonTree::is(method, Kind::kString) || method->text.empty())) return false;
  // A long line's ends may not show its method: one whose "params" shows is
  // no response either.
  if (partial && !method && tree.member(n, "params")) return false;
  m->tree = &tree;
  m->id = tree.member(n, "id");
  m->method = method ? method->text : std::string_view();
  m->params = tree.member(n, "params");
  m->result = tree.member(n, "result");
  m->error = tree.member(n, "error");
  m->size = size;
  m->partial = partial;
  m->object = n;
  // Both a result and an error ("both members MUST NOT be included"): the
  // Python SDK's JSONRPCMessage (a smart union of models that take extra
  // members) reads an error it takes, else the result; zod reads neither.
  // Of a long line, an error it takes shows whole at one end.
  if (!method && m->result && m->error) {
    m->both = true;
    const Node* code = tree.member(m->error, "code");
    const bool python_error = JsonTree::is(m->error, Kind::kObject) &&
                              (code_takers(code) & kTakenByPython) &&
                              JsonTree::is(tree.member(m->error, "message"), Kind::kString);
    (python_error ? m->result : m->error) = nullptr;
  }
  return true;
}

namespace {

// Whether a member of message `m` (a request's, a notification's, a
// response's) is one the TypeScript SDK's message schemas have: they are
// strict (JSONRPCMessageSchema), pydantic's models take any.
bool zod_member(std::string_view key, bool has_method) {
  if (key == "jsonrpc" || key == "id") return true;
  if (has_method) return key == "method" || key == "params";
  return key == "result" || key == "error";
}

}  // namespace

InteractionTracker::InteractionTracker(TrackerOptions options, Sink sink, IdMaker make_id)
    : options_(std::move(options)), sink_(std::move(sink)), make_id_(std::move(make_id)) {
  // A session makes ids at the rate of its calls: one getrandom(2) for all.
  if (!make_id_)
    make_id_ = [stream = std::make_shared<RandomStream>()](int64_t seconds) {
      return new_interaction_id(seconds, static_cast<uint32_t>(stream->next()));
    };
}

void InteractionTracker::on_line(Direction direction, std::string_view line, SeenAt at) {
  // The Python SDK's server reads its stdin with universal newlines: a CR
  // before a client's line ends, which JSON.parse reads as white space,
  // ends a line there for it (only a client's stdio line is looked at).
  const bool python_splits = options_.stdio_lines && direction == Direction::kClientToServer &&
                             line.find('\r') < line.size() - 1;
  JsonTree tree;
  if (tree.parse(line))
    return on_value(direction, tree, line.size(),
                    python_splits ? CrSplit::kSplitByPython : CrSplit::kNone, at);
  if (python_splits) {
    // JSON.parse refuses the line whole; Python reads each piece as a line
    // of its own: the messages among them are Python's alone.
    for (size_t start = 0; start <= line.size();) {
      const size_t end = std::min(line.find('\r', start), line.size());
      const std::string_view piece = line.substr(start, end - start);
      start = end + 1;
      if (piece.find_first_not_of(" \t") == std::string_view::npos) continue;
      JsonTree piece_tree;
      if (piece_tree.parse(piece)) on_value(direction, piece_tree, piece.size(), CrSplit::kPiece, at);
      else ++unreadable_lines_;
    }
    return;
  }
  if (line.find_first_not_of(" \t\r") != std::string_view::npos) ++unreadable_lines_;
}

void InteractionTracker::on_value(Direction direction, const JsonTree& tree, size_t size,
                                  CrSplit cr_split, SeenAt at) {
  Message m;
  m.cr_split = cr_split;
  if (!JsonTree::is(tree.root(), Kind::kArray)) {
    if (read_message(tree, tree.root(), size, false, &m)) on_message(direction, m, at);
    return;
  }
  // A batch: 2025-03-26 has them ("MUST support receiving JSON-RPC
  // batches"); the revisions before it do not "explicitly support JSON-RPC
  // batches", and 2025-06-18 removed them, so their peers refuse one.
  if (!protocol_version_.empty() && protocol_version_ != "2025-03-26") return;
  for (const Node* n = tree.first(tree.root()); n; n = tree.next(n)) {
    Message one = m;
    if (read_message(tree, n, n->text.size(), false, &one)) on_message(direction, one, at);
  }
}

void InteractionTracker::on_long_line(Direction direction, std::string_view head,
                                      std::string_view tail, size_t size, SeenAt at) {
  JsonTree tree;
  Message m;
  // Only what the ends show for sure is used: a response needs its id and
  // no sign of a method (a request's "params" included) at either end.
  if (!read_long_line(head, tail, &tree) || !read_message(tree, tree.root(), size, true, &m) ||
      (m.method.empty() && (id_key(m.id).empty() || (!m.result && !m.error)))) {
    ++unreadable_lines_;
    return;
  }
  on_message(direction, m, at);
}

void InteractionTracker::on_cut_request(std::string_view head, size_t size, SeenAt at) {
  JsonTree tree;
  Message m;
  if (!read_long_line(head, {}, &tree) || !read_message(tree, tree.root(), size, true, &m) ||
      m.method.empty() || m.method.substr(0, 14) == "notifications/" || m.error || m.result) {
    ++unreadable_lines_;
    return;
  }
  // Without its id no answer can match it ("" is no id's key): none will
  // come, the server is gone.
  const std::string key = id_key(m.id);
  on_client_request(m, at, key.empty() ? std::string(1, '\0') + "cut" : key);
}

void InteractionTracker::on_last_client_line(std::string_view head, std::string_view tail,
                                             size_t size, SeenAt at) {
  unterminated_ = true;
  if (tail.empty() && head.size() == size) on_line(Direction::kClientToServer, head, at);
  else on_long_line(Direction::kClientToServer, head, tail, size, at);
  unterminated_ = false;
}

// Which SDKs' readers take message `m` (Takers): JSON.parse refuses NaN and
// Infinity, pydantic-core a lone surrogate and deep nesting, the Python
// server's stdin a line a CR splits; zod's message schemas are strict (no
// member beside a message's own, not both result and error), pydantic's
// models take any member; zod and pydantic each want an id of their kind of
// integer, and an error's integer code and string message; over stdio the
// TypeScript SDK refuses a line of 10 MiB or more, or without its newline.
uint8_t InteractionTracker::takers(const Message& m) const {
  uint8_t out = kTakenByBoth;
  if (m.tree->non_finite() || unterminated_ || (m.partial && options_.stdio_lines) || m.both ||
      m.cr_split == CrSplit::kPiece)
    out &= ~kTakenByTypescript;
  for (const Node* n = m.tree->first(m.object); n && (out & kTakenByTypescript); n = m.tree->next(n))
    if (!zod_member(n->key, !m.method.empty())) out &= ~kTakenByTypescript;
  // The Python SDK reads a line with pydantic-core (model_validate_json, its
  // client's and its server's), whose parser refuses a lone surrogate and a
  // value inside more than 200 containers.
  if (m.tree->lone_surrogate() || m.tree->depth() > 200 || m.cr_split == CrSplit::kSplitByPython)
    out &= ~kTakenByPython;
  // A request's or notification's params: zod wants an object or none,
  // pydantic an object or None (null).
  if (m.params && !m.method.empty() && !JsonTree::is(m.params, Kind::kObject))
    out &= JsonTree::is(m.params, Kind::kNull) ? kTakenByPython : kTakenByNone;
  // Its _meta likewise (pydantic: None or an object), and _meta's
  // progressToken an id's kind (a string or a safe integer for zod; any
  // integer, or None, for pydantic).
  const Node* meta = m.method.empty() ? nullptr : m.tree->member(m.params, "_meta");
  if (meta && !JsonTree::is(meta, Kind::kObject))
    out &= JsonTree::is(meta, Kind::kNull) ? kTakenByPython : kTakenByNone;
  if (const Node* token = m.tree->member(meta, "progressToken"))
    out &= JsonTree::is(token, Kind::kNull) ? uint8_t{kTakenByPython} : id_takers(token);
  // A result's _meta: zod's ResultSchema wants an object (pydantic None or
  // an object), its progressToken a string or an integer and its
  // related-task an object with a taskId; pydantic's dict takes any.
  const Node* result_meta = m.method.empty() ? m.tree->member(m.result, "_meta") : nullptr;
  if (result_meta && !JsonTree::is(result_meta, Kind::kObject))
    out &= JsonTree::is(result_meta, Kind::kNull) ? kTakenByPython : kTakenByNone;
  if (const Node* token = m.tree->member(result_meta, "progressToken"))
    if (!(id_takers(token) & kTakenByTypescript)) out &= ~kTakenByTypescript;
  if (const Node* task = m.tree->member(result_meta, "io.modelcontextprotocol/related-task"))
    if (!JsonTree::is(m.tree->member(task, "taskId"), Kind::kString)) out &= ~kTakenByTypescript;
  if (m.id) out &= id_takers(m.id);
  if (m.error && m.method.empty() && JsonTree::is(m.error, Kind::kObject)) {
    const JsonTree& t = *m.tree;
    const Node* code = t.member(m.error, "code");
    const Node* message = t.member(m.error, "message");
    // A long line's ends may not show them.
    if (code || !m.partial) out &= code_takers(code);
    if (message || !m.partial) out &= JsonTree::is(message, Kind::kString) ? kTakenByBoth : kTakenByNone;
  }
  return out;
}

void InteractionTracker::on_message(Direction direction, const Message& in, SeenAt at) {
  Message m = in;
  const uint8_t taken = takers(m);
  if (taken == kTakenByNone) return;  // no message to either SDK
  mark_takers(&m, taken);
  const bool request = !m.method.empty() && !id_key(m.id).empty();
  const bool notification = !m.method.empty() && !m.id;
  // A response has a result or an error, an object ("both members MUST NOT
  // be included"; a long line's may be cut).
  auto object = [&](const Node* n) {
    return JsonTree::is(n, Kind::kObject) || (m.partial && JsonTree::is(n, Kind::kCut));
  };
  const bool response = m.method.empty() && m.id &&
                        (m.result ? !m.error && object(m.result) : object(m.error));
  if (direction == Direction::kClientToServer) {
    if (request) on_client_request(m, at, id_key(m.id));
    else if (notification && m.method == "notifications/cancelled") on_client_cancel(m, at);
    // Responses from the client answer the server's own requests, whose
    // ids are the server's: they never end a client request.
  } else {
    if (response) on_server_response(m, at);
    else if (notification) on_server_notification(m, at);
    // The server's own requests (sampling, elicitation, roots, its polls of
    // a client's task) are forwarded and not recorded.
  }
}

void InteractionTracker::note_session(const Message& m) {
  if (m.method != "initialize") return;
  const JsonTree& t = *m.tree;
  const Node* info = t.member(m.params, "clientInfo");
  initialized_ = true;
  client_name_ = std::string(JsonTree::string(t.member(info, "name")));
  client_version_ = std::string(JsonTree::string(t.member(info, "version")));
  protocol_version_ = std::string(JsonTree::string(t.member(m.params, "protocolVersion")));
}

// The session a request is in: the one initialize began, or in revisions
// without initialize (2026-07-28), what the request's own _meta says: that
// request's alone.
InteractionTracker::Session InteractionTracker::session_of(const Message& m) const {
  Session s{protocol_version_, client_name_, client_version_};
  if (initialized_) return s;
  const JsonTree& t = *m.tree;
  const Node* meta = t.member(m.params, "_meta");
  for (const char* key : {"io.modelcontextprotocol/protocolVersion", "protocolVersion"})
    if (const Node* v = t.member(meta, key); JsonTree::is(v, Kind::kString))
      s.protocol_version = std::string(v->text);
  for (const char* key : {"io.modelcontextprotocol/clientInfo", "clientInfo"}) {
    if (const Node* info = t.member(meta, key); JsonTree::is(info, Kind::kObject)) {
      s.client_name = std::string(JsonTree::string(t.member(info, "name")));
      s.client_version = std::string(JsonTree::string(t.member(info, "version")));
    }
  }
  return s;
}

// A session that negotiated a revision before 2026-07-28 (the versions are
// dates): what only 2026-07-28 has (resultType "task" of the task
// extension, "input_required") is not honoured in it.
bool InteractionTracker::before_2026_07_28() const {
  return !protocol_version_.empty() && protocol_version_ < "2026-07-28";
}

void InteractionTracker::on_client_request(const Message& m, SeenAt at, std::string key) {
  const JsonTree& t = *m.tree;
  note_session(m);
  if (JsonTree::is(m.id, Kind::kString)) client_string_ids_ = true;
  using Role = Request::Role;
  Request request;
  request.role = m.method == "initialize"     ? Role::kInitialize
                 : m.method == "tools/list"   ? Role::kToolsList
                 : m.method == "tasks/get"    ? Role::kTaskGet
                 : m.method == "tasks/result" ? Role::kTaskResult
                 : m.method == "tasks/cancel" ? Role::kTaskCancel
                 : m.method == "tasks/update" ? Role::kTaskUpdate
                                              : Role::kPlain;
  request.task_id = std::string(JsonTree::string(t.member(m.params, "taskId")));
  request.task_augmented = JsonTree::is(t.member(m.params, "task"), Kind::kObject);
  const Node* cursor = t.member(m.params, "cursor");
  request.paged = cursor && !JsonTree::is(cursor, Kind::kNull);
  if (options_.methods.matches(m.method)) {
    request.interaction = retried(m);
    if (request.interaction) {
      Interaction& i = interactions_[request.interaction];
      i.awaiting_retry = false;
      progress(i, retry_payload(m), at);
    } else {
      request.interaction = next_serial_++;
      Interaction& i = interactions_[request.interaction];
      i.id = make_id_(at.wall_us / 1000000);
      i.method = std::string(m.method);
      i.started_mono_us = at.mono_us;
      i.target = target_of(m);
      i.arguments_hash = arguments_hash(m);
      sink_({Action::kStart, i.id, start_payload(m), i.stamp(at.wall_us)});
    }
    Interaction& i = interactions_[request.interaction];
    i.request = key;
    const std::string token = id_key(t.member(t.member(m.params, "_meta"), "progressToken"));
    if (!token.empty()) {
      if (!i.progress_token.empty()) by_token_.erase(i.progress_token);
      i.progress_token = token;
      by_token_[token] = request.interaction;
    }
  }
  // The client gives the input a task asked for (the task extension): it
  // is progress once the server acknowledges it.
  if (request.role == Role::kTaskUpdate)
    request.input_keys = keys_of(t, t.member(m.params, "inputResponses"));
  if (!request.interaction && request.role == Role::kPlain) return;
  // An id reused while its request is open: both are answered, in order.
  if (requests_.count(key)) reused_[key].push_back(std::move(request));
  else requests_[key] = std::move(request);
}

void InteractionTracker::erase_request(Requests::iterator request) {
  const std::string key = request->first;
  requests_.erase(request);
  auto next = reused_.find(key);
  if (next == reused_.end()) return;
  requests_[key] = std::move(next->second.front());
  next->second.pop_front();
  if (next->second.empty()) reused_.erase(next);
}

// The interaction waiting for this request as the retry of a call answered
// with input_required (2026-07-28), 0 for none. A retry is of "the original
// request": the same method and tool (prompt, resource). "The client MUST
// echo back the exact value" of its requestState; without one, it answers
// every input request the result named. When several calls wait so, the
// one whose arguments it repeats; if that is not one call, which it
// continues is not known, and it is a call of its own.
uint64_t InteractionTracker::retried(const Message& m) const {
  const JsonTree& t = *m.tree;
  const Node* state = t.member(m.params, "requestState");
  const Node* responses = t.member(m.params, "inputResponses");
  if (!JsonTree::is(state, Kind::kString) && !JsonTree::is(responses, Kind::kObject)) return 0;
  const std::string target = target_of(m);
  std::vector<uint64_t> candidates;
  for (const auto& [serial, i] : interactions_) {
    if (!i.awaiting_retry || i.method != m.method || i.target != target) continue;
    if (i.has_request_state) {
      if (JsonTree::is(state, Kind::kString) && state->text == i.request_state)
        candidates.push_back(serial);
      continue;
    }
    if (i.input_keys.empty()) continue;
    bool all = true;
    for (const std::string& k : i.input_keys) all = all && t.member(responses, k) != nullptr;
    if (all) candidates.push_back(serial);
  }
  if (candidates.size() <= 1) return candidates.empty() ? 0 : candidates.front();
  const size_t arguments = arguments_hash(m);
  uint64_t found = 0;
  for (uint64_t serial : candidates) {
    if (interactions_.at(serial).arguments_hash != arguments) continue;
    if (found) return 0;
    found = serial;
  }
  return found;
}

void InteractionTracker::on_client_cancel(const Message& m, SeenAt at) {
  const std::string key = id_key(m.tree->member(m.params, "requestId"));
  auto request = requests_.find(key);
  if (request == requests_.end()) {
    // A call already answered with a task: cancelling its request does not
    // cancel the task (tasks/cancel does), whose own outcome ends the call;
    // that the client asked to stop is said (an SDK client's AbortSignal).
    for (auto& [serial, i] : interactions_)
      if (!i.task_id.empty() && i.answered == key && !key.empty())
        progress(i,
                 status_payload(i.task_id, "cancel_requested",
                                std::string(JsonTree::string(m.tree->member(m.params, "reason")))),
                 at);
    return;
  }
  auto it = interactions_.find(request->second.interaction);
  erase_request(request);  // an answer that comes all the same is ignored
  if (it == interactions_.end() || it->second.request != key) return;
  // Cancelling a subscriptions/listen is how a client ends it (2026-07-28).
  if (it->second.method == "subscriptions/listen")
    finish(it, Action::kComplete, listen_end_payload(it->second, "client", at), at);
  else
    finish(it, Action::kError, error_payload(it->second, m, "Cancelled", at), at);
}

// The open request an answer's id (or a progress token) names, with the
// SDKs whose clients take it so: the one of that id, else, for a string id
// in a session whose client numbers its requests (as both SDK clients do:
// it has sent no string id), the one each SDK client reads it as
// (number_keys; man page PROXY, Faithful). `takers` comes in as who takes the message, and goes out
// narrowed; end() when no client would take it for an open request's.
template <typename Map>
typename Map::iterator InteractionTracker::numbered(Map& map, const Node* id, bool python_reads,
                                                    uint8_t* takers) const {
  auto found = map.find(id_key(id));
  if (found != map.end() || !JsonTree::is(id, Kind::kString) || client_string_ids_) return found;
  const NumberKeys keys = number_keys(id->text);
  auto ts = keys.typescript.empty() ? map.end() : map.find(keys.typescript);
  auto py = keys.python.empty() || !python_reads ? map.end() : map.find(keys.python);
  found = ts != map.end() ? ts : py;
  if (found == map.end()) return found;
  if (found != ts) *takers &= ~kTakenByTypescript;
  if (found != py) *takers &= ~kTakenByPython;
  return *takers == kTakenByNone ? map.end() : found;
}

// A message whose reader only one SDK is: it is marked so.
void InteractionTracker::mark_takers(Message* m, uint8_t takers) {
  m->refused_by = takers == kTakenByBoth         ? nullptr
                  : takers == kTakenByTypescript ? "python"
                                                 : "typescript";
}

uint8_t InteractionTracker::takers_of(const Message& m) {
  if (!m.refused_by) return kTakenByBoth;
  return std::string_view(m.refused_by) == "python" ? kTakenByTypescript : kTakenByPython;
}

void InteractionTracker::on_server_response(const Message& in, SeenAt at) {
  using Role = Request::Role;
  uint8_t takers = takers_of(in);
  auto found = numbered(requests_, in.id, true, &takers);
  Message m = in;
  mark_takers(&m, takers);
  // An answer on a stream resumed after the client left it is not recorded:
  // its call ends as it was left (close_requests), or cancelled.
  if (found == requests_.end() || found->second.left) return;
  const Request request = std::move(found->second);
  const std::string key = found->first;
  erase_request(found);
  if (request.role == Role::kInitialize) {
    std::string_view version = JsonTree::string(m.tree->member(m.result, "protocolVersion"));
    if (!version.empty()) protocol_version_ = std::string(version);
  }
  if (request.role == Role::kToolsList && m.result && !m.error)
    output_schemas_.on_listing(*m.tree, m.result, takers_of(m), request.paged, m.partial);
  if (!request.task_id.empty()) on_task_answer(request, m, at);
  auto it = interactions_.find(request.interaction);
  if (it != interactions_.end() && it->second.request == key) {
    it->second.request.clear();
    it->second.answered = key;
    on_answer(it, request, m, at);
  }
}

// The answer to a call that is an interaction.
void InteractionTracker::on_answer(Interactions::iterator it, const Request& request,
                                   const Message& m, SeenAt at) {
  const JsonTree& t = *m.tree;
  Interaction& i = it->second;
  if (m.error) {
    finish(it, Action::kError, error_payload(i, m, "JsonRpcError", at), at);
    return;
  }
  const std::string_view type =
      before_2026_07_28() ? std::string_view() : JsonTree::string(t.member(m.result, "resultType"));
  const Node* legacy_task = request.task_augmented ? t.member(m.result, "task") : nullptr;
  if (type == "task" && JsonTree::is(t.member(m.result, "taskId"), Kind::kString)) {
    i.extension_task = true;
    on_task_state(it, m.result, true, m, at);  // the task extension: the result is the task
  } else if (JsonTree::is(t.member(legacy_task, "taskId"), Kind::kString)) {
    on_task_state(it, legacy_task, true, m, at);  // 2025-11-25: CreateTaskResult
  } else if (type == "input_required") {
    i.awaiting_retry = true;
    const Node* state = t.member(m.result, "requestState");
    i.has_request_state = JsonTree::is(state, Kind::kString);
    i.request_state = std::string(JsonTree::string(state));
    i.input_keys = keys_of(t, t.member(m.result, "inputRequests"));
    progress(i, input_required_payload(m, i.input_keys), at);
  } else {
    Action action = Action::kComplete;
    std::string payload = result_payload(i, m, m.result, at, &action);
    finish(it, action, std::move(payload), at);
  }
}

// The answer to a request about a task (tasks/get, tasks/result,
// tasks/cancel): it may say how the task's interaction ends.
void InteractionTracker::on_task_answer(const Request& request, const Message& m, SeenAt at) {
  using Role = Request::Role;
  auto task = by_task_.find(request.task_id);
  if (task == by_task_.end()) return;
  auto it = interactions_.find(task->second);
  if (it == interactions_.end()) return;
  const JsonTree& t = *m.tree;
  const Node* code = t.member(m.error, "code");
  switch (request.role) {
    case Role::kTaskGet:
      // -32602: "invalid or nonexistent taskId", how a server says the
      // task expired or was purged; other errors may pass.
      if (m.error && JsonTree::is(code, Kind::kNumber) && code->text == "-32602")
        finish(it, Action::kError, error_payload(it->second, m, "TaskExpired", at), at);
      else if (m.result)
        on_task_state(it, m.result, false, m, at);
      return;
    case Role::kTaskResult: {
      // 2025-11-25: "exactly what the underlying request would have returned".
      // The task extension has no tasks/result ("clients calling it MUST
      // receive -32601"): its answer says nothing of the task.
      if (it->second.extension_task) return;
      if (m.error) {
        finish(it, Action::kError, error_payload(it->second, m, "TaskFailed", at), at);
        return;
      }
      Action action = Action::kComplete;
      std::string payload = result_payload(it->second, m, m.result, at, &action);
      finish(it, action, std::move(payload), at);
      return;
    }
    case Role::kTaskCancel:
      if (JsonTree::is(t.member(m.result, "status"), Kind::kString)) {
        on_task_state(it, m.result, false, m, at);  // 2025-11-25: the cancelled task
      } else if (m.result && !it->second.cancel_requested) {
        // The task extension acknowledges only: the task may still end
        // otherwise, which a later status says.
        it->second.cancel_requested = true;
        progress(it->second, status_payload(it->second.task_id, "cancel_requested", {}), at);
      }
      return;
    case Role::kTaskUpdate:
      // "On success, the server MUST acknowledge the request with an empty
      // result"; an error (an unknown taskId) gave nothing.
      if (m.result) progress(it->second, input_payload(it->second.task_id, request.input_keys), at);
      return;
    default:
      return;
  }
}

// A task's state (a Task object: from the answer that made it, tasks/get,
// tasks/cancel, or a status notification): progress while it works, its
// end once its status is terminal.
void InteractionTracker::on_task_state(Interactions::iterator it, const Node* task, bool created,
                                       const Message& m, SeenAt at) {
  const JsonTree& t = *m.tree;
  Interaction& i = it->second;
  const std::string status(JsonTree::string(t.member(task, "status")));
  const std::string message(JsonTree::string(t.member(task, "statusMessage")));
  if (created) {
    i.task_id = std::string(JsonTree::string(t.member(task, "taskId")));
    by_task_[i.task_id] = it->first;
  }
  const Node* result = t.member(task, "result");
  if (status == "completed" && JsonTree::is(result, Kind::kObject)) {
    Action action = Action::kComplete;  // the task extension inlines the result
    std::string payload = result_payload(i, m, result, at, &action);
    finish(it, action, std::move(payload), at);
  } else if (status == "failed") {
    finish(it, Action::kError, task_error_payload(i, t, task, "TaskFailed", at), at);
  } else if (status == "cancelled") {
    finish(it, Action::kError, task_error_payload(i, t, task, "Cancelled", at), at);
  } else if (created || status != i.status || message != i.status_message) {
    if (status == "completed" && !i.task_completed) {
      i.task_completed = true;  // 2025-11-25: its result comes with tasks/result
      i.completed_at = at;
    }
    i.status = status;
    i.status_message = message;
    progress(i, status_payload(i.task_id, status, message, keys_of(t, t.member(task, "inputRequests"))),
             at);
  }
}

void InteractionTracker::on_server_notification(const Message& m, SeenAt at) {
  const JsonTree& t = *m.tree;
  // 2026-07-28: every notification on a subscriptions/listen stream names
  // it ("All notifications delivered on the stream carry
  // io.modelcontextprotocol/subscriptionId in _meta").
  const Node* subscription =
      t.member(t.member(m.params, "_meta"), "io.modelcontextprotocol/subscriptionId");
  if (auto listen = requests_.find(id_key(subscription));
      listen != requests_.end() && m.method != "notifications/cancelled") {
    auto it = interactions_.find(listen->second.interaction);
    if (it != interactions_.end() && it->second.method == "subscriptions/listen")
      ++it->second.notifications;
  }
  if (m.method == "notifications/progress") {
    // Progress a client would refuse (no progress, null) is none.
    uint8_t takers = takers_of(m) & progress_takers(t, m.params);
    if (takers == kTakenByNone) return;
    auto by = numbered(by_token_, t.member(m.params, "progressToken"), false, &takers);
    if (by == by_token_.end()) return;
    Message marked = m;
    mark_takers(&marked, takers);
    progress(interactions_[by->second], progress_payload(marked), at);
    return;
  }
  if (m.method == "notifications/tasks/status" || m.method == "notifications/tasks") {
    auto by = by_task_.find(std::string(JsonTree::string(t.member(m.params, "taskId"))));
    if (by != by_task_.end()) on_task_state(interactions_.find(by->second), m.params, false, m, at);
    return;
  }
  // The server ends a subscriptions/listen it tears down with
  // notifications/cancelled.
  if (m.method != "notifications/cancelled") return;
  auto request = requests_.find(id_key(t.member(m.params, "requestId")));
  if (request == requests_.end()) return;
  auto it = interactions_.find(request->second.interaction);
  if (it == interactions_.end() || it->second.method != "subscriptions/listen") return;
  erase_request(request);
  finish(it, Action::kComplete, listen_end_payload(it->second, "server", at), at);
}

void InteractionTracker::close_all(SessionEnd how, const std::string& message, SeenAt at) {
  while (!interactions_.empty()) {
    auto it = interactions_.begin();
    Action action = Action::kError;
    std::string payload = ended_payload(it->second, how, message, at, &action);
    finish(it, action, std::move(payload), it->second.task_completed ? it->second.completed_at : at);
  }
  requests_.clear();
  reused_.clear();
}

void InteractionTracker::each_message(std::string_view line,
                                      const std::function<void(const Message&)>& handle) {
  JsonTree tree;
  if (!tree.parse(line)) return;
  auto one = [&](const Node* n) {
    Message m;
    if (read_message(tree, n, line.size(), false, &m)) handle(m);
  };
  if (JsonTree::is(tree.root(), Kind::kArray)) {
    for (const Node* n = tree.first(tree.root()); n; n = tree.next(n)) one(n);
  } else {
    one(tree.root());
  }
}

void InteractionTracker::long_message(std::string_view head, std::string_view tail, size_t size,
                                      const std::function<void(const Message&)>& handle) {
  JsonTree tree;
  Message m;
  if (read_long_line(head, tail, &tree) && read_message(tree, tree.root(), size, true, &m))
    handle(m);
}

void InteractionTracker::close_requests(std::string_view line, const std::string& error_type,
                                        const std::string& message, SeenAt at) {
  each_message(line, [&](const Message& m) { close_request(m, error_type, message, at); });
}

void InteractionTracker::close_long_request(std::string_view head, std::string_view tail,
                                            size_t size, const std::string& error_type,
                                            const std::string& message, SeenAt at) {
  long_message(head, tail, size, [&](const Message& m) { close_request(m, error_type, message, at); });
}

void InteractionTracker::leave_requests(std::string_view line, SeenAt at) {
  each_message(line, [&](const Message& m) { leave_request(m, at); });
}

void InteractionTracker::leave_long_request(std::string_view head, std::string_view tail,
                                            size_t size, SeenAt at) {
  long_message(head, tail, size, [&](const Message& m) { leave_request(m, at); });
}

void InteractionTracker::leave_request(const Message& m, SeenAt at) {
  if (m.method.empty()) return;
  auto request = requests_.find(id_key(m.id));
  if (request == requests_.end()) return;
  auto it = interactions_.find(request->second.interaction);
  if (it != interactions_.end() && it->second.started_mono_us <= at.mono_us)
    request->second.left = true;
}

void InteractionTracker::close_request(const Message& m, const std::string& error_type,
                                       const std::string& message, SeenAt at) {
  if (m.method.empty()) return;
  const std::string key = id_key(m.id);
  auto request = requests_.find(key);
  if (request == requests_.end()) return;
  auto it = interactions_.find(request->second.interaction);
  // A call that began after the exchange ended reuses the id: not its.
  if (it != interactions_.end() && it->second.started_mono_us > at.mono_us) return;
  erase_request(request);
  if (it == interactions_.end() || it->second.request != key) return;
  // Over HTTP a client closes a subscriptions/listen stream to end it.
  if (it->second.method == "subscriptions/listen" && error_type == "ClientClosed")
    finish(it, Action::kComplete, listen_end_payload(it->second, "client", at), at);
  else
    finish(it, Action::kError, closed_payload(it->second, error_type, message, at), at);
}

size_t InteractionTracker::forget_all() {
  const size_t n = interactions_.size();
  interactions_.clear();
  requests_.clear();
  reused_.clear();
  by_task_.clear();
  by_token_.clear();
  return n;
}

void InteractionTracker::finish(Interactions::iterator it, Action action, std::string payload,
                                SeenAt at) {
  Interaction& i = it->second;
  if (!i.progress_token.empty()) by_token_.erase(i.progress_token);
  if (!i.task_id.empty()) by_task_.erase(i.task_id);
  if (!i.request.empty()) {
    auto request = requests_.find(i.request);
    if (request != requests_.end() && request->second.interaction == it->first) {
      erase_request(request);
    } else if (auto reused = reused_.find(i.request); reused != reused_.end()) {
      auto& later = reused->second;
      later.erase(std::remove_if(later.begin(), later.end(),
                                 [&](const Request& r) { return r.interaction == it->first; }),
                  later.end());
      if (later.empty()) reused_.erase(reused);
    }
  }
  std::string id = std::move(i.id);
  const int64_t stamp = i.stamp(at.wall_us);
  interactions_.erase(it);
  sink_({action, std::move(id), std::move(payload), stamp});
}

bool only_detail(std::string_view server_line) {
  JsonTree head;
  if (!head.parse_prefix(server_line.substr(0, kDetailHead)) ||
      !JsonTree::is(head.root(), JsonTree::Kind::kObject))
    return false;
  const JsonTree::Node* method = head.member(head.root(), "method");
  if (!JsonTree::is(method, JsonTree::Kind::kString)) return false;
  const std::string_view name = method->text;
  return name != "notifications/cancelled" && name != "notifications/tasks/status" &&
         name != "notifications/tasks";
}

}  // namespace mcpr
