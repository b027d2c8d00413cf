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
};

const char kDataHelp[] = "Payload members: key=value (string) or key:=json (any JSON value)";

int record(const Globals& globals, Action action, const RecordArgs& args, bool print_id) {
  const int64_t now = now_us();
  const bool generated = args.id_option && args.id_option->count() == 0;
  std::string id = generated ? new_interaction_id(now / 1000000) : args.id;
  require_valid_interaction_id(id);
  std::string file;
  Config config;
  try {
    std::optional<std::string> data;
    if (args.data_option && args.data_option->count() > 0) data = read_data_argument(args.data);
    std::string payload = build_payload(data, args.fields);
    config = globals.load_config();
    file = Recorder(config).record(action, id, payload, now);
  } catch (...) {
    // `id=$(mcp-report start ...)` must never leave a wrapper with an empty
    // id: the id is printed even when recording fails (SPEC.md §1).
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

void add_data_options(CLI::App* sub, RecordArgs& args) {
  args.data_option = sub->add_option("--data", args.data, "Payload object: JSON text, @FILE, or - for stdin")
      ->type_name("JSON|@FILE|-");
  sub->add_option("data", args.fields, kDataHelp)->type_name("DATA...");
}

void add_start_command(CLI::App& app, Globals& globals, Commands& commands) {
  CLI::App* start = add_command(app, globals, "start", "Record interaction_start; prints the id");
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
      {start, [&globals, args] { return record(globals, Action::kStart, *args, true); }});
}

}  // namespace

void add_record_commands(CLI::App& app, Globals& globals, Commands& commands) {
  add_start_command(app, globals, commands);
  for (Action action : {Action::kProgress, Action::kComplete, Action::kError}) {
    const ActionInfo& info = action_info(action);
    CLI::App* sub =
        add_command(app, globals, info.command,
                    std::string("Record ") + info.name + " (payload: " + info.data_member + ")");
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
        {sub, [&globals, args, action] { return record(globals, action, *args, false); }});
  }
}

}  // namespace mcpr::cli
