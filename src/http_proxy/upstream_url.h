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
  std::string query;    // "key=K" (without "?"): sent with every request to the endpoint
  std::string shown;    // "https://host:8443/mcp": for messages (no user, password or query)
};

// Throws Failure (64) for anything but an absolute http or https URL
// without a fragment.
UpstreamUrl parse_upstream_url(const std::string& text);

// What the upstream is asked for when a client asks the proxy for `target`
// (path and query): the same, but that a request to the MCP endpoint
// carries the URL's query first, then the client's ("/mcp?x=1" becomes
// "/mcp?key=K&x=1"), so that a server taking a key there gets it while the
// client names only the proxy's path.
std::string upstream_target(const UpstreamUrl& upstream, const std::string& target);

}  // namespace mcpr
