#include "src/http_proxy/request_policy.h"
#include "src/util/text.h"

#include <algorithm>
#include <cctype>

namespace mcpr {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

constexpr std::string_view kNotPassed[] = {
    "connection", "keep-alive",          "proxy-connection",    "te",   "trailer",
    "transfer-encoding", "upgrade",      "proxy-authenticate",  "proxy-authorization",
    "host",       "content-length",      "expect",
};

}  // namespace

std::string host_of_authority(std::string_view authority) {
  authority = trim(authority, kOws);
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    return close == std::string_view::npos ? "" : lower(authority.substr(1, close - 1));
  }
  return lower(authority.substr(0, authority.find(':')));
}

std::string host_of_origin(std::string_view origin) {
  origin = trim(origin, kOws);
  const size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return "";  // "null", or not an origin
  const std::string scheme = lower(origin.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return "";
  std::string_view authority = origin.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find('/'));
  if (authority.find('@') != std::string_view::npos) return "";
  return host_of_authority(authority);
}

OriginPolicy::OriginPolicy(const ListenAddress& listen)
    : listen_host_(lower(listen.host)),
      loopback_names_(is_loopback_name(listen.host) || is_wildcard_address(listen.host)),
      check_host_(is_loopback_name(listen.host)) {}

bool OriginPolicy::allowed_host(std::string_view host) const {
  if (host.empty()) return false;
  if (host == listen_host_ && !is_wildcard_address(listen_host_)) return true;
  return loopback_names_ && is_loopback_name(std::string(host));
}

RequestVerdict OriginPolicy::check(const char* origin, const char* host) const {
  if (origin && !allowed_host(host_of_origin(origin))) return RequestVerdict::kBadOrigin;
  if (check_host_ && host && !allowed_host(host_of_authority(host)))
    return RequestVerdict::kBadHost;
  return RequestVerdict::kAllowed;
}

HeaderFilter::HeaderFilter(std::string_view connection) {
  while (!connection.empty()) {
    const size_t comma = connection.find(',');
    const std::string_view token = trim(connection.substr(0, comma), kOws);
    if (!token.empty()) named_.push_back(lower(token));
    if (comma == std::string_view::npos) break;
    connection.remove_prefix(comma + 1);
  }
}

bool HeaderFilter::passes(std::string_view name) const {
  for (std::string_view n : kNotPassed)
    if (equal_ignoring_case(name, n)) return false;
  for (const std::string& n : named_)
    if (equal_ignoring_case(name, n)) return false;
  return true;
}

}  // namespace mcpr
