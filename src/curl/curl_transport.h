// The HttpTransport on libcurl, for flush, health and validate-key. Only
// mcp-report-cli links it: mcp-report, which records, never loads libcurl.
#pragma once

#include <memory>

#include "src/delivery/http_transport.h"

namespace mcpr {

// Up to options.max_connections requests at once on one multi handle, which
// keeps connections alive between requests. Redirects are never followed,
// only http and https are spoken, TLS is verified, and proxies come from the
// usual environment variables (libcurl's own behaviour).
std::unique_ptr<HttpTransport> make_curl_transport(const TransportOptions& options);

}  // namespace mcpr
