// `mcp-report run` (man page RECORDING COMMANDS): the event that ends a
// wrapped command's interaction, and what the command gets in its
// environment.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "src/config/config.h"
#include "src/event/event.h"
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

}  // namespace mcpr
