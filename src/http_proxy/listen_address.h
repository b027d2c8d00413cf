// Where `proxy --listen` listens, and which names a browser may use for it
// (man page HTTP PROXY): the address is loopback unless the user names
// another one.
#pragma once

#include <cstdint>
#include <string>

#include "src/util/loopback.h"  // is_loopback_name, for the listening address

namespace mcpr {

struct ListenAddress {
  std::string host;   // as given, without IPv6 brackets; "127.0.0.1" when none was given
  uint16_t port = 0;  // 0: any free port
  // The text a client puts in a URL: "127.0.0.1:8080", "[::1]:8080".
  std::string authority() const;
};

// "PORT", ":PORT", "HOST:PORT" or "[IPV6]:PORT". Throws Failure (64).
ListenAddress parse_listen_address(const std::string& text);

// Whether `host` is a wildcard address (0.0.0.0, ::): every interface.
bool is_wildcard_address(const std::string& host);

}  // namespace mcpr
