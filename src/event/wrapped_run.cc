#include "src/event/wrapped_run.h"

#include <cmath>
#include <cstring>

#include "spool/spool_error.h"
#include "src/event/fields.h"
#include "src/event/pyjson.h"
#include "src/event/recorder.h"
#include "src/util/failure.h"
#include "src/util/printable.h"
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
    // A tracestate goes with its traceparent (W3C): a TRACESTATE of the
    // caller's that does not belong to the one handed on is not inherited.
    if (trace->child_tracestate.empty())
      env.emplace_back("-TRACESTATE", "");
    else
      env.emplace_back("TRACESTATE", trace->child_tracestate);
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

int run_wrapped(const RunRequest& request, const RunWorld& world) {
  if (request.command.empty())
    throw Failure(kExitUsage, "run", "no command to run",
                  "usage: mcp-report run [DATA...] -- CMD [ARG...]");
  const int64_t now = world.now_us;
  const std::string id = request.id ? *request.id : new_interaction_id(now / 1000000);
  require_valid_interaction_id(id);
  // A broken config is only a warning (CMD still runs), said when the start
  // is recorded; the default max_event_kb then bounds --data.
  std::optional<Config> config;
  std::optional<Failure> config_failure;
  try {
    config.emplace(world.load_config());
  } catch (const Failure& f) {
    config_failure = f;
  }
  std::optional<std::string> data;
  if (request.data)
    data = read_data_argument(*request.data, max_event_bytes((config ? *config : Config{}).max_event_kb));
  std::string payload = build_payload(data, request.fields);
  // The caller's trace context joins the start, as for `start`; CMD's
  // parent is our span only when the start is recorded and that span will
  // be exported.
  StartRecording start(id, world.caller, now);
  for (const std::string& note : start.join(std::move(payload),
                                            config ? config->mcp_id : request.flags.mcp_id,
                                            config && config->exports_spans(), true))
    world.warn("run: " + note);
  // An event too large to record is bad DATA too: 65, and CMD does not run.
  std::optional<Recorder> recorder;
  if (config) {
    recorder.emplace(recorder_options(*config));
    start.check(*recorder);
  }
  // Records with `body`; a failure is a warning, or with --strict the end.
  auto attempt = [&](const char* what, auto&& body) {
    auto warn_or_rethrow = [&](const std::exception& e) {
      if (request.strict) throw;
      world.warn(std::string("run: could not record ") + what + ": " + e.what());
    };
    try {
      body();
    } catch (const Failure& f) {
      warn_or_rethrow(f);
    } catch (const SpoolError& e) {
      warn_or_rethrow(e);
    }
  };
  attempt("interaction_start", [&] {
    if (config_failure) throw *config_failure;
    start.record(*recorder);
  });
  const StartContext handed = start.child_context();
  const ChildResult result =
      world.run_child(request.command, run_environment(id, config, request.flags, &handed));
  if (!result.started)
    world.error("run: cannot run '" + printable(request.command[0]) +
                "': " + std::strerror(result.exec_errno));
  if (recorder) {
    auto [action, end_payload] = run_end_payload(result, request.command[0]);
    attempt(action_info(action).name, [&, action = action, &end_payload = end_payload] {
      recorder->record(action, id, end_payload, now_us());
    });
  }
  return result.shell_status();
}

}  // namespace mcpr
