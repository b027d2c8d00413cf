// The upstream side of the HTTP proxy: one libcurl multi handle per client
// connection, driven from that connection's own thread, one request at a
// time (a client's keep-alive connection keeps its upstream connection).
// Redirects are never followed (the client gets them, as from the server),
// only http and https are spoken, TLS is verified (ca_file), and proxies
// come from the usual environment variables, as for flush.
#pragma once

#include <curl/curl.h>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcpr {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct UpstreamOptions {
  std::string ca_file;  // "" for the system's CAs
  long connect_timeout_ms = 10000;
};

struct UpstreamRequest {
  std::string method;
  std::string url;
  HeaderList headers;             // passed as they are (hop-by-hop ones already left out)
  const std::string* body = nullptr;  // nullptr: none
};

// How driving a transfer stopped.
enum class UpstreamState {
  kReady,       // what was waited for is there
  kEnded,       // the whole response arrived
  kFailed,      // the upstream could not be reached, or broke off
  kClientGone,  // the client closed its connection
  kStopping,    // the proxy is stopping
};

class UpstreamConnection {
 public:
  // Called once the response's head is in, before any of its body.
  using HeadSink = std::function<void()>;
  // Body bytes as they arrive.
  using BodySink = std::function<void(std::string_view)>;

  // `stop_fd` becomes readable when the proxy stops: every wait ends then.
  UpstreamConnection(const UpstreamOptions& options, int stop_fd);
  ~UpstreamConnection();
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  // Starts `request` (which must outlive the transfer); false when libcurl
  // refuses it (error() says why).
  bool start(const UpstreamRequest& request, HeadSink head_sink, BodySink body_sink);
  // Drives the transfer until `ready()` holds (checked after each step),
  // it ends or fails, the client's socket `client_fd` is closed, or the
  // proxy stops.
  UpstreamState drive(const std::function<bool()>& ready, int client_fd);
  // Takes what has arrived already, without waiting: the rest of a small
  // response often came with its head.
  void step();
  // Ends the transfer (a transfer cut short closes its connection).
  void finish();

  bool ended() const { return ended_; }
  bool head_done() const { return head_done_; }
  long status() const { return status_; }
  // The response's headers, in order, once head_done().
  HeaderList response_headers() const;
  // Why it failed, in libcurl's words (never a header's value).
  const std::string& error() const { return error_; }
  // Whether it failed before any of the response arrived.
  bool failed_before_response() const { return !head_done_; }

 private:
  static size_t header_callback(char* data, size_t size, size_t count, void* self);
  static size_t body_callback(char* data, size_t size, size_t count, void* self);
  bool client_closed(int client_fd);

  UpstreamOptions options_;
  int stop_fd_;
  CURLM* multi_ = nullptr;
  CURL* easy_ = nullptr;
  curl_slist* headers_ = nullptr;
  HeadSink head_sink_;
  BodySink body_sink_;
  bool added_ = false;    // the easy handle is in the multi handle
  bool running_ = false;  // and has not failed
  bool head_done_ = false;
  bool ended_ = false;
  long status_ = 0;
  std::string error_;
  char error_buffer_[CURL_ERROR_SIZE] = {0};
};

}  // namespace mcpr
