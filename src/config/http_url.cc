#include "src/config/http_url.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstring>

#include "src/util/loopback.h"
#include "src/util/utf8.h"

namespace mcpr {

std::string http_url_problem(const std::string& text, bool base, HttpUrl* out) {
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return "holds a control character";
  if (!valid_utf8(text)) return "is not valid UTF-8";
  if (text.find(' ') != std::string::npos) return "holds a blank (not a valid URL)";
  std::string lower;
  for (char c : text.substr(0, 8))
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t start = lower.rfind("https://", 0) == 0  ? 8
                       : lower.rfind("http://", 0) == 0 ? 7
                                                        : 0;
  if (start == 0) return "is not an http:// or https:// URL";
  HttpUrl url;
  url.https = start == 8;
  const size_t end = std::min(text.find_first_of("/?#", start), text.size());
  std::string authority = text.substr(start, end - start);
  // user:password@ comes before the last '@' of the authority.
  if (const size_t at = authority.rfind('@'); at != std::string::npos)
    authority.erase(0, at + 1);
  if (authority.empty()) return "names no host (not a valid URL)";
  if (authority.find(',') != std::string::npos)
    return "has a ',' in its host or port (one URL, not a list)";
  std::string port;
  if (authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return "has a '[' without its ']' (not a valid URL)";
    url.host = authority.substr(1, close - 1);
    in6_addr v6{};
    if (::inet_pton(AF_INET6, url.host.c_str(), &v6) != 1)
      return "has brackets around what is not an IPv6 address (not a valid URL)";
    const std::string after = authority.substr(close + 1);
    if (!after.empty() && after[0] != ':')
      return "has text after the IPv6 address's ']' (not a valid URL)";
    if (!after.empty()) port = after.substr(1);
    if (after == ":") return "has a ':' but no port";
  } else {
    const size_t colon = authority.find(':');
    url.host = authority.substr(0, colon);
    if (url.host.empty()) return "names no host (not a valid URL)";
    for (unsigned char c : url.host)
      if (c < 0x80 && !std::isalnum(c) && !std::strchr("-._~", c))
        return "has a host with a '" + std::string(1, static_cast<char>(c)) +
               "', which no host name holds (not a valid URL)";
    if (colon != std::string::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return "has a ':' but no port";
    }
  }
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
      return "has a port that is not a number from 1 to 65535";
    url.port = std::stoi(port);
    if (url.port < 1 || url.port > 65535) return "has a port that is not a number from 1 to 65535";
  }
  // The API paths are appended to a base URL: after a query or a fragment
  // they would be part of that, and every request would miss.
  if (base && text.find_first_of("?#", end) != std::string::npos)
    return "has a query or a fragment (give the base URL: /api/v2/..., /v1/traces or "
           "/v1/logs is appended to it)";
  if (out) *out = url;
  return "";
}

bool sends_in_clear(const std::string& url) {
  HttpUrl parsed;
  if (!http_url_problem(url, false, &parsed).empty()) return false;
  return !parsed.https && !is_loopback_name(parsed.host);
}

}  // namespace mcpr
