// mcp-report-cli's commands on CLI11: how each is registered from the
// command table and run.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/command_table.h"
#include "cli/front.h"
#include "src/delivery/http_transport.h"
#include "src/util/printable.h"

namespace CLI {
class App;
}

namespace mcpr::cli {

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
// options and footer, or nullptr when the command line names another one
// (only the command named is built, when one is). With no command named
// (--help, a typo), every command is there.
CLI::App* add_command(CLI::App& app, const Globals& globals, const char* name);

// The registrations, one per group of commands.
void add_record_commands(CLI::App& app, Globals& globals, Commands& commands);
void add_run_import_commands(CLI::App& app, Globals& globals, Commands& commands);
void add_config_command(CLI::App& app, Globals& globals, Commands& commands);
void add_spool_commands(CLI::App& app, Globals& globals, Commands& commands);
void add_proxy_command(CLI::App& app, Globals& globals, Commands& commands);
// flush, health and validate-key, on the transport `create_transport` makes.
void add_delivery_commands(CLI::App& app, Globals& globals, Commands& commands,
                           CreateTransport create_transport);
using Registration = std::function<void(CLI::App&, Globals&, Commands&)>;

// Parses argv with CLI11 (every command of the table, each filled in by one
// of `registrations`), runs the chosen command and returns the exit status.
int run_cli(int argc, char** argv, const std::vector<Registration>& registrations);

// Failure (66) when the spool's root folder does not exist: commands that
// only look, and a one-shot flush, never make one (a mistyped path must not
// read as a healthy empty spool).
void require_existing_spool(const Config& config);

}  // namespace mcpr::cli
