#include "src/http_proxy/listen_address.h"

#include <arpa/inet.h>

#include <cctype>

#include "src/util/failure.h"

namespace mcpr {
namespace {

Failure bad(const std::string& text, const std::string& why) {
  return Failure(kExitUsage, "--listen '" + text + "'", why,
                 "give HOST:PORT (127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080) or PORT");
}

uint16_t parse_port(const std::string& text, const std::string& port) {
  if (port.empty() || port.size() > 5) throw bad(text, "no port number");
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c))) throw bad(text, "no port number");
  const unsigned long n = std::stoul(port);
  if (n > 65535) throw bad(text, "port above 65535");
  return static_cast<uint16_t>(n);
}

}  // namespace

std::string ListenAddress::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

ListenAddress parse_listen_address(const std::string& text) {
  ListenAddress out;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw bad(text, "an IPv6 address needs its port after the bracket, as [::1]:8080");
    out.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (out.host.empty()) throw bad(text, "empty address");
  } else {
    const size_t colon = text.rfind(':');
    if (colon != std::string::npos && text.find(':') != colon)
      throw bad(text, "an IPv6 address goes in brackets, as [::1]:8080");
    if (colon == std::string::npos) {
      port = text;
    } else {
      out.host = text.substr(0, colon);
      port = text.substr(colon + 1);
    }
  }
  // No address named: loopback, never every interface.
  if (out.host.empty()) out.host = "127.0.0.1";
  out.port = parse_port(text, port);
  return out;
}

bool is_wildcard_address(const std::string& host) {
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return v4.s_addr == INADDR_ANY;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_UNSPECIFIED(&v6);
  return false;
}

}  // namespace mcpr
