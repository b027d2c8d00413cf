// start, progress, complete, error: one event each into the spool.
#include <CLI/CLI.hpp>
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
  bool print_traceparent = false;

  RecordRequest request() const {
    RecordRequest r;
    r.id = id;
    r.generate_id = id_option && id_option->count() == 0;
    if (data_option && data_option->count() > 0) r.data = data;
    r.fields = fields;
    r.print_traceparent = print_traceparent;
    return r;
  }
};

const char kDataHelp[] = "Payload members: key=value (string) or key:=json (any JSON value)";

}  // namespace

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
  start->add_flag("--print-traceparent", args->print_traceparent,
                  "Print \"ID TRACEPARENT\": the W3C traceparent naming this interaction's span "
                  "(with sink = \"otlp\" sending traces; else the caller's, or none), for what "
                  "it calls");
  add_data_options(start, *args);
  start->footer(
      "Examples:\n"
      "  id=$(mcp-report start user_id=u1 request_type=search params:='{\"q\":\"x\"}')\n"
      "  mcp-report start --id job-42 --data @request.json input_size:=812\n"
      "  read -r id TRACEPARENT <<EOF\n"
      "  $(mcp-report start --print-traceparent request_type=search)\n"
      "  EOF\n"
      "  export TRACEPARENT     # what this script runs is a child of the interaction's span\n"
      "A TRACEPARENT (and TRACESTATE) in the environment makes the interaction a child of\n"
      "that span: they are recorded in request_data (an invalid one is ignored, with a\n"
      "warning). A TRACESTATE does not go with a traceparent printed for a new trace\n"
      "(warned): unset it where you hand that traceparent on.");
  commands.push_back(
      {start, [&globals, args] { return record(globals, Action::kStart, args->request()); }});
}

}  // namespace

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
