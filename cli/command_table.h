// Every command, once: its name and the line --help gives it. The
// registrations, named_command(), --help and the bash completion (checked by
// tests/e2e/test_commands.py) all follow this table.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mcpr::cli {

struct CommandInfo {
  const char* name;
  const char* summary;  // one line, for mcp-report --help
};

// In the order --help lists them.
extern const CommandInfo kCommandTable[];
extern const size_t kCommandCount;

// The table's row for `name`, or nullptr.
const CommandInfo* find_command(std::string_view name);

// The command argv names (the first word that is not an option or an
// option's value, if it is a command's name), or "".
std::string named_command(int argc, char** argv);

}  // namespace mcpr::cli
