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
#include "src/util/child_process.h"
#include "src/event/event.h"
#include "src/util/failure.h"
#include "src/event/fields.h"
#include "src/event/importer.h"
#include "src/event/recorder.h"
#include "src/event/start_recording.h"
#include "src/event/wrapped_run.h"
#include "spool/spool_error.h"
#include "src/util/plural.h"
#include "src/util/time_text.h"

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
  if (globals.wrapped_command.empty())
    throw Failure(kExitUsage, "run", "no command to run",
                  "usage: mcp-report run [DATA...] -- CMD [ARG...]");
  const int64_t now = now_us();
  const bool generated = args.id_option->count() == 0;
  std::string id = generated ? new_interaction_id(now / 1000000) : args.id;
  require_valid_interaction_id(id);
  // Bad DATA is the caller's mistake and stops before CMD runs, like any
  // usage error; failing to record is what --strict is about.
  // A broken config is only a warning for run (CMD still runs), said when
  // the start is recorded; the default max_event_kb then bounds --data.
  std::optional<Config> config;
  std::optional<Failure> config_failure;
  try {
    config.emplace(globals.load_config(Globals::ConfigUse::kRecord));
  } catch (const Failure& f) {
    config_failure = f;
  }
  std::optional<std::string> data;
  if (args.data_option && args.data_option->count() > 0)
    data = read_data_argument(args.data, max_event_bytes((config ? *config : Config{}).max_event_kb));
  std::string payload = build_payload(data, args.fields);
  // The caller's trace context joins the start, as for `start`; CMD's
  // parent is our span only when the start is recorded and that span will
  // be exported.
  StartRecording start(id, caller_trace_from_environment(), now);
  for (const std::string& note : start.join(std::move(payload), config ? config->mcp_id : globals.mcp_id,
                                            config && config->exports_spans(), true))
    globals.warn("run: " + note);
  // An event too large to record is bad DATA too: 65, and CMD does not run.
  std::optional<Recorder> recorder;
  if (config) {
    recorder.emplace(recorder_options(*config));
    start.check(*recorder);
  }

  // Records with `body`; a failure is a warning, or with --strict the end.
  auto attempt = [&](const char* what, auto&& body) {
    auto warn_or_rethrow = [&](const std::exception& e) {
      if (args.strict) throw;
      globals.warn(std::string("run: could not record ") + what + ": " + e.what());
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
  ChildResult result = run_child(globals.wrapped_command,
                                 run_environment(id, config, globals.overrides(), &handed));
  if (!result.started)
    std::cerr << "mcp-report: run: cannot run '" << printable(globals.wrapped_command[0])
              << "': " << std::strerror(result.exec_errno) << '\n';
  if (recorder) {
    auto [action, end_payload] = run_end_payload(result, globals.wrapped_command[0]);
    attempt(action_info(action).name, [&, action = action, &end_payload = end_payload] {
      recorder->record(action, id, end_payload, now_us());
    });
  }
  return result.shell_status();
}

struct ImportArgs {
  std::string source;   // FILE, or "" / "-" for standard input
  std::string rejects;  // --rejects FILE, or ""
};

// "spooled 3 events, 1 already in the spool, 2 rejected (set aside in FILE)"
std::string import_summary(const ImportResult& r, const std::string& rejects) {
  return "import: spooled " + plural(r.imported, "event") + ", " + std::to_string(r.duplicates) +
         " already in the spool, " + std::to_string(r.bad) + " rejected" +
         (r.bad && !rejects.empty() ? " (set aside in " + rejects + ")" : "");
}

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
  // A wrong file has a bad line everywhere: show the first few, then count.
  constexpr unsigned kShownBadLines = 10;
  unsigned shown = 0;
  ImportResult r = import_events(recorder, *in, [&](const RejectedLine& bad) {
    if (rejects) rejects->add(bad.text);
    if (shown++ < kShownBadLines)
      std::cerr << "mcp-report: import: " << printable(label) << ":" << bad.number << ": "
                << printable(bad.why) << '\n';
  });
  if (rejects) rejects->commit();
  // Nothing at all to import is no migration: `sqlite3 … | mcp-report import -`
  // whose sqlite3 failed must not exit 0 to a script that then deletes the cache.
  if (r.imported + r.duplicates + r.bad == 0)
    throw Failure(kExitNoInput, "import: " + label,
                  "holds no lines to import (did the command that feeds it fail?)");
  if (r.bad > kShownBadLines)
    std::cerr << "mcp-report: import: " << printable(label) << ": " << r.bad - kShownBadLines
              << " more bad lines not shown (" << r.bad << " in all)\n";
  if (!config.enabled)
    globals.warn("import: logging is disabled (enable_interaction_logging = false): the events "
                 "are spooled, and flush sends them once it is enabled");
  // Said to a person at a terminal; cron and scripts get it with -v.
  if (globals.verbose > 0 || ::isatty(STDERR_FILENO))
    globals.say(import_summary(r, args.rejects));
  return r.bad ? kExitDataErr : kExitOk;
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
        "sends traces, no span is exported and the caller's is left as it is) and its\n"
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
