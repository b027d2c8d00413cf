#include "cli/command_table.h"

#include <string>

namespace mcpr::cli {

const CommandInfo kCommandTable[] = {
    {"start", "Record interaction_start; prints the id"},
    {"progress", "Record interaction_progress (payload: progress_data)"},
    {"complete", "Record interaction_complete (payload: result_data)"},
    {"error", "Record interaction_error (payload: error_data)"},
    {"run", "Run CMD between interaction_start and interaction_complete/error"},
    {"import", "Spool whole events, one JSON object per line"},
    {"flush", "Send what is due to the coordinator (or the OTLP endpoint)"},
    {"health", "Check that the coordinator (or the OTLP endpoint) answers"},
    {"validate-key",
     "Check that the coordinator accepts the API key (or the OTLP endpoint our headers)"},
    {"status", "Counts, ages, next attempt and the last flush"},
    {"list", "List events, oldest first, with their handles"},
    {"show", "Show one event: file, state, reason and body"},
    {"requeue", "Put dead (or mended corrupt) events back in the queue"},
    {"delete", "Remove events for good"},
    {"cleanup", "Sweep stale tmp files, expire old events"},
    {"config", "Show the effective configuration, each value with its source"},
    {"proxy",
     "Run an MCP server (stdio), or stand before one over HTTP, and record each request it "
     "serves"},
};
const size_t kCommandCount = sizeof kCommandTable / sizeof kCommandTable[0];

const CommandInfo* find_command(std::string_view name) {
  for (size_t i = 0; i < kCommandCount; ++i)
    if (name == kCommandTable[i].name) return &kCommandTable[i];
  return nullptr;
}

std::optional<GlobalOption> global_option(std::string_view word) {
  using G = GlobalOption;
  if (word == "-c" || word == "--config") return G{G::kConfig, true};
  if (word == "--spool") return G{G::kSpool, true};
  if (word == "--mcp-id") return G{G::kMcpId, true};
  if (word == "-v" || word == "--verbose") return G{G::kVerbose, false};
  if (word == "-q" || word == "--quiet") return G{G::kQuiet, false};
  // A cluster of short flags takes the next word when -c ends it (-vc FILE).
  if (word.size() > 1 && word[0] == '-' && word[1] != '-')
    return G{G::kShortFlags, word.find('c', 1) == word.size() - 1};
  return std::nullopt;
}

// The first word that is not an option or a global option's value, if it
// names a command.
std::string named_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    if (const std::optional<GlobalOption> global = global_option(arg)) {
      if (global->takes_value) ++i;
      continue;
    }
    if (!arg.empty() && arg[0] == '-') continue;
    return find_command(arg) ? arg : "";
  }
  return "";
}

}  // namespace mcpr::cli
