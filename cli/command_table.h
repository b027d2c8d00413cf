// Every command, once: its name, the line --help gives it, and which of the
// two executables runs it (README.md, Layout). The registrations, the
// dispatch between the executables, --help and the bash completion
// (checked by tests/e2e/test_commands.py) all follow this table.
#pragma once

#include <string_view>

namespace mcpr::cli {

// mcp-report runs every command that does not use the network;
// mcp-report-net, which links libcurl, runs the others.
enum class Executable { kRecording, kNetwork };

// The file name of each executable.
const char* executable_name(Executable executable);

struct CommandInfo {
  const char* name;
  const char* summary;  // one line, for mcp-report --help
  Executable runs_in;
  // An option that moves the command to mcp-report-net when given (before
  // any "--"): proxy --listen, the HTTP proxy, needs libcurl and
  // libmicrohttpd. nullptr for none.
  const char* network_option = nullptr;
};

// In the order --help lists them.
extern const CommandInfo kCommandTable[];
extern const size_t kCommandCount;

// The table's row for `name`, or nullptr.
const CommandInfo* find_command(std::string_view name);

// The executable that runs `row`'s command given these arguments: the
// table's, or mcp-report-net when its network option is among them.
Executable executable_for(const CommandInfo& row, int argc, char** argv);

}  // namespace mcpr::cli
