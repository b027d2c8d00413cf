// `mcp-report proxy --listen HOST:PORT --upstream URL`: a reverse proxy for
// one MCP server that speaks Streamable HTTP, recording its requests as the
// stdio proxy does (man page HTTP PROXY).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "src/config/config.h"
#include "src/http_proxy/listen_address.h"
#include "src/http_proxy/upstream.h"
#include "src/http_proxy/upstream_url.h"
#include "src/proxy/proxy.h"

namespace mcpr {

// After SIGTERM or SIGINT, requests in flight get this long to be answered;
// streams still open then are ended.
constexpr std::chrono::seconds kStopGrace(10);

struct HttpProxyRun {
  ListenAddress listen;
  UpstreamUrl upstream;
  UpstreamOptions upstream_options;
  TrackerOptions tracker;
  const Config* config = nullptr;  // nullptr: forward only, record nothing
  // Told the proxy's URL once it listens.
  std::function<void(const std::string& url)> on_listening;
  // One line per request (-v), and warnings; called from many threads, one
  // at a time.
  std::function<void(const std::string&)> note;
  std::function<void(const std::string&)> warn;
};

// Serves until SIGTERM, SIGINT or SIGHUP, then stops gracefully (kStopGrace).
// Throws Failure (69) when it cannot listen. libcurl's global state is the
// process's, set up by main() before any thread starts (CurlLibrary, in
// src/curl/curl_transport.h, the library this one links libcurl through),
// never here: the recorder's thread may already run.
RecordingOutcome run_http_proxy(const HttpProxyRun& run);

}  // namespace mcpr
