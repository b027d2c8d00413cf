// What `proxy` over stdio and `proxy --listen` over HTTP share: their
// options, and the way their recording's lines are said.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cli/command.h"
#include "src/proxy/proxy.h"
#include "src/proxy/proxy_recording.h"

namespace mcpr::cli {

struct ProxyArgs {
  std::string methods = kDefaultProxyMethods;
  std::string capture;
  std::string listen;    // --listen HOST:PORT: the HTTP proxy
  std::string upstream;  // --upstream URL
};

// How to record, from --methods, --capture and the configuration (Failure 64
// for a wrong list; warnings said as src/proxy/proxy_recording.h decides).
ProxyRecording proxy_recording(const Globals& globals, const ProxyArgs& args);

// After the proxy ends: its warnings and notes, and the counts for `status`.
void report_proxy_recording(const Globals& globals, const ProxyRecording& recording,
                            const RecordingOutcome& outcome);

// `proxy --listen`: the HTTP proxy's command, in cli/http_proxy_command.cc.
int http_proxy(const Globals& globals, const ProxyArgs& args);

}  // namespace mcpr::cli
