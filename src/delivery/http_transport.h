// The HTTP transport, behind a small interface so the flusher can be driven
// by any implementation, and so that the libcurl one (src/curl/) is linked
// only by mcp-report-cli: recording never maps libcurl.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "src/util/clock.h"

namespace mcpr {

struct HttpRequest {
  uint64_t tag = 0;  // handed back with the response
  std::string method = "POST";
  std::string url;
  std::string body;
  std::string idempotency_key;  // "" for none
  // Sent after the standard ones (Content-Type: application/json,
  // User-Agent, Idempotency-Key); a header named here replaces the standard
  // one of that name, e.g. a Content-Type, or Content-Encoding: gzip.
  std::vector<std::pair<std::string, std::string>> headers;
  bool bearer = true;  // send "Authorization: Bearer <api key>" when a key is set
};

// How a request ended when no HTTP status came back.
enum class NetError {
  kNone,
  kUnreachable,  // DNS, refused, TLS, or no connection within the timeout
  kNoAnswer,     // connected and sent, but not one byte of an answer in time (as kTimeout)
  kTimeout,      // an answer began, but did not end in time
  kReset,        // connection broken after sending, or a garbled answer
  kBadUrl,       // not an http/https URL
};

struct HttpResponse {
  uint64_t tag = 0;
  int status = 0;  // 0 when error != kNone
  NetError error = NetError::kNone;
  std::string error_text;
  std::string body_start;   // the first 512 bytes of the body
  std::string retry_after;  // Retry-After header, "" when absent
  std::string location;     // Location header, "" when absent
  double seconds = 0;       // total time of the request
};

struct TransportOptions {
  std::string api_key;
  std::string user_agent;
  std::string ca_file;   // "" for the system's CAs
  double timeout = 5.0;  // seconds, connect included
  int max_connections = 4;
};

// A ca_file that is missing, not a regular file or unreadable is the
// configuration's mistake: Failure 78, said before anything is sent, not an
// outage of the peer. "" (the system's CAs) passes. The one check for flush,
// the probes and the HTTP proxy's upstream.
void require_ca_file(const std::string& path);

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Starts a request; it runs while wait() is called.
  virtual void submit(const HttpRequest& request) = 0;
  // Drives the requests in flight for at most `max_wait` seconds, returning
  // as soon as at least one has finished; returns those that finished.
  virtual std::vector<HttpResponse> wait(double max_wait) = 0;
  virtual size_t in_flight() const = 0;
};

// Makes the transport the network commands use (src/curl/'s, linked only by
// mcp-report-cli; tests make fakes).
using CreateTransport = std::unique_ptr<HttpTransport> (*)(const TransportOptions& options);

// How long past the transport's own timeout perform() waits: the transport
// ends a request at its timeout, and this covers its polling.
constexpr double kPerformMargin = 2.0;

// Sends one request and waits for its answer on `clock`, for at most
// `timeout` (the transport's TransportOptions::timeout) plus kPerformMargin
// seconds: a transport that never ends the request gives a kTimeout
// response then, never a hang. The abandoned request stays in flight.
HttpResponse perform(HttpTransport& transport, const HttpRequest& request, double timeout,
                     Clock& clock);

}  // namespace mcpr
