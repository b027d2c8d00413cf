// `mcp-report run` (man page RECORDING COMMANDS): the event that ends a
// wrapped command's interaction, and what the command gets in its
// environment.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/config/config.h"
#include "src/event/event.h"
#include "src/event/start_recording.h"
#include "src/event/trace_context.h"
#include "src/util/child_process.h"

namespace mcpr {

// The end of the interaction for how `command` ended: interaction_complete
// with {"success": true, "exit_code": 0, "processing_time": S} for exit 0,
// else interaction_error with error_type "ExitStatus" or "Signal",
// error_message, error_code (the shell's status, or the signal) and
// processing_time.
std::pair<Action, std::string> run_end_payload(const ChildResult& result,
                                               const std::string& command);

// What the command gets in its environment: the interaction id, and the
// effective config file, spool and mcp_id, so that a nested `mcp-report
// progress` lands where run's own events do whatever flags run was given.
// When the configuration could not be loaded (no `config`), the flags are
// passed on. Relative paths are made absolute: the command may change folder.
// With the start's `trace` context, TRACEPARENT names the interaction's span
// (and the caller's TRACESTATE goes along), so what the command does is its
// child (man page OPENTELEMETRY SINK).
EnvVars run_environment(const std::string& interaction_id, const std::optional<Config>& config,
                        const ConfigOverrides& flags, const StartContext* trace = nullptr);

// What `mcp-report run` was asked, once its command line is parsed.
struct RunRequest {
  std::vector<std::string> command;  // CMD [ARG...]
  std::optional<std::string> id;     // --id as given; none makes a new one
  bool strict = false;               // --strict
  std::optional<std::string> data;   // --data as given, when given
  std::vector<std::string> fields;   // key=value, key:=json
  ConfigOverrides flags;             // -c, --spool, --mcp-id
};

// What `run` uses of the world, so that a test can swap each part.
struct RunWorld {
  // The effective configuration; throws Failure when it cannot be loaded.
  std::function<Config()> load_config;
  // A warning ("run: could not record interaction_start: why") and an error
  // ("run: cannot run 'CMD': why"), each without "mcp-report: ".
  std::function<void(const std::string&)> warn;
  std::function<void(const std::string&)> error;
  std::function<ChildResult(const std::vector<std::string>&, const EnvVars&)> run_child =
      [](const std::vector<std::string>& argv, const EnvVars& env) {
        return mcpr::run_child(argv, env);
      };
  CallerTrace caller;  // TRACEPARENT, TRACESTATE
  int64_t now_us = 0;
};

// `mcp-report run` (man page RECORDING COMMANDS): records the start, runs
// CMD, records how it ended, and returns CMD's shell status. Recording is
// not CMD's business: a configuration that cannot be loaded, or an event
// that cannot be recorded, is a warning and CMD runs all the same; with
// `strict` that Failure (or SpoolError) is thrown instead, before CMD runs
// when it is the start's. Bad DATA or a start over max_event_kb is the
// caller's mistake: Failure 65 before CMD runs, strict or not. Usage
// (Failure 64) without a CMD.
int run_wrapped(const RunRequest& request, const RunWorld& world);

}  // namespace mcpr
