// mcp-report-cli's command line: the CLI11 app, built from the command table,
// with the global options; each command filled in by its registration.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "cli/command.h"
#include "cli/exit_status.h"
#include "src/util/failure.h"
#include "src/util/printable.h"
#include "src/util/version.h"

namespace mcpr::cli {

CLI::App* add_command(CLI::App& app, const Globals& globals, const char* name) {
  if (!globals.named_command.empty() && globals.named_command != name) return nullptr;
  for (CLI::App* sub : app.get_subcommands(nullptr))
    if (sub->get_name() == name) return sub;
  throw std::logic_error(std::string("'") + name + "' is not in cli/command_table.cc");
}

namespace {

// CLI11's message in the words of the others ("--spool: an empty value"):
// an option given more often than it takes says so, not CLI11's
// "--spool: At Most 1 required but received 2".
std::string usage_text(const CLI::ParseError& e) {
  const std::string what = e.what();
  const std::string at_most = ": At Most ", received = " required but received ";
  const size_t a = what.find(at_most);
  const size_t r = what.find(received);
  if (a == std::string::npos || r == std::string::npos || r < a) return what;
  const std::string most = what.substr(a + at_most.size(), r - a - at_most.size());
  return what.substr(0, a) + ": given " + what.substr(r + received.size()) + " times, at most " +
         (most == "1" ? std::string("once") : most + " times");
}

const char kDescription[] =
    "Record MCP interaction events into a local spool, instantly and without the\n"
    "network, and deliver them to an MCPCoordinator with `mcp-report flush`.";

const char kFooter[] =
    "Examples:\n"
    "  id=$(mcp-report start user_id=u1 params:='{\"q\":\"x\"}')\n"
    "  mcp-report progress \"$id\" step=2\n"
    "  mcp-report complete \"$id\" success:=true\n"
    "  mcp-report flush -v            # from cron: mcp-report -q -c /abs/config.toml flush\n"
    "See mcp-report(1) for the configuration, the spool and the exit statuses.";

void add_globals(CLI::App& app, Globals& g) {
  // An empty value is a mistake (an unset variable in `--spool "$DIR"`), not
  // "use the default": said, not ignored.
  const CLI::Validator not_empty(
      [](std::string& v) { return v.empty() ? std::string("an empty value") : std::string(); },
      "");
  app.add_option("-c,--config", g.config_file, "Config file (default: search, see man page)")
      ->type_name("FILE")
      ->check(not_empty);
  app.add_option("--spool", g.spool_dir, "Spool folder")->type_name("DIR")->check(not_empty);
  app.add_option("--mcp-id", g.mcp_id, "This MCP's id")->type_name("ID")->check(not_empty);
  app.add_flag("-v,--verbose", g.verbose, "Say more (repeatable)");
  app.add_flag("-q,--quiet", g.quiet, "Say only errors");
  app.set_version_flag("--version", std::string("mcp-report ") + kVersion);
}

}  // namespace


int run_cli(int argc, char** argv, const std::vector<Registration>& registrations) {
  Globals globals;
  globals.named_command = named_command(argc, argv);
  CLI::App app(kDescription, "mcp-report");
  app.footer(kFooter);
  app.fallthrough();  // global options may follow the command
  app.require_subcommand(0, 1);
  add_globals(app, globals);
  // Every command of the table, in its order (the one named, when one is),
  // each filled in by its registration.
  for (size_t i = 0; i < kCommandCount; ++i) {
    const CommandInfo& row = kCommandTable[i];
    if (globals.named_command.empty() || globals.named_command == row.name)
      app.add_subcommand(row.name, row.summary);
  }
  Commands commands;
  for (const Registration& add : registrations) add(app, globals, commands);
  for (CLI::App* sub : app.get_subcommands(nullptr))
    if (std::none_of(commands.begin(), commands.end(),
                     [sub](const Command& c) { return c.app == sub; }))
      throw std::logic_error("no registration for '" + sub->get_name() + "'");

  // `run|proxy ... -- CMD ARG...`: CMD and its arguments are not ours to parse.
  std::vector<char*> args(argv, argv + argc);
  auto dashdash = std::find_if(args.begin() + 1, args.end(),
                               [](const char* a) { return std::strcmp(a, "--") == 0; });
  if (dashdash != args.end() &&
      (globals.named_command == "run" || globals.named_command == "proxy")) {
    globals.wrapped_command.assign(dashdash + 1, args.end());
    args.erase(dashdash, args.end());
  }
  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    std::vector<std::string> rest = app.remaining();
    for (const Command& command : commands) {
      if (!command.app->parsed() || !command.extras) continue;
      try {
        return command.extras(rest);
      } catch (const std::exception& failure) {
        return report_error(failure);
      }
    }
    // A mistyped command name ("flsuh") is said as such, not as a stray argument.
    if (app.get_subcommands().empty() && !rest.empty() && !rest.front().empty() &&
        rest.front()[0] != '-')
      std::cerr << "mcp-report: unknown command '" << printable(rest.front()) << "'\n";
    else
      std::cerr << "mcp-report: usage: " << printable(e.what()) << "\n";
    std::cerr << "mcp-report: hint: see 'mcp-report --help'\n";
    return kExitUsage;
  } catch (const CLI::ParseError& e) {
    std::cerr << "mcp-report: usage: " << printable(usage_text(e)) << "\n"
              << "mcp-report: hint: see 'mcp-report --help'\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    return report_error(e);
  }
  try {
    for (const Command& command : commands)
      if (command.app->parsed()) return command.run();
  } catch (const std::exception& e) {
    return report_error(e);
  }
  std::cerr << app.help();
  return kExitUsage;
}

}  // namespace mcpr::cli
