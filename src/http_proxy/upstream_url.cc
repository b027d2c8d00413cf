#include "src/http_proxy/upstream_url.h"

#include <curl/curl.h>

#include <memory>

#include "src/util/failure.h"

namespace mcpr {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// One part of the URL, "" when it has none.
std::string part(CURLU* url, CURLUPart which, unsigned flags = 0) {
  char* text = nullptr;
  if (curl_url_get(url, which, &text, flags) != CURLUE_OK || !text) return "";
  std::string out(text);
  curl_free(text);
  return out;
}

}  // namespace

UpstreamUrl parse_upstream_url(const std::string& text) {
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  const std::string what = "--upstream '" + text + "'";
  const std::string hint = "give the MCP server's URL, as http://127.0.0.1:3001/mcp";
  if (!url || curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK)
    throw Failure(kExitUsage, what, "not a URL", hint);
  UpstreamUrl out;
  out.scheme = part(url.get(), CURLUPART_SCHEME);
  if (out.scheme != "http" && out.scheme != "https")
    throw Failure(kExitUsage, what, "not an http or https URL", hint);
  if (!part(url.get(), CURLUPART_FRAGMENT).empty())
    throw Failure(kExitUsage, what, "a URL with a #fragment", hint);
  out.host = part(url.get(), CURLUPART_HOST);
  if (out.host.size() > 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  out.port = static_cast<uint16_t>(std::stoi(part(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT)));
  out.path = part(url.get(), CURLUPART_PATH);
  if (out.path.empty()) out.path = "/";
  out.query = part(url.get(), CURLUPART_QUERY);
  // The origin is the URL without path and query; the user's name and
  // password, if any, stay in it (libcurl sends them).
  curl_url_set(url.get(), CURLUPART_PATH, "/", 0);
  curl_url_set(url.get(), CURLUPART_QUERY, nullptr, 0);
  out.origin = part(url.get(), CURLUPART_URL);
  if (!out.origin.empty() && out.origin.back() == '/') out.origin.pop_back();
  curl_url_set(url.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(url.get(), CURLUPART_PASSWORD, nullptr, 0);
  curl_url_set(url.get(), CURLUPART_PATH, out.path.c_str(), 0);
  out.shown = part(url.get(), CURLUPART_URL);
  return out;
}

std::string upstream_target(const UpstreamUrl& upstream, const std::string& target) {
  const size_t mark = target.find('?');
  if (upstream.query.empty() || target.compare(0, mark, upstream.path) != 0) return target;
  if (mark == std::string::npos || mark + 1 == target.size())
    return upstream.path + "?" + upstream.query;
  return upstream.path + "?" + upstream.query + "&" + target.substr(mark + 1);
}

}  // namespace mcpr
