// What `proxy` over stdio and `proxy --listen` over HTTP share: their
// options, the recording configuration, and the end-of-run report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cli/command.h"
#include "src/proxy/proxy.h"

namespace mcpr::cli {

struct ProxyArgs {
  std::string methods = "tools/call,resources/read,prompts/get";
  std::string capture;
  std::string listen;    // --listen HOST:PORT: the HTTP proxy
  std::string upstream;  // --upstream URL
};

// How to record: the tracker's options from --methods and --capture (Failure
// 64 when they are wrong), and the configuration, or nullopt (with one
// warning) when recording cannot work: forwarding goes on all the same.
struct ProxyRecording {
  TrackerOptions tracker;
  std::optional<Config> config;
};
ProxyRecording proxy_recording(const Globals& globals, const ProxyArgs& args);

// After the proxy ends: one warning for what was not recorded, counted in
// the spool for `status`, and the -v summary.
void report_proxy_recording(const Globals& globals, const ProxyRecording& recording,
                            const RecordingOutcome& outcome);

// `proxy --listen`: the HTTP proxy's command, in cli/http_proxy_command.cc.
int http_proxy(const Globals& globals, const ProxyArgs& args);

}  // namespace mcpr::cli
