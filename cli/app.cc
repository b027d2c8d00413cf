#include <fcntl.h>
#include <unistd.h>

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

Config Globals::load_config() const {
  Config config = mcpr::load_config(overrides(),
                                    [](const char* name) { return std::getenv(name); });
  for (const std::string& w : config.warnings) warn(w);
  return config;
}

void Globals::warn(const std::string& message) const {
  if (!quiet) std::cerr << "mcp-report: warning: " << printable(message) << '\n';
}

void Globals::note(const std::string& message) const {
  if (verbose > 0) say(message);
}

void Globals::say(const std::string& message) const {
  if (!quiet) std::cerr << "mcp-report: " << printable(message) << '\n';
}

CLI::App* add_command(CLI::App& app, const Globals& globals, const char* name) {
  if (!globals.named_command.empty() && globals.named_command != name) return nullptr;
  for (CLI::App* sub : app.get_subcommands(nullptr))
    if (sub->get_name() == name) return sub;
  throw std::logic_error(std::string("'") + name + "' is not in cli/command_table.cc");
}

namespace {

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

// The first word that is not an option or an option's value, if it names a
// command.
std::string named_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    // A global option whose value is the next word: --spool DIR, -c FILE,
    // and -c ending a cluster of short flags (-vc FILE), as CLI11 reads them.
    const bool cluster = arg.size() > 1 && arg[0] == '-' && arg[1] != '-';
    if (arg == "--config" || arg == "--spool" || arg == "--mcp-id" ||
        (cluster && arg.find('c', 1) == arg.size() - 1)) {
      ++i;
      continue;
    }
    if (!arg.empty() && arg[0] == '-') continue;
    return find_command(arg) ? arg : "";
  }
  return "";
}

namespace {

int report(const std::exception& error) {
  ErrorReport r = describe_error(error);
  std::cerr << "mcp-report: " << printable(r.message) << '\n';
  if (!r.hint.empty()) std::cerr << "mcp-report: hint: " << printable(r.hint) << '\n';
  return r.exit_status;
}

}  // namespace

int finish_output(int exit_status) {
  std::cout.flush();
  if (std::fflush(stdout) == 0 && !std::ferror(stdout) && std::cout) return exit_status;
  const int err = errno;
  std::cerr << "mcp-report: standard output: " << (err ? std::strerror(err) : "write error")
            << " (what the command printed is lost)\n";
  return exit_status == kExitOk ? kExitIoErr : exit_status;
}

namespace {

// A standard fd we were started without (`<&-`, `>&-`) is held by /dev/null,
// opened read-only: otherwise the next pipe or file we open would become fd
// 0, 1 or 2 (the proxy once read its own pipe as its stdin and never ended).
// Reads then see an end of input and writes fail (exit 74), as they would
// have on the closed fd.
void hold_closed_standard_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int held = ::open("/dev/null", O_RDONLY);
    if (held >= 0 && held != fd) ::close(held);  // not the lowest free fd: leave it be
  }
}

// A command of the other executable, run from this one.
int hand_over(const Program& program, const char* command, int argc, char** argv) {
  if (program.hand_over) return program.hand_over(argc, argv);
  std::cerr << "mcp-report: " << command << ": run by "
            << executable_name(executable_for(*find_command(command), argc, argv)) << ", not by "
            << executable_name(program.self) << "\nmcp-report: hint: run 'mcp-report "
            << command << "'\n";
  return kExitUsage;
}

}  // namespace

int run_program(int argc, char** argv, const Program& program) {
  hold_closed_standard_fds();
  if (program.fast_path) {
    try {
      if (std::optional<int> status = program.fast_path(argc, argv)) return finish_output(*status);
    } catch (const std::exception& e) {
      return finish_output(report(e));
    }
  }
  const std::string named = named_command(argc, argv);
  if (!named.empty() && executable_for(*find_command(named), argc, argv) != program.self) {
    try {
      return hand_over(program, named.c_str(), argc, argv);
    } catch (const std::exception& e) {
      return report(e);
    }
  }
  return finish_output(run_cli(argc, argv, program));
}

int run_cli(int argc, char** argv, const Program& program) {
  Globals globals;
  globals.named_command = named_command(argc, argv);
  CLI::App app(kDescription, "mcp-report");
  app.footer(kFooter);
  app.fallthrough();  // global options may follow the command
  app.require_subcommand(0, 1);
  add_globals(app, globals);
  // Every command of the table, in its order (the one named, when one is),
  // filled in by the registrations of this executable.
  for (size_t i = 0; i < kCommandCount; ++i) {
    const CommandInfo& row = kCommandTable[i];
    if (globals.named_command.empty() || globals.named_command == row.name)
      app.add_subcommand(row.name, row.summary);
  }
  Commands commands;
  for (const auto& add : program.add_commands) add(app, globals, commands);
  for (CLI::App* sub : app.get_subcommands(nullptr)) {
    const CommandInfo& row = *find_command(sub->get_name());
    const bool registered = std::any_of(commands.begin(), commands.end(),
                                        [sub](const Command& c) { return c.app == sub; });
    // A command with a network option (proxy --listen) is in both.
    const bool ours = row.runs_in == program.self || row.network_option;
    if (registered != ours)
      throw std::logic_error(std::string("'") + row.name + "' is registered by the wrong executable");
    if (registered) continue;
    // The other executable's: everything after it is that one's to parse.
    sub->prefix_command();
    commands.push_back({sub, [&program, &row, argc, argv] {
                          return hand_over(program, row.name, argc, argv);
                        }});
  }

  // `run|proxy ... -- CMD ARG...`: CMD and its arguments are not ours to parse.
  std::vector<char*> args(argv, argv + argc);
  auto dashdash = std::find_if(args.begin() + 1, args.end(),
                               [](const char* a) { return std::strcmp(a, "--") == 0; });
  auto run_word = std::find_if(args.begin() + 1, dashdash,
                               [](const char* a) {
                                 return std::strcmp(a, "run") == 0 || std::strcmp(a, "proxy") == 0;
                               });
  if (dashdash != args.end() && run_word != dashdash) {
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
        return report(failure);
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
    std::cerr << "mcp-report: usage: " << printable(e.what()) << "\n"
              << "mcp-report: hint: see 'mcp-report --help'\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    return report(e);
  }
  try {
    for (const Command& command : commands)
      if (command.app->parsed()) return command.run();
  } catch (const std::exception& e) {
    return report(e);
  }
  std::cerr << app.help();
  return kExitUsage;
}

}  // namespace mcpr::cli
