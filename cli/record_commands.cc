// start, progress, complete, error: one event each into the spool.
#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "src/event/event.h"
#include "src/util/failure.h"
#include "src/event/fields.h"
#include "src/event/recorder.h"

namespace mcpr::cli {
namespace {

struct RecordArgs {
  std::string id;
  CLI::Option* id_option = nullptr;  // start's --id, to tell "" from absent
  std::string data;                  // --data as given
  CLI::Option* data_option = nullptr;  // to tell --data '' from absent
  std::vector<std::string> fields;

  RecordRequest request() const {
    RecordRequest r;
    r.id = id;
    r.generate_id = id_option && id_option->count() == 0;
    if (data_option && data_option->count() > 0) r.data = data;
    r.fields = fields;
    return r;
  }
};

const char kDataHelp[] = "Payload members: key=value (string) or key:=json (any JSON value)";

}  // namespace

int record(const Globals& globals, Action action, const RecordRequest& args) {
  const bool print_id = action == Action::kStart;
  const int64_t now = now_us();
  std::string id = args.generate_id ? new_interaction_id(now / 1000000) : args.id;
  require_valid_interaction_id(id);
  std::string file;
  Config config;
  try {
    config = globals.load_config();
    std::optional<std::string> data;
    if (args.data) data = read_data_argument(*args.data, data_limit(config));
    std::string payload = build_payload(data, args.fields);
    file = Recorder(recorder_options(config)).record(action, id, payload, now);
  } catch (...) {
    // `id=$(mcp-report start ...)` must never leave a wrapper with an empty
    // id: the id is printed even when recording fails (man page RECORDING COMMANDS).
    if (print_id) std::cout << id << std::endl;
    throw;
  }
  if (print_id) std::cout << id << '\n';
  if (file.empty()) {
    globals.note("logging is disabled (enable_interaction_logging = false): nothing recorded");
  } else {
    globals.note("spooled " + config.spool_path() + "/queue/" + file);
  }
  return kExitOk;
}

namespace {

void add_data_options(CLI::App* sub, RecordArgs& args) {
  args.data_option = sub->add_option("--data", args.data, "Payload object: JSON text, @FILE, or - for stdin")
      ->type_name("JSON|@FILE|-");
  sub->add_option("data", args.fields, kDataHelp)->type_name("DATA...");
}

void add_start_command(CLI::App& app, Globals& globals, Commands& commands) {
  CLI::App* start = add_command(app, globals, "start");
  if (!start) return;
  auto args = std::make_shared<RecordArgs>();
  args->id_option =
      start->add_option("--id", args->id, "Interaction id (default: int_<secs>_<hex>)")
          ->type_name("ID");
  add_data_options(start, *args);
  start->footer(
      "Examples:\n"
      "  id=$(mcp-report start user_id=u1 request_type=search params:='{\"q\":\"x\"}')\n"
      "  mcp-report start --id job-42 --data @request.json input_size:=812");
  commands.push_back(
      {start, [&globals, args] { return record(globals, Action::kStart, args->request()); }});
}

}  // namespace

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
    if (arg == "-c" || arg == "--config") {
      if (!out.globals.config_file.empty() || !take(&out.globals.config_file)) return std::nullopt;
    } else if (arg == "--spool") {
      if (!out.globals.spool_dir.empty() || !take(&out.globals.spool_dir)) return std::nullopt;
    } else if (arg == "--mcp-id") {
      if (!out.globals.mcp_id.empty() || !take(&out.globals.mcp_id)) return std::nullopt;
    } else if (arg == "-v" || arg == "--verbose") {
      ++out.globals.verbose;
    } else if (arg == "-vv") {
      out.globals.verbose += 2;
    } else if (arg == "-q" || arg == "--quiet") {
      out.globals.quiet = true;
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

std::optional<int> record_simple_command_line(int argc, char** argv) {
  std::optional<SimpleRecording> simple = parse_simple_recording(argc, argv);
  if (!simple) return std::nullopt;
  return record(simple->globals, simple->action, simple->request);
}

void add_record_commands(CLI::App& app, Globals& globals, Commands& commands) {
  add_start_command(app, globals, commands);
  for (Action action : {Action::kProgress, Action::kComplete, Action::kError}) {
    const ActionInfo& info = action_info(action);
    CLI::App* sub = add_command(app, globals, info.command);
    if (!sub) continue;
    auto args = std::make_shared<RecordArgs>();
    sub->add_option("id", args->id, "Interaction id, as printed by start")
        ->required()
        ->type_name("ID");
    add_data_options(sub, *args);
    const char* example = action == Action::kProgress
                              ? "  mcp-report progress \"$id\" step=2 percent:=40"
                          : action == Action::kComplete
                              ? "  mcp-report complete \"$id\" success:=true output_size:=2048"
                              : "  mcp-report error \"$id\" error_type=Timeout "
                                "error_message='upstream took 30 s' error_code:=504";
    sub->footer(std::string("Example:\n") + example);
    commands.push_back(
        {sub, [&globals, args, action] { return record(globals, action, args->request()); }});
  }
}

}  // namespace mcpr::cli
