// run (wrap a command between start and complete/error) and import (whole
// events from the old reporter's cache).
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "src/util/failure.h"
#include "src/event/importer.h"
#include "src/event/recorder.h"
#include "src/event/wrapped_run.h"

namespace mcpr::cli {
namespace {

struct RunArgs {
  std::string id;
  CLI::Option* id_option = nullptr;
  bool strict = false;
  std::string data;
  CLI::Option* data_option = nullptr;  // to tell --data '' from absent
  std::vector<std::string> fields;
};

int run(const Globals& globals, const RunArgs& args) {
  RunRequest request;
  request.command = globals.wrapped_command;
  if (args.id_option->count() > 0) request.id = args.id;
  request.strict = args.strict;
  if (args.data_option && args.data_option->count() > 0) request.data = args.data;
  request.fields = args.fields;
  request.flags = globals.overrides();
  RunWorld world;
  world.load_config = [&globals] { return globals.load_config(Globals::ConfigUse::kRecord); };
  world.warn = [&globals](const std::string& line) { globals.warn(line); };
  world.error = [](const std::string& line) { std::cerr << "mcp-report: " << line << '\n'; };
  world.caller = caller_trace_from_environment();
  world.now_us = now_us();
  return run_wrapped(request, world);
}

struct ImportArgs {
  std::string source;   // FILE, or "" / "-" for standard input
  std::string rejects;  // --rejects FILE, or ""
};

int import(const Globals& globals, const ImportArgs& args) {
  Config config = globals.load_config(Globals::ConfigUse::kLook);
  std::ifstream file;
  std::istream* in = &std::cin;
  const std::string& source = args.source;
  if (!source.empty() && source != "-") {
    struct stat st;
    if (::stat(source.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      throw Failure(kExitNoInput, "import: " + source, "is a directory, not a file");
    file.open(source, std::ios::binary);
    if (!file) throw Failure(kExitNoInput, "import: " + source, std::strerror(errno));
    in = &file;
  }
  // The spool is refused before any input is read or set aside, as every
  // command refuses it, whether the input holds events or not.
  Recorder recorder(recorder_options(config));
  recorder.open_spool();
  std::optional<RejectsFile> rejects;
  if (!args.rejects.empty()) rejects.emplace(args.rejects);
  const std::string label = source.empty() || source == "-" ? "stdin" : source;
  const ImportRun run = import_input(recorder, *in, label, rejects ? &*rejects : nullptr,
                                     [](const std::string& line) {
                                       std::cerr << "mcp-report: " << line << '\n';
                                     });
  if (!config.enabled)
    globals.warn("import: logging is disabled (enable_interaction_logging = false): the events "
                 "are spooled, and flush sends them once it is enabled");
  // Said to a person at a terminal; cron and scripts get it with -v.
  if (globals.verbose > 0 || ::isatty(STDERR_FILENO))
    globals.say(import_summary(run.counts, args.rejects));
  return run.exit_status;
}

}  // namespace

void add_run_import_commands(CLI::App& app, Globals& globals, Commands& commands) {
  auto a = std::make_shared<RunArgs>();
  if (CLI::App* run_cmd = add_command(app, globals, "run")) {
    a->id_option = run_cmd->add_option("--id", a->id, "Interaction id (default: int_<secs>_<hex>)")
                       ->type_name("ID");
    run_cmd->add_flag("--strict", a->strict,
                      "Fail (and do not run CMD) when the event cannot be recorded");
    a->data_option = run_cmd->add_option("--data", a->data, "Start payload: JSON text, @FILE, or - for stdin")
        ->type_name("JSON|@FILE|-");
    run_cmd->add_option("data", a->fields, "Start payload members: key=value or key:=json")
        ->type_name("DATA... -- CMD [ARG...]");
    run_cmd->footer(
        "CMD runs with MCP_REPORT_INTERACTION_ID set, TRACEPARENT naming the interaction's\n"
        "span (a TRACEPARENT given to run is the span's parent; unless sink = \"otlp\"\n"
        "sends traces, no span is exported and the caller's is left as it is; a TRACESTATE\n"
        "goes along only with the caller's valid TRACEPARENT, never with a new trace) and its\n"
        "stdio untouched; mcp-report exits with CMD's status (128+N for signal N).\n"
        "Examples:\n"
        "  mcp-report run user_id=u1 -- ./summarize.sh input.txt\n"
        "  mcp-report run --id job-7 -- sh -c 'mcp-report progress \"$MCP_REPORT_INTERACTION_ID\" "
        "step=1; make'");
    commands.push_back({run_cmd, [&globals, a] { return run(globals, *a); }});
  }

  auto import_args = std::make_shared<ImportArgs>();
  if (CLI::App* imp = add_command(app, globals, "import")) {
    imp->add_option("file", import_args->source, "NDJSON file, or - for stdin (default)")
        ->type_name("FILE|-");
    imp->add_option("--rejects", import_args->rejects,
                    "Write the lines that cannot be imported here, byte for byte")
        ->type_name("FILE");
    imp->footer(
        "Spools even with logging disabled (a migration). The summary (spooled, already\n"
        "there, rejected) is printed on a terminal, or with -v. An input with no lines\n"
        "at all is exit 66. Exit 0 means every line is in the spool.\n"
        "Example (migrating the old reporter's cache; pipefail makes a failed sqlite3\n"
        "fail the pipeline):\n"
        "  set -o pipefail\n"
        "  sqlite3 cache.db 'SELECT interaction_data FROM failed_interactions' |\n"
        "    mcp-report import --rejects rejected.ndjson - && rm cache.db");
    commands.push_back({imp, [&globals, import_args] { return import(globals, *import_args); }});
  }
}

}  // namespace mcpr::cli
