#include "src/http_proxy/upstream.h"

#include <sys/socket.h>

#include <cerrno>
#include <strings.h>

namespace mcpr {

UpstreamConnection::UpstreamConnection(const UpstreamOptions& options, int stop_fd)
    : options_(options), stop_fd_(stop_fd), multi_(curl_multi_init()), easy_(curl_easy_init()) {}

UpstreamConnection::~UpstreamConnection() {
  finish();
  curl_easy_cleanup(easy_);
  curl_multi_cleanup(multi_);
}

bool UpstreamConnection::start(const UpstreamRequest& request, HeadSink head_sink,
                               BodySink body_sink) {
  finish();
  curl_easy_reset(easy_);
  head_sink_ = std::move(head_sink);
  body_sink_ = std::move(body_sink);
  head_done_ = ended_ = false;
  status_ = 0;
  error_.clear();
  error_buffer_[0] = '\0';
  for (const auto& [name, value] : request.headers) {
    // "Name:" would remove a header libcurl adds; "Name;" sends it empty.
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    headers_ = curl_slist_append(headers_, line.c_str());
  }
  // libcurl adds these unless told not to; the client's own, if any, were
  // appended above and are the ones sent.
  bool has_accept = false, has_type = false;
  for (const auto& header : request.headers) {
    has_accept |= strcasecmp(header.first.c_str(), "Accept") == 0;
    has_type |= strcasecmp(header.first.c_str(), "Content-Type") == 0;
  }
  if (!has_accept) headers_ = curl_slist_append(headers_, "Accept:");
  if (!has_type) headers_ = curl_slist_append(headers_, "Content-Type:");
  headers_ = curl_slist_append(headers_, "Expect:");

  curl_easy_setopt(easy_, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy_, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy_, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  curl_easy_setopt(easy_, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, header_callback);
  curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, body_callback);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  if (!options_.ca_file.empty()) curl_easy_setopt(easy_, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (request.method == "GET") {
    curl_easy_setopt(easy_, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(easy_, CURLOPT_NOBODY, 1L);
  } else {
    if (request.method != "POST")
      curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.body) {
      curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body->size()));
      curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, request.body->data());
    }
  }
  const CURLMcode added = curl_multi_add_handle(multi_, easy_);
  if (added != CURLM_OK) {
    error_ = curl_multi_strerror(added);
    return false;
  }
  added_ = running_ = true;
  return true;
}

UpstreamState UpstreamConnection::drive(const std::function<bool()>& ready, int client_fd) {
  curl_waitfd extra[2] = {{stop_fd_, CURL_WAIT_POLLIN, 0}, {client_fd, CURL_WAIT_POLLIN, 0}};
  unsigned watched = client_fd >= 0 ? 2 : 1;
  for (;;) {
    if (ready && ready()) return UpstreamState::kReady;
    if (ended_) return UpstreamState::kEnded;
    if (!running_) return UpstreamState::kFailed;
    step();
    if (ended_ || !running_ || (ready && ready())) continue;
    extra[0].revents = extra[1].revents = 0;
    curl_multi_poll(multi_, extra, watched, 1000, nullptr);
    if (extra[0].revents) return UpstreamState::kStopping;
    if (watched == 2 && extra[1].revents) {
      if (client_closed(client_fd)) return UpstreamState::kClientGone;
      // The client sent more (its next request): only its end is news.
      watched = 1;
    }
  }
}

void UpstreamConnection::step() {
  if (!running_ || ended_) return;
  int running = 0;
  curl_multi_perform(multi_, &running);
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    if (msg->data.result == CURLE_OK) {
      ended_ = true;
    } else {
      error_ = error_buffer_[0] ? error_buffer_ : curl_easy_strerror(msg->data.result);
      running_ = false;
    }
  }
}

bool UpstreamConnection::client_closed(int client_fd) {
  char byte;
  const ssize_t n = ::recv(client_fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

void UpstreamConnection::finish() {
  if (added_) curl_multi_remove_handle(multi_, easy_);
  added_ = running_ = false;
  ended_ = false;
  curl_slist_free_all(headers_);
  headers_ = nullptr;
}

HeaderList UpstreamConnection::response_headers() const {
  HeaderList out;
  curl_header* prev = nullptr;
  while (curl_header* h = curl_easy_nextheader(easy_, CURLH_HEADER, -1, prev)) {
    out.emplace_back(h->name, h->value);
    prev = h;
  }
  return out;
}

size_t UpstreamConnection::header_callback(char* data, size_t size, size_t count, void* self) {
  auto* c = static_cast<UpstreamConnection*>(self);
  const size_t n = size * count;
  // The blank line after a final (not 1xx) status ends the head.
  if ((n == 2 && data[0] == '\r') || (n == 1 && data[0] == '\n')) {
    long status = 0;
    curl_easy_getinfo(c->easy_, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 || status == 101) {
      c->status_ = status;
      c->head_done_ = true;
      if (c->head_sink_) c->head_sink_();
    }
  }
  return n;
}

size_t UpstreamConnection::body_callback(char* data, size_t size, size_t count, void* self) {
  auto* c = static_cast<UpstreamConnection*>(self);
  const size_t n = size * count;
  if (c->body_sink_) c->body_sink_(std::string_view(data, n));
  return n;
}

}  // namespace mcpr
