// What `proxy` records, over stdio and with --listen alike (man page PROXY):
// which requests (--methods), what of them (--capture), within what size
// (an event's envelope leaves the payload the rest of max_event_kb), and
// whether it records at all; and what it says and counts once it is done.
// The front door parses the options and prints the lines; the deciding is
// here.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "src/config/config.h"
#include "src/proxy/interaction_tracker.h"
#include "src/proxy/proxy.h"

namespace mcpr {

// Where the proxy's lines go: a warning (always, unless -q) and a note (-v).
struct ProxySay {
  std::function<void(const std::string&)> warn;
  std::function<void(const std::string&)> note;
};

// How to record: the tracker's options, and the configuration to record
// with, or nullopt when recording cannot work (forwarding goes on all the
// same).
struct ProxyRecording {
  TrackerOptions tracker;
  std::optional<Config> config;
  // The configuration's ca_file whenever it loads, recording or not: the
  // HTTP proxy verifies its upstream with it either way.
  std::string upstream_ca_file;
};

// From --methods and --capture as given (repeated, CLI11 joins their values
// with newlines and the lists combine) and the configuration `load_config`
// loads (it throws Failure when it cannot): a list that is wrong is Failure
// 64; a name no client request has, logging disabled, no mcp_id or a
// configuration that cannot be loaded is one warning each, said through
// `say` as it is found.
ProxyRecording proxy_recording(const std::string& methods, const std::string& capture,
                               const std::function<Config()>& load_config, const ProxySay& say);

// After the proxy ends: one warning for what was not recorded, the lines
// that were no messages (a note), both counted in the spool's root state for
// `status`, and the note of how many events were recorded.
void report_proxy_recording(const ProxyRecording& recording, const RecordingOutcome& outcome,
                            const ProxySay& say);

}  // namespace mcpr
