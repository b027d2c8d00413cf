// The one strict reader of the http(s) URLs mcp-report POSTs to: the
// coordinator's (coordinator_url, MCP_REPORT_URL) and the OTLP endpoints
// (otlp_endpoint, OTEL_EXPORTER_OTLP_ENDPOINT and the signals' own). The
// configuration does not link libcurl: a URL libcurl would refuse at the
// first flush is refused here, when the configuration is read (exit 78,
// man page CONFIGURATION), never taken for an outage.
#pragma once

#include <string>

namespace mcpr {

struct HttpUrl {
  bool https = false;
  std::string host;  // without IPv6 brackets
  int port = 0;      // 0 when the URL names none (the scheme's)
};

// Why `text` is not an absolute http:// or https:// URL of a host (and an
// optional port from 1 to 65535); "" when it is, with `out` (if given)
// filled in. `base`: paths are appended to it, so a query or a fragment is
// refused too. The text is never echoed: a URL may hold a password.
std::string http_url_problem(const std::string& text, bool base, HttpUrl* out = nullptr);

// Whether a URL sends what it carries (an API key, OTLP headers) in clear:
// plain http to a host that is not on loopback.
bool sends_in_clear(const std::string& url);

}  // namespace mcpr
