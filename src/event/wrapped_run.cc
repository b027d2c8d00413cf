#include "src/event/wrapped_run.h"

#include <cmath>
#include <cstring>

#include "src/event/fields.h"
#include "src/event/pyjson.h"
#include "src/util/path.h"
#include "src/util/time_text.h"

namespace mcpr {
namespace {

// Seconds with microseconds, printed as Python prints a float.
std::string seconds_json(double s) { return format_timestamp(std::llround(s * 1e6)); }

}  // namespace

std::pair<Action, std::string> run_end_payload(const ChildResult& r, const std::string& cmd) {
  JsonObject payload;
  std::string text;
  if (r.started && !r.signaled && r.code == 0) {
    payload.set("success", "true");
    payload.set("exit_code", "0");
    payload.set("processing_time", seconds_json(r.seconds));
    return {Action::kComplete, payload.str()};
  }
  std::string type = r.signaled ? "Signal" : "ExitStatus";
  std::string message;
  if (!r.started) {
    message = "cannot run '" + cmd + "': " + std::strerror(r.exec_errno);
  } else if (r.signaled) {
    const char* name = ::sigabbrev_np(r.code);
    message = "killed by signal " + std::to_string(r.code) +
              (name ? std::string(" (SIG") + name + ")" : "");
  } else {
    message = "exited with status " + std::to_string(r.code);
  }
  python_string(type, &text);
  payload.set("error_type", text);
  text.clear();
  python_string(message, &text);
  payload.set("error_message", text);
  payload.set("error_code", std::to_string(r.signaled ? r.code : r.shell_status()));
  payload.set("processing_time", seconds_json(r.seconds));
  return {Action::kError, payload.str()};
}

EnvVars run_environment(const std::string& id, const std::optional<Config>& config,
                        const ConfigOverrides& flags, const StartContext* trace) {
  EnvVars env{{"MCP_REPORT_INTERACTION_ID", id}};
  // None: CMD inherits the caller's environment as it is.
  if (trace && !trace->child_traceparent.empty()) {
    env.emplace_back("TRACEPARENT", trace->child_traceparent);
    if (!trace->child_tracestate.empty()) env.emplace_back("TRACESTATE", trace->child_tracestate);
  }
  if (config) {
    env.emplace_back("MCP_REPORT_CONFIG", config->file);
    env.emplace_back("MCP_REPORT_SPOOL_DIR", absolute_path(config->spool_path()));
    if (!config->mcp_id.empty()) env.emplace_back("MCP_REPORT_MCP_ID", config->mcp_id);
    return env;
  }
  if (!flags.config_file.empty())
    env.emplace_back("MCP_REPORT_CONFIG", absolute_path(flags.config_file));
  if (!flags.spool_dir.empty())
    env.emplace_back("MCP_REPORT_SPOOL_DIR", absolute_path(flags.spool_dir));
  if (!flags.mcp_id.empty()) env.emplace_back("MCP_REPORT_MCP_ID", flags.mcp_id);
  return env;
}

}  // namespace mcpr
