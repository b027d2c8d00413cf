// What the HTTP proxy lets through, as pure decisions (man page HTTP PROXY):
// which browser pages may call it (DNS rebinding), and which headers pass
// from one side to the other.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/http_proxy/listen_address.h"

namespace mcpr {

enum class RequestVerdict {
  kAllowed,
  kBadOrigin,  // an Origin header naming another host: a page of another site
  kBadHost,    // on loopback, a Host header naming another host: DNS rebinding
};

// A request without Origin is a non-browser client's and passes. A browser's
// Origin must name the listening host: the address --listen gave, or, when
// that is loopback or every interface, a loopback name (localhost,
// 127.0.0.0/8, [::1]), on any port (a local page such as an MCP inspector).
// On loopback the Host header is held to the same names: a page whose name
// was rebound to 127.0.0.1 sends its own name there, even without Origin.
class OriginPolicy {
 public:
  explicit OriginPolicy(const ListenAddress& listen);
  // `origin` and `host` are the headers' values, nullptr when absent.
  RequestVerdict check(const char* origin, const char* host) const;

 private:
  bool allowed_host(std::string_view host) const;

  std::string listen_host_;
  bool loopback_names_;  // loopback names are the listening host's too
  bool check_host_;      // listening on loopback only
};

// The host of an Origin ("http://h:1") or Host ("h:1", "[::1]:1") value,
// lowercase and without brackets; "" when it has none.
std::string host_of_origin(std::string_view origin);
std::string host_of_authority(std::string_view authority);

// Which headers a proxy passes on: every one but the hop-by-hop ones (RFC
// 9110 7.6.1: Connection and the headers it names, Keep-Alive,
// Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade,
// Proxy-Authenticate, Proxy-Authorization) and those the proxy's HTTP
// libraries write for the next hop (Host, Content-Length, Expect).
class HeaderFilter {
 public:
  // `connection` is every Connection header's value, comma-joined.
  explicit HeaderFilter(std::string_view connection = {});
  bool passes(std::string_view name) const;

 private:
  std::vector<std::string> named_;  // lowercase names the Connection header lists
};

}  // namespace mcpr
