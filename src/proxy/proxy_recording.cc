#include "src/proxy/proxy_recording.h"

#include <utility>
#include <vector>

#include "src/event/event.h"
#include "src/event/recorder.h"
#include "src/util/failure.h"
#include "src/util/printable.h"
#include "src/util/text.h"

namespace mcpr {
namespace {

// --capture arguments,results, the lists of each given one combined; one
// given that names nothing (",") is a usage error, as for --methods.
void parse_capture(const std::string& lists, TrackerOptions* options) {
  const std::vector<std::string_view> items = split_option_lists(lists);
  if (!lists.empty() && items.empty())
    throw Failure(kExitUsage, "--capture", "nothing named", "give arguments, results or both");
  for (std::string_view item : items) {
    if (item == "arguments") options->capture_arguments = true;
    else if (item == "results") options->capture_results = true;
    else
      throw Failure(kExitUsage, "--capture '" + printable(item) + "'",
                    "not arguments or results");
  }
}

// The configuration as loaded, or nullopt (with one warning) when it cannot
// be: the server must run all the same.
std::optional<Config> loaded_config(const std::function<Config()>& load_config,
                                    const ProxySay& say) {
  try {
    return load_config();
  } catch (const Failure& f) {
    say.warn(std::string("proxy: ") + f.what() + ": forwarding without recording");
    return std::nullopt;
  }
}

// The configuration to record with, or nullopt (with one warning) when
// recording cannot work.
std::optional<Config> recording_config(std::optional<Config> config, const ProxySay& say) {
  if (!config) return std::nullopt;
  if (!config->enabled) {
    say.warn("proxy: enable_interaction_logging = false: forwarding without recording");
    return std::nullopt;
  }
  if (config->mcp_id.empty()) {
    say.warn(
        "proxy: mcp_id is not set ([mcp] mcp_id, MCP_REPORT_MCP_ID or --mcp-id): forwarding "
        "without recording");
    return std::nullopt;
  }
  // A spool it cannot use (another user's, not a folder, too full) is
  // said now, once, for the -v pre-flight and the client's log; recording
  // is still tried (a full disk may free up), and what fails is counted.
  try {
    Recorder(recorder_options(*config)).check_spool();
  } catch (const std::exception& e) {
    say.warn(std::string("proxy: ") + e.what() +
             ": events cannot be recorded while this lasts (forwarding goes on)");
    return config;
  }
  // Where the events go, for a session that finds no HOME (the spool is
  // then under the user's home from the password database).
  say.note("proxy: recording into " + config->spool_path() + " as " + config->mcp_id);
  return config;
}

}  // namespace

ProxyRecording proxy_recording(const std::string& methods, const std::string& capture,
                               const std::function<Config()>& load_config, const ProxySay& say) {
  ProxyRecording recording;
  recording.tracker.methods = MethodFilter::parse(methods);
  for (const std::string& warning : recording.tracker.methods.warnings())
    say.warn("proxy: --methods: " + warning);
  parse_capture(capture, &recording.tracker);
  std::optional<Config> loaded = loaded_config(load_config, say);
  if (loaded) recording.upstream_ca_file = loaded->ca_file;
  recording.config = recording_config(std::move(loaded), say);
  if (recording.config)
    recording.tracker.max_payload_bytes =
        payload_room(recording.config->max_event_kb, recording.config->mcp_id);
  return recording;
}

void report_proxy_recording(const ProxyRecording& recording, const RecordingOutcome& outcome,
                            const ProxySay& say) {
  // Counted first, so that the warning can say when even the count could
  // not be kept (a spool of another user's, not a folder): stderr is then
  // all there is.
  std::string not_counted;
  const bool lost = outcome.dropped > 0 || outcome.unseen > 0 || outcome.shed > 0;
  if (recording.config && (lost || outcome.unreadable > 0))
    not_counted = count_proxy_drops(*recording.config, outcome);
  if (recording.config && lost) {
    // Messages the tracker never saw hold an unknown number of events (a
    // request's start and end, an answer's end, or none): said apart, and
    // the notifications shed first (progress) apart from those.
    std::vector<std::string> parts;
    if (outcome.dropped > 0 || outcome.unseen > 0 || outcome.shed == 0)
      parts.push_back(std::to_string(outcome.dropped) + " events not recorded");
    if (outcome.unseen > 0)
      parts.push_back(std::to_string(outcome.unseen) +
                      " messages not looked at (their calls are not recorded)");
    if (outcome.shed > 0)
      parts.push_back(std::to_string(outcome.shed) +
                      " notifications not looked at (detail only: no call's start or end)");
    std::string what;
    for (size_t i = 0; i < parts.size(); ++i)
      what += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
    // The count's error is said once: most often it is the spool's own.
    std::string count;
    if (!not_counted.empty())
      count = outcome.drop_reason.find(not_counted) != std::string::npos
                  ? "; nor counted in the spool's state"
                  : "; not counted in the spool's state: " + not_counted;
    say.warn("proxy: " + what + ": " + outcome.drop_reason + count);
  }
  if (recording.config && outcome.unreadable > 0)
    // Lines that are no JSON-RPC (a server that logs to stdout): counted
    // for status, and said only with -v, as the client is the one to mind.
    say.note("proxy: " + std::to_string(outcome.unreadable) +
             " lines were not JSON-RPC messages (or had no newline)");
  say.note("proxy: recorded " + std::to_string(outcome.recorded) + " events");
}

}  // namespace mcpr
