// The --upstream URL of the HTTP proxy, taken apart by libcurl's URL parser.
#pragma once

#include <cstdint>
#include <string>

namespace mcpr {

struct UpstreamUrl {
  std::string origin;   // "https://user@host:8443": what a request's path and query follow
  std::string scheme;   // "http" or "https"
  std::string host;     // without IPv6 brackets
  uint16_t port = 0;    // the scheme's default when the URL names none
  std::string path;     // "/mcp": the MCP endpoint, whose messages are recorded
  std::string shown;    // "https://host:8443/mcp": for messages (no user, password or query)
};

// Throws Failure (64) for anything but an absolute http or https URL
// without a fragment.
UpstreamUrl parse_upstream_url(const std::string& text);

}  // namespace mcpr
