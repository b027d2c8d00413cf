// Recording one event, and the plain recording command lines mcp-report
// reads without CLI11. No iostreams here (README.md, Performance): this file
// is on the recording path of mcp-report.
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "cli/command_table.h"
#include "cli/front.h"
#include "src/event/event.h"
#include "src/event/fields.h"
#include "src/event/recorder.h"
#include "src/event/start_recording.h"
#include "src/event/trace_context.h"
#include "src/util/failure.h"

namespace mcpr::cli {
namespace {

// start's id (or "ID TRACEPARENT") on stdout, at once: a wrapper reads it
// even when recording then fails.
void print_id_line(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  flush_stdout();
}

}  // namespace

int record(const Globals& globals, Action action, const RecordRequest& args) {
  const bool print_id = action == Action::kStart;
  const int64_t now = now_us();
  std::string id = args.generate_id ? new_interaction_id(now / 1000000) : args.id;
  require_valid_interaction_id(id);
  // A start joins the caller's trace (man page OPENTELEMETRY SINK); with no
  // trace context, its body is what it always was.
  StartRecording start(id, print_id ? caller_trace_from_environment() : CallerTrace{}, now);
  std::string file;
  Config config;
  // "ID" or "ID TRACEPARENT" (--print-traceparent): one line for $(...) and
  // read. The traceparent names our span when it will be exported, else it
  // is the caller's; with neither, the line is the ID alone.
  auto id_line = [&] {
    if (!args.print_traceparent) return id;
    const std::string traceparent = start.child_context().child_traceparent;
    return traceparent.empty() ? id : id + " " + traceparent;
  };
  try {
    config = globals.load_config(Globals::ConfigUse::kRecord);
    std::optional<std::string> data;
    if (args.data) data = read_data_argument(*args.data, max_event_bytes(config.max_event_kb));
    std::string payload = build_payload(data, args.fields);
    Recorder recorder(recorder_options(config));
    if (action == Action::kStart) {
      for (const std::string& note : start.join(std::move(payload), config.mcp_id,
                                                config.exports_spans(), args.print_traceparent))
        globals.warn(note);
      file = start.record(recorder);
    } else {
      file = recorder.record(action, id, payload, now);
    }
  } catch (...) {
    // `id=$(mcp-report start ...)` must never leave a wrapper with an empty
    // id: the id is printed even when recording fails (man page RECORDING
    // COMMANDS), with no span of ours.
    if (print_id) print_id_line(id_line());
    throw;
  }
  if (print_id) print_id_line(id_line());
  // A tracestate goes with its traceparent (W3C): one of the caller's that
  // does not go with a new trace stays in the wrapper's environment, which
  // start cannot change.
  if (args.print_traceparent) {
    const char* state = std::getenv("TRACESTATE");
    const char* parent = std::getenv("TRACEPARENT");
    if (state && *state && !parse_traceparent(parent ? parent : "") &&
        !start.child_context().child_traceparent.empty())
      globals.warn("TRACESTATE does not go with the traceparent printed (a new trace): unset it "
                   "where that traceparent is handed on");
  }
  if (file.empty()) {
    globals.note("logging is disabled (enable_interaction_logging = false): nothing recorded");
  } else {
    globals.note("spooled " + config.spool_path() + "/queue/" + file);
  }
  return kExitOk;
}

std::optional<SimpleRecording> parse_simple_recording(int argc, char** argv) {
  SimpleRecording out;
  bool have_command = false, have_id = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    // An option's value; one that looks like an option ("-" alone is
    // stdin for --data) is left to CLI11.
    auto take = [&](std::string* into) {
      if (!has_value || (argv[i + 1][0] == '-' && std::string(argv[i + 1]) != "-")) return false;
      // An empty global option is CLI11's to refuse.
      const bool global = into == &out.globals.config_file || into == &out.globals.spool_dir ||
                          into == &out.globals.mcp_id;
      if (global && argv[i + 1][0] == '\0') return false;
      *into = argv[++i];
      return true;
    };
    if (const std::optional<GlobalOption> global = global_option(arg)) {
      using G = GlobalOption;
      std::string* value = global->name == G::kConfig  ? &out.globals.config_file
                           : global->name == G::kSpool ? &out.globals.spool_dir
                           : global->name == G::kMcpId ? &out.globals.mcp_id
                                                       : nullptr;
      if (value) {
        if (!value->empty() || !take(value)) return std::nullopt;
      } else if (global->name == G::kVerbose) {
        ++out.globals.verbose;
      } else if (global->name == G::kQuiet) {
        out.globals.quiet = true;
      } else if (arg == "-vv") {
        out.globals.verbose += 2;
      } else {
        return std::nullopt;  // another cluster (-vq, -vc FILE) or a command's option: CLI11's
      }
    } else if (!have_command) {
      // The first word names the command; an unknown one is CLI11's to say.
      const Action actions[] = {Action::kStart, Action::kProgress, Action::kComplete,
                                Action::kError};
      const Action* found = nullptr;
      for (const Action& a : actions)
        if (arg == action_info(a).command) found = &a;
      if (!found) return std::nullopt;
      out.action = *found;
      out.globals.named_command = arg;
      out.request.generate_id = out.action == Action::kStart;
      have_command = true;
    } else if (arg == "--print-traceparent" && out.action == Action::kStart) {
      if (out.request.print_traceparent) return std::nullopt;
      out.request.print_traceparent = true;
    } else if (arg == "--id" && out.action == Action::kStart) {
      if (!out.request.generate_id || !take(&out.request.id)) return std::nullopt;
      out.request.generate_id = false;
    } else if (arg == "--data") {
      std::string data;
      if (out.request.data || !take(&data)) return std::nullopt;
      out.request.data = data;
    } else if (!arg.empty() && arg[0] == '-') {
      return std::nullopt;  // --help, --id=X, "--", a typo: CLI11 says what it means
    } else if (out.action != Action::kStart && !have_id) {
      out.request.id = arg;
      have_id = true;
    } else {
      out.request.fields.push_back(arg);
    }
  }
  if (!have_command || (out.action != Action::kStart && !have_id)) return std::nullopt;
  return out;
}

}  // namespace mcpr::cli
