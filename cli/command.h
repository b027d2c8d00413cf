// What every subcommand shares: the global options, the effective config and
// the way output and warnings are printed.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cli/command_table.h"
#include "src/config/config.h"
#include "src/delivery/http_transport.h"
#include "src/event/event.h"
#include "src/util/printable.h"

namespace CLI {
class App;
}

namespace mcpr::cli {

struct Globals {
  std::string config_file;
  std::string spool_dir;
  std::string mcp_id;
  int verbose = 0;
  bool quiet = false;
  std::vector<std::string> wrapped_command;  // what follows "--" after run or proxy
  std::string named_command;                 // the command the command line names, "" if none

  // Loads the configuration and prints its warnings (unless -q).
  Config load_config() const;
  // What the command line says of the configuration (-c, --spool, --mcp-id).
  ConfigOverrides overrides() const { return {config_file, spool_dir, mcp_id}; }
  void warn(const std::string& message) const;
  void note(const std::string& message) const;  // printed with -v only
  void say(const std::string& message) const;   // printed unless -q
};

// What start, progress, complete and error take, however it was parsed.
struct RecordRequest {
  std::string id;
  bool generate_id = false;         // start without --id
  std::optional<std::string> data;  // --data as given, when given
  std::vector<std::string> fields;  // key=value, key:=json
};

// Records one event (the id printed first for start, even when recording
// fails). Throws Failure.
int record(const Globals& globals, Action action, const RecordRequest& request);

// A recording command line in its plain form (global options, the command,
// --id/--data with their values as separate words, the id and DATA words),
// parsed without building CLI11's objects, which cost a recording more than
// its system calls. nullopt for anything else (--help, --opt=value, "--",
// repeated options, unknown options, a missing id): CLI11 then parses it,
// with the same meaning and its own errors.
struct SimpleRecording {
  Globals globals;
  Action action = Action::kStart;
  RecordRequest request;
};
std::optional<SimpleRecording> parse_simple_recording(int argc, char** argv);

// A registered subcommand and what runs it once the command line is parsed.
struct Command {
  CLI::App* app;
  std::function<int()> run;
  // What the command says of words it did not take (CLI11's "not expected"),
  // when it knows better; it throws Failure. Empty: CLI11's own message.
  std::function<int(const std::vector<std::string>&)> extras = nullptr;
};

using Commands = std::vector<Command>;

// The subcommand `name` (a row of cli/command_table.h), to fill in with its
// options and footer, or nullptr when the command line names another one:
// building CLI11's objects for every command would cost a recording more
// than all its other work. With no command named (--help, a typo), every
// command is there.
CLI::App* add_command(CLI::App& app, const Globals& globals, const char* name);

// The registrations, each for the executable the table says runs them.
void add_record_commands(CLI::App& app, Globals& globals, Commands& commands);
void add_run_import_commands(CLI::App& app, Globals& globals, Commands& commands);
void add_config_command(CLI::App& app, Globals& globals, Commands& commands);
void add_spool_commands(CLI::App& app, Globals& globals, Commands& commands);
void add_proxy_command(CLI::App& app, Globals& globals, Commands& commands);
// flush, health and validate-key, on the transport `create_transport` makes.
void add_delivery_commands(CLI::App& app, Globals& globals, Commands& commands,
                           CreateTransport create_transport);

// The command argv names (the first word that is not an option or an
// option's value, if it is a command's name), or "".
std::string named_command(int argc, char** argv);

// One executable: the commands it runs, and what it does with the others.
struct Program {
  Executable self;
  std::vector<std::function<void(CLI::App&, Globals&, Commands&)>> add_commands;
  // A command line run before (and without) CLI11, or nullopt for CLI11 to
  // parse: the recording fast path of mcp-report.
  std::optional<int> (*fast_path)(int argc, char** argv) = nullptr;
  // Runs a command of the other executable with the whole command line;
  // returns (the exit status) only when it cannot. nullptr: say which
  // executable runs it (exit 64).
  int (*hand_over)(int argc, char** argv) = nullptr;
};

// main() of each executable: standard fds held, the fast path, a command of
// the other executable handed over, then CLI11; standard output flushed.
int run_program(int argc, char** argv, const Program& program);

// mcp-report's hand-over: execs mcp-report-net (beside this binary, or where
// it is installed) with the same argv. When there is none, throws Failure
// (69) naming each path it looked for.
int run_network_executable(int argc, char** argv);

// The recording fast path (parse_simple_recording, then record), or nullopt.
std::optional<int> record_simple_command_line(int argc, char** argv);

// Parses argv with CLI11, runs the chosen command and returns the exit status.
int run_cli(int argc, char** argv, const Program& program);
// Flushes standard output: when that fails (a full disk, a closed file),
// one line on stderr and exit 74 instead of a success whose output is lost.
int finish_output(int exit_status);

// Failure (66) when the spool's root folder does not exist: commands that
// only look, and a one-shot flush, never make one (a mistyped path must not
// read as a healthy empty spool).
void require_existing_spool(const Config& config);

// The most --data may read: an event cannot be larger anyway.
inline size_t data_limit(const Config& config) {
  return static_cast<size_t>(config.max_event_kb) * 1024;
}

}  // namespace mcpr::cli
