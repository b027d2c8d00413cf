// Every command, once: its name and the line --help gives it. The
// registrations, named_command(), --help and the bash completion (checked by
// tests/e2e/test_commands.py) all follow this table.
#pragma once

#include <cstddef>
#include <optional>
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

// A global option, as CLI11 reads it before or after the command name.
struct GlobalOption {
  enum Name {
    kConfig,      // -c, --config FILE
    kSpool,       // --spool DIR
    kMcpId,       // --mcp-id ID
    kVerbose,     // -v, --verbose
    kQuiet,       // -q, --quiet
    kShortFlags,  // any other word of one dash and letters (-vv, -vq, -vc FILE)
  };
  Name name;
  bool takes_value;  // the next word is its value (-c ending a cluster too)
};

// What `word` is as a global option, or nothing when it is not one (a word
// without a dash, or an option of two dashes not named above). Every reader
// of the command line that skips the global options before the command name
// asks this.
std::optional<GlobalOption> global_option(std::string_view word);

// The command argv names (the first word that is not an option or a global
// option's value, if it is a command's name), or "".
std::string named_command(int argc, char** argv);

}  // namespace mcpr::cli
