// Whether a host names this machine's loopback interface: the one answer for
// the HTTP proxy's --listen (man page HTTP PROXY) and for the configuration's
// "API key sent in clear" warning (man page CONFIGURATION). Header-only so
// that mcpr_util's source list stays as it is.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

namespace mcpr {

// `host` is a name or address without IPv6 brackets: localhost, an address in
// 127.0.0.0/8, or ::1. A name that merely starts with "127." is not one.
inline bool is_loopback_name(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

}  // namespace mcpr
