#include "src/curl/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <strings.h>
#include <memory>
#include <unordered_map>
#include <utility>

#include "src/util/redact.h"
#include "src/util/text.h"

namespace mcpr {
namespace {

constexpr size_t kBodyKept = 512;

struct Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  HttpResponse response;
  char error[CURL_ERROR_SIZE] = {0};
  std::vector<std::string> secrets;  // what the answer must not carry back
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string& kept = t->response.body_start;
  if (kept.size() < kBodyKept) kept.append(data, std::min(n, kBodyKept - kept.size()));
  return n;
}

std::string trimmed(const char* data, size_t n) { return std::string(trim({data, n})); }

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  const char* colon = static_cast<const char*>(std::memchr(data, ':', n));
  if (colon) {
    size_t name_len = static_cast<size_t>(colon - data);
    std::string value = trimmed(colon + 1, n - name_len - 1);
    if (name_len == 11 && strncasecmp(data, "retry-after", 11) == 0)
      t->response.retry_after = value;
    else if (name_len == 8 && strncasecmp(data, "location", 8) == 0)
      t->response.location = value;
  } else if (n >= 5 && std::memcmp(data, "HTTP/", 5) == 0) {
    // A new status line (after a 100 Continue): forget the previous headers.
    t->response.retry_after.clear();
    t->response.location.clear();
  }
  return n;
}

NetError classify_curl_error(CURLcode code, CURL* easy) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return NetError::kBadUrl;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED:
      return NetError::kUnreachable;
    case CURLE_OPERATION_TIMEDOUT: {
      // Timed out before anything was sent: the peer is unreachable (an
      // outage); after sending, the request's own failed attempt, whether or
      // not an answer began (kNoAnswer only words the message).
      curl_off_t pretransfer = 0, first_byte = 0;
      curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
      curl_easy_getinfo(easy, CURLINFO_STARTTRANSFER_TIME_T, &first_byte);
      if (pretransfer == 0) return NetError::kUnreachable;
      return first_byte == 0 ? NetError::kNoAnswer : NetError::kTimeout;
    }
    default:
      return NetError::kReset;
  }
}

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(const TransportOptions& options) : options_(options) {
    multi_ = curl_multi_init();
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                      static_cast<long>(options_.max_connections));
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(options_.max_connections));
    if (!options_.api_key.empty()) auth_header_ = "Authorization: Bearer " + options_.api_key;
  }

  ~CurlTransport() override {
    for (auto& [easy, transfer] : active_) finish(transfer.get(), false);
    for (CURL* easy : idle_) curl_easy_cleanup(easy);
    curl_multi_cleanup(multi_);
    std::fill(auth_header_.begin(), auth_header_.end(), '\0');
  }

  void submit(const HttpRequest& request) override {
    auto t = std::make_unique<Transfer>();
    t->response.tag = request.tag;
    if (idle_.empty()) {
      t->easy = curl_easy_init();
    } else {
      t->easy = idle_.back();
      idle_.pop_back();
      curl_easy_reset(t->easy);
    }
    CURL* easy = t->easy;
    if (request.bearer && !auth_header_.empty()) {
      t->headers = curl_slist_append(t->headers, auth_header_.c_str());
      t->secrets.push_back(options_.api_key);
    }
    for (const auto& [name, value] : request.headers)
      if (strcasecmp(name.c_str(), "Content-Type") != 0 &&
          strcasecmp(name.c_str(), "Content-Encoding") != 0 && value.size() >= 4)
        t->secrets.push_back(value);  // a vendor's key, say
    add_header(t.get(), request, "Content-Type", "application/json");
    add_header(t.get(), request, "User-Agent", options_.user_agent);
    t->headers = curl_slist_append(t->headers, "Expect:");
    if (!request.idempotency_key.empty())
      add_header(t.get(), request, "Idempotency-Key", request.idempotency_key);
    for (const auto& [name, value] : request.headers)
      t->headers = curl_slist_append(t->headers, (name + ": " + value).c_str());
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout * 1000));
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout * 1000));
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    if (!options_.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (request.method == "GET") {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, request.body.c_str());
    }
    const CURLMcode added = curl_multi_add_handle(multi_, easy);
    if (added != CURLM_OK) {
      // Never started: answered at the next wait() as a request that could
      // not connect (an outage, retried later), never left to hang it.
      t->response.error = NetError::kUnreachable;
      t->response.error_text = std::string("cannot start the request: ") +
                               curl_multi_strerror(added);
      unstarted_.push_back(std::move(t->response));
      curl_slist_free_all(t->headers);
      curl_easy_cleanup(easy);
      return;
    }
    active_.emplace(easy, std::move(t));
  }

  std::vector<HttpResponse> wait(double max_wait) override {
    using Clock = std::chrono::steady_clock;
    const auto until = Clock::now() + std::chrono::duration<double>(std::max(0.0, max_wait));
    std::vector<HttpResponse> done = std::exchange(unstarted_, {});
    for (;;) {
      int running = 0;
      curl_multi_perform(multi_, &running);
      collect(done);
      if (!done.empty() || active_.empty()) return done;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() <= 0) return done;
      curl_multi_poll(multi_, nullptr, 0, static_cast<int>(std::min<long>(left.count(), 1000)),
                      nullptr);
    }
  }

  size_t in_flight() const override { return active_.size() + unstarted_.size(); }

 private:
  // A standard header, unless the request brings its own of that name.
  static void add_header(Transfer* t, const HttpRequest& request, const char* name,
                         const std::string& value) {
    for (const auto& extra : request.headers)
      if (strcasecmp(extra.first.c_str(), name) == 0) return;
    t->headers = curl_slist_append(t->headers, (std::string(name) + ": " + value).c_str());
  }

  void collect(std::vector<HttpResponse>& done) {
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      auto it = active_.find(msg->easy_handle);
      if (it == active_.end()) continue;
      Transfer* t = it->second.get();
      HttpResponse& r = t->response;
      CURLcode code = msg->data.result;
      double total = 0;
      curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &total);
      r.seconds = total;
      if (code == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        r.status = static_cast<int>(status);
      } else {
        r.error = classify_curl_error(code, t->easy);
        r.error_text = t->error[0] ? t->error : curl_easy_strerror(code);
      }
      for (std::string* text : {&r.body_start, &r.error_text, &r.retry_after, &r.location})
        redact_secrets(*text, t->secrets);
      done.push_back(std::move(r));
      finish(t, true);
      active_.erase(it);
    }
  }

  void finish(Transfer* t, bool keep) {
    curl_multi_remove_handle(multi_, t->easy);
    curl_slist_free_all(t->headers);
    t->headers = nullptr;
    if (keep)
      idle_.push_back(t->easy);
    else
      curl_easy_cleanup(t->easy);
  }

  TransportOptions options_;
  std::string auth_header_;
  CURLM* multi_ = nullptr;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active_;
  std::vector<CURL*> idle_;
  std::vector<HttpResponse> unstarted_;  // libcurl refused to add them
};

}  // namespace

CurlLibrary::CurlLibrary() : initialised_(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK) {}

CurlLibrary::~CurlLibrary() {
  if (initialised_) curl_global_cleanup();
}

std::unique_ptr<HttpTransport> make_curl_transport(const TransportOptions& options) {
  return std::make_unique<CurlTransport>(options);
}

}  // namespace mcpr

