// The HttpTransport on libcurl, for flush, health and validate-key, and the
// process's libcurl set-up. Only mcp-report-cli links it: mcp-report, which
// records, never loads libcurl.
#pragma once

#include <memory>

#include "src/delivery/http_transport.h"

namespace mcpr {

// libcurl's global state, for the whole process: made once at the start of
// main(), before any thread runs, and cleaned up when main() returns.
// curl_global_init and curl_global_cleanup are not thread safe (no other
// thread of the process may run meanwhile, libcurl's or not), so neither a
// transport nor the HTTP proxy calls them. When the init fails, libcurl
// tries again itself at its first transfer.
class CurlLibrary {
 public:
  CurlLibrary();
  ~CurlLibrary();
  CurlLibrary(const CurlLibrary&) = delete;
  CurlLibrary& operator=(const CurlLibrary&) = delete;

 private:
  bool initialised_;
};

// Up to options.max_connections requests at once on one multi handle, which
// keeps connections alive between requests. Redirects are never followed,
// only http and https are spoken, TLS is verified, and proxies come from the
// usual environment variables (libcurl's own behaviour).
std::unique_ptr<HttpTransport> make_curl_transport(const TransportOptions& options);

}  // namespace mcpr
