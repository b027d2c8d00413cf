// One request through the HTTP proxy and its response, handled on the client
// connection's own thread (libmicrohttpd's thread per connection): the
// request is read whole, forwarded with libcurl, and the response passed on
// as it arrives, its messages shown to the recorder on the way.
#pragma once

#include <microhttpd.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/http_proxy/exchange_observer.h"
#include "src/http_proxy/message_tap.h"
#include "src/http_proxy/proxy_context.h"
#include "src/http_proxy/upstream.h"

namespace mcpr {

class Exchange {
 public:
  Exchange(ProxyContext& context, std::string target);

  // libmicrohttpd's access handler calls, for this request.
  MHD_Result handle(MHD_Connection* connection, const char* method, const char* upload,
                    size_t* upload_size);
  // libmicrohttpd's content reader: the response body as it arrives.
  ssize_t read(char* buf, size_t max);
  // The request is over, however it ended.
  void completed(MHD_RequestTerminationCode how);

 private:
  enum class Tap { kNone, kJson, kSse };

  MHD_Result forward(MHD_Connection* connection);
  MHD_Result pass_response(MHD_Connection* connection);
  // Answers the proxy's own refusal: a JSON-RPC error saying `message`.
  MHD_Result refuse(MHD_Connection* connection, unsigned status, std::string_view message);
  UpstreamRequest upstream_request(MHD_Connection* connection) const;
  void on_head();
  void on_body(std::string_view data);
  void note_request();
  void end_with(ExchangeEnd how);
  std::string path() const;  // the target without its query

  ProxyContext& context_;
  const uint64_t id_;
  const std::string target_;  // path and query, as the client sent them
  const bool endpoint_;       // the MCP endpoint: its messages are recorded
  std::string method_;
  bool started_ = false;
  bool too_large_ = false;
  bool counted_ = false;  // in ProxyContext's requests in flight
  std::string body_;
  // The MCP session recorded: the request's Mcp-Session-Id unless the
  // server rejected it, else the response's.
  std::string session_;
  std::string sent_session_;  // the request's Mcp-Session-Id, as sent
  std::string traceparent_, tracestate_;  // the request's W3C trace context headers
  ClientConnection* client_ = nullptr;
  int client_fd_ = -1;
  UpstreamRequest request_;
  SeenAt request_at_;
  std::chrono::steady_clock::time_point started_at_;
  long status_ = 0;
  HeaderList response_headers_;

  // The response on its way: bytes from libcurl not yet taken by
  // libmicrohttpd, and the recorder's copy.
  std::string pending_;
  size_t pending_sent_ = 0;
  bool finished_ = false;
  ssize_t end_code_ = MHD_CONTENT_READER_END_OF_STREAM;
  Tap tap_ = Tap::kNone;
  std::unique_ptr<Inflater> inflater_;  // the server compressed the response
  std::string inflated_;
  SseTap sse_;
  MessageText json_;
  bool request_noted_ = false;
  bool ended_ = false;
};

}  // namespace mcpr
