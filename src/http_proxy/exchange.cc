#include "src/http_proxy/exchange.h"

#include <strings.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "src/proxy/proxy.h"

namespace mcpr {
namespace {

// What a client is told when the upstream cannot be reached: never its
// address (clients may be remote); the detail is in the proxy's log.
constexpr char kUnreachable[] = "mcp-report proxy: the upstream MCP server is unreachable";
constexpr char kStopping[] = "mcp-report proxy: stopping";
constexpr char kTooLarge[] = "mcp-report proxy: request body over 64 MiB";

// The proxy's own refusals are JSON-RPC errors that answer no request, as
// the MCP SDKs' servers refuse (the TypeScript SDK's 403, 413, ...):
// {"jsonrpc":"2.0","error":{"code":-32000,"message":...},"id":null}.
// `message` is one of ours: plain ASCII, without quotes or backslashes.
std::string json_rpc_error(std::string_view message) {
  return R"({"jsonrpc":"2.0","error":{"code":-32000,"message":")" + std::string(message) +
         R"("},"id":null})";
}

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

const char* header(MHD_Connection* connection, const char* name) {
  return MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name);
}

// Every value of the headers named `name`, comma-joined (Connection may come
// more than once).
std::string joined_values(const HeaderList& headers, const char* name) {
  std::string out;
  for (const auto& [n, v] : headers)
    if (strcasecmp(n.c_str(), name) == 0) out += (out.empty() ? "" : ",") + v;
  return out;
}

MHD_Result collect_header(void* cls, MHD_ValueKind, const char* name, size_t name_size,
                          const char* value, size_t value_size) {
  static_cast<HeaderList*>(cls)->emplace_back(std::string(name, name_size),
                                              value ? std::string(value, value_size) : "");
  return MHD_YES;
}

ssize_t read_body(void* cls, uint64_t, char* buf, size_t max) {
  return static_cast<Exchange*>(cls)->read(buf, max);
}

bool body_allowed(long status, const std::string& method) {
  return method != "HEAD" && status != 204 && status != 304 && status >= 200;
}

}  // namespace

Exchange::Exchange(ProxyContext& context, std::string target)
    : context_(context),
      id_(context.next_exchange++),
      target_(std::move(target)),
      endpoint_(path() == context.upstream.path) {}

std::string Exchange::path() const { return target_.substr(0, target_.find('?')); }

MHD_Result Exchange::handle(MHD_Connection* connection, const char* method, const char* upload,
                            size_t* upload_size) {
  if (!started_) {
    started_ = true;
    started_at_ = std::chrono::steady_clock::now();
    method_ = method;
    switch (context_.policy.check(header(connection, "Origin"), header(connection, "Host"))) {
      case RequestVerdict::kAllowed:
        break;
      case RequestVerdict::kBadOrigin:
        return refuse(connection, MHD_HTTP_FORBIDDEN,
                      "mcp-report proxy: Origin not allowed: only pages of the listening host "
                      "may call this proxy");
      case RequestVerdict::kBadHost:
        return refuse(connection, MHD_HTTP_FORBIDDEN,
                      "mcp-report proxy: Host not allowed: this proxy answers to loopback names "
                      "only");
    }
    if (context_.stopping) return refuse(connection, 503, kStopping);
    const char* length = header(connection, "Content-Length");
    if (length && std::strtoull(length, nullptr, 10) > kMaxRequestBodyBytes)
      return refuse(connection, 413, kTooLarge);
    return MHD_YES;
  }
  if (*upload_size > 0) {
    if (!too_large_ && body_.size() + *upload_size > kMaxRequestBodyBytes) {
      too_large_ = true;
      std::string().swap(body_);
    }
    if (!too_large_) body_.append(upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  if (too_large_) return refuse(connection, 413, kTooLarge);
  return forward(connection);
}

MHD_Result Exchange::refuse(MHD_Connection* connection, unsigned status, std::string_view message) {
  status_ = status;
  const std::string body = json_rpc_error(message);
  MHD_Response* response = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()),
                                                           MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(response, "Content-Type", "application/json");
  const MHD_Result queued = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return queued;
}

UpstreamRequest Exchange::upstream_request(MHD_Connection* connection) const {
  UpstreamRequest request;
  request.method = method_;
  request.url = context_.upstream.origin + upstream_target(context_.upstream, target_);
  HeaderList headers;
  MHD_get_connection_values_n(connection, MHD_HEADER_KIND, collect_header, &headers);
  const HeaderFilter filter(joined_values(headers, "Connection"));
  for (auto& h : headers) {
    if (!filter.passes(h.first)) continue;
    // On the MCP endpoint, ask only for codings the recorder can read.
    if (endpoint_ && strcasecmp(h.first.c_str(), "Accept-Encoding") == 0) {
      h.second = readable_codings(h.second);
      if (h.second.empty()) continue;
    }
    request.headers.push_back(std::move(h));
  }
  if (method_ != "GET" && method_ != "HEAD" && (method_ == "POST" || !body_.empty()))
    request.body = &body_;
  return request;
}

MHD_Result Exchange::forward(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  client_ = info ? static_cast<ClientConnection*>(info->socket_context) : nullptr;
  if (!client_) return MHD_NO;
  if (const MHD_ConnectionInfo* fd = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD))
    client_fd_ = fd->connect_fd;
  if (const char* session = header(connection, "Mcp-Session-Id")) session_ = sent_session_ = session;
  if (const char* parent = header(connection, "traceparent")) traceparent_ = parent;
  if (const char* state = header(connection, "tracestate")) tracestate_ = state;
  request_ = upstream_request(connection);
  request_at_ = seen_now();
  if (endpoint_ && !context_.observer) ++context_.unrecorded;
  context_.begin_request(method_ == "GET");
  counted_ = true;
  UpstreamConnection& upstream = client_->upstream;
  if (!upstream.start(request_, [this] { on_head(); },
                      [this](std::string_view data) { on_body(data); })) {
    if (!context_.upstream_down.exchange(true) && context_.warn)
      context_.warn("proxy: cannot send to upstream " + context_.upstream.shown + ": " +
                    upstream.error());
    end_with(ExchangeEnd::kUnreachable);
    return refuse(connection, MHD_HTTP_BAD_GATEWAY, kUnreachable);
  }
  switch (upstream.drive([&upstream] { return upstream.head_done(); }, client_fd_)) {
    case UpstreamState::kReady:
    case UpstreamState::kEnded:
      if (upstream.head_done()) return pass_response(connection);
      [[fallthrough]];
    case UpstreamState::kFailed: {
      if (!context_.upstream_down.exchange(true) && context_.warn)
        context_.warn("proxy: upstream " + context_.upstream.shown + " unreachable: " +
                      upstream.error());
      end_with(ExchangeEnd::kUnreachable);
      return refuse(connection, MHD_HTTP_BAD_GATEWAY, kUnreachable);
    }
    case UpstreamState::kClientGone:
      end_with(ExchangeEnd::kClientGone);
      return MHD_NO;
    case UpstreamState::kStopping:
      end_with(ExchangeEnd::kStopped);
      return refuse(connection, 503, kStopping);
  }
  return MHD_NO;
}

// The response's head is in (libcurl's callback, before any of its body):
// which session it belongs to, and where its messages are.
void Exchange::on_head() {
  UpstreamConnection& upstream = client_->upstream;
  status_ = upstream.status();
  response_headers_ = upstream.response_headers();
  if (session_.empty()) session_ = joined_values(response_headers_, "Mcp-Session-Id");
  // A session id the server did not take (400: it cannot read it; 404: it
  // knows no such session; 431: the header is too large) names no session:
  // the request is recorded as one without.
  if (!sent_session_.empty() && (status_ == 400 || status_ == 404 || status_ == 431))
    session_.clear();
  const std::string type = joined_values(response_headers_, "Content-Type");
  if (endpoint_ && context_.observer) {
    if (starts_with_ignoring_case(type, "text/event-stream")) tap_ = Tap::kSse;
    else if (starts_with_ignoring_case(type, "application/json")) tap_ = Tap::kJson;
    switch (coding_of(joined_values(response_headers_, "Content-Encoding"))) {
      case Coding::kPlain:
        break;
      case Coding::kInflate:
        if (tap_ != Tap::kNone) inflater_ = std::make_unique<Inflater>();
        break;
      case Coding::kUnreadable:
        if (tap_ != Tap::kNone) context_.observer->on_unreadable(id_);
        tap_ = Tap::kNone;
        break;
    }
  }
  note_request();
}

MHD_Result Exchange::pass_response(MHD_Connection* connection) {
  UpstreamConnection& upstream = client_->upstream;
  context_.upstream_down = false;
  const HeaderList& headers = response_headers_;

  // A response that came whole with its head (most answers to a call)
  // goes out with it in one write, as a body of known size; any other is
  // passed on as it arrives.
  upstream.step();
  MHD_Response* response;
  if (upstream.ended() && body_allowed(status_, method_)) {
    response = MHD_create_response_from_buffer(pending_.size(), pending_.data(),
                                               MHD_RESPMEM_MUST_COPY);
    pending_.clear();
    end_with(ExchangeEnd::kComplete);
  } else if (body_allowed(status_, method_) || method_ == "HEAD") {
    curl_off_t length = -1;
    // The size the upstream announced, if any (else chunked, or to the end).
    // Unknown for HEAD: libmicrohttpd then says no Content-Length.
    if (method_ != "HEAD") {
      const std::string announced = joined_values(headers, "Content-Length");
      if (!announced.empty() && announced.find(',') == std::string::npos)
        length = static_cast<curl_off_t>(std::strtoull(announced.c_str(), nullptr, 10));
    }
    response = MHD_create_response_from_callback(length < 0 ? MHD_SIZE_UNKNOWN : static_cast<uint64_t>(length),
                                                 16 * 1024, read_body, this, nullptr);
  } else {
    response = MHD_create_response_from_buffer(0, nullptr, MHD_RESPMEM_PERSISTENT);
  }
  const HeaderFilter filter(joined_values(headers, "Connection"));
  for (const auto& [name, value] : headers)
    if (filter.passes(name)) MHD_add_response_header(response, name.c_str(), value.c_str());
  const MHD_Result queued = MHD_queue_response(connection, static_cast<unsigned>(status_), response);
  MHD_destroy_response(response);
  if (!body_allowed(status_, method_)) {
    // Nothing more will come: the exchange is complete.
    upstream.drive(nullptr, -1);
    end_with(ExchangeEnd::kComplete);
  }
  return queued;
}

// The request's message goes to the recorder once the session it belongs
// to is known (the response's Mcp-Session-Id for an initialize), and before
// any of the response's.
void Exchange::note_request() {
  if (request_noted_) return;
  request_noted_ = true;
  if (!endpoint_ || !context_.observer || method_ != "POST" || body_.empty()) return;
  MessageText text;
  text.append(body_);
  TappedMessage message = text.take();
  message.traceparent = traceparent_;
  message.tracestate = tracestate_;
  context_.observer->on_message(id_, session_, Direction::kClientToServer, std::move(message),
                                request_at_);
}

void Exchange::on_body(std::string_view data) {
  pending_.append(data);
  if (tap_ == Tap::kNone) return;
  if (inflater_) {
    inflated_.clear();
    if (!inflater_->feed(data, &inflated_)) {
      context_.observer->on_unreadable(id_);
      tap_ = Tap::kNone;
      return;
    }
    data = inflated_;
  }
  if (tap_ == Tap::kJson) {
    json_.append(data);
    return;
  }
  std::vector<TappedMessage> events;
  sse_.feed(data, &events);
  if (events.empty()) return;
  const SeenAt at = seen_now();
  for (TappedMessage& m : events)
    context_.observer->on_message(id_, session_, Direction::kServerToClient, std::move(m), at);
}

ssize_t Exchange::read(char* buf, size_t max) {
  for (;;) {
    if (pending_sent_ < pending_.size()) {
      const size_t n = std::min(max, pending_.size() - pending_sent_);
      std::memcpy(buf, pending_.data() + pending_sent_, n);
      pending_sent_ += n;
      if (pending_sent_ == pending_.size()) {
        pending_.clear();
        pending_sent_ = 0;
      }
      return static_cast<ssize_t>(n);
    }
    if (finished_) return end_code_;
    UpstreamConnection& upstream = client_->upstream;
    const UpstreamState state = upstream.drive([this] { return !pending_.empty(); }, client_fd_);
    if (state == UpstreamState::kReady) continue;
    finished_ = true;
    switch (state) {
      case UpstreamState::kReady:
      case UpstreamState::kEnded:
        end_with(ExchangeEnd::kComplete);
        end_code_ = MHD_CONTENT_READER_END_OF_STREAM;
        break;
      case UpstreamState::kFailed:
        if (!context_.upstream_down.exchange(true) && context_.warn)
          context_.warn("proxy: upstream " + context_.upstream.shown + " broke off a response: " +
                        upstream.error());
        end_with(ExchangeEnd::kUnreachable);
        end_code_ = MHD_CONTENT_READER_END_WITH_ERROR;
        break;
      case UpstreamState::kClientGone:
        end_with(ExchangeEnd::kClientGone);
        end_code_ = MHD_CONTENT_READER_END_WITH_ERROR;
        break;
      case UpstreamState::kStopping:
        // A server's stream (GET) ends cleanly: the client reconnects. A
        // response cut short is an error the client must see.
        end_with(ExchangeEnd::kStopped);
        end_code_ = method_ == "GET" ? MHD_CONTENT_READER_END_OF_STREAM
                                     : MHD_CONTENT_READER_END_WITH_ERROR;
        break;
    }
  }
}

void Exchange::end_with(ExchangeEnd how) {
  if (ended_) return;
  ended_ = true;
  ExchangeObserver* observer = endpoint_ ? context_.observer : nullptr;
  if (!observer) return;
  note_request();
  const SeenAt at = seen_now();
  if (how == ExchangeEnd::kComplete && tap_ == Tap::kJson && !json_.empty())
    observer->on_message(id_, session_, Direction::kServerToClient, json_.take(), at);
  observer->on_exchange_end(id_, session_, {how, status_}, at);
  if (!sent_session_.empty() && how == ExchangeEnd::kComplete) {
    if (method_ == "DELETE" && status_ >= 200 && status_ < 300)
      observer->on_session_end(sent_session_, true, at);
    else if (status_ == 404)
      observer->on_session_end(sent_session_, false, at);
  }
}

void Exchange::completed(MHD_RequestTerminationCode how) {
  if (client_ && !ended_) {
    end_with(how == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? ExchangeEnd::kStopped
             : how == MHD_REQUEST_TERMINATED_COMPLETED_OK  ? ExchangeEnd::kComplete
                                                           : ExchangeEnd::kClientGone);
  }
  if (client_) client_->upstream.finish();
  if (counted_) context_.end_request(method_ == "GET");
  if (context_.note) {
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - started_at_).count();
    char line[64];
    std::snprintf(line, sizeof line, " %ld (%.1f ms)", status_, ms);
    context_.note("proxy: " + method_ + " " + path() + line);
  }
}

}  // namespace mcpr
