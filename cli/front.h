// The front door without CLI11: what both executables share (the global
// options, the effective config, the way warnings, errors and output end)
// and what mcp-report runs itself (recording a plain recording command
// line). No CLI11 and no iostreams behind it (README.md, Layout).
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "src/config/config.h"
#include "src/event/event.h"

namespace mcpr::cli {

struct Globals {
  std::string config_file;
  std::string spool_dir;
  std::string mcp_id;
  int verbose = 0;
  bool quiet = false;
  std::vector<std::string> wrapped_command;  // what follows "--" after run or proxy
  std::string named_command;                 // the command the command line names, "" if none

  // What a command does with the configuration, which says which of its
  // warnings it prints (man page CONFIGURATION), each once, never under -q.
  enum class ConfigUse {
    kRecord,   // recording commands: none (a wrapper prints nothing per event)
    kLook,     // status, list, ...: unknown keys, with -v
    kDeliver,  // flush, health, validate-key, config: unknown keys, secrets others can read
  };
  // Loads the configuration and prints the warnings `use` calls for.
  Config load_config(ConfigUse use) const;
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
  bool print_traceparent = false;   // start: print "ID TRACEPARENT"
};

// Records one event (the id printed first for start, even when recording
// fails; with TRACEPARENT/TRACESTATE in the environment, a start joins that
// trace). Throws Failure.
int record(const Globals& globals, Action action, const RecordRequest& request);

// A recording command line in its plain form: the global options, start,
// progress, complete or error, --id and --data with their values as
// separate words, start's --print-traceparent, the id and the DATA words. mcp-report records such a line
// itself, without CLI11 (whose objects and iostreams would cost a recording
// more than its system calls); it hands anything else (--help, --opt=value,
// "--", repeated or unknown options, a missing id) to mcp-report-cli, where
// CLI11 parses it with the same meaning and its own errors
// (tests/e2e/test_recorder.py compares the two).
struct SimpleRecording {
  Globals globals;
  Action action = Action::kStart;
  RecordRequest request;
};
std::optional<SimpleRecording> parse_simple_recording(int argc, char** argv);

// mcp-report's main(): records a plain recording command line and hands
// anything else to mcp-report-cli by exec (cli/recorder.cc).
int run_recorder(int argc, char** argv);

// What both executables do first: a standard fd we were started without is
// held by /dev/null.
void hold_closed_standard_fds();
// One line (and a hint) on stderr for an error that reached the front door;
// returns its exit status.
int report_error(const std::exception& error);
// Flushes standard output; false when it fails (a full disk, a closed file).
bool flush_stdout();
// Flushes standard output: when that fails (now or before), one line on
// stderr and exit 74 instead of a success whose output is lost.
int finish_output(int exit_status);

}  // namespace mcpr::cli
