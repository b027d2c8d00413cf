#include "cli/command_table.h"

namespace mcpr::cli {

const char* executable_name(Executable executable) {
  return executable == Executable::kNetwork ? "mcp-report-net" : "mcp-report";
}

constexpr Executable kRec = Executable::kRecording;
constexpr Executable kNet = Executable::kNetwork;

const CommandInfo kCommandTable[] = {
    {"start", "Record interaction_start; prints the id", kRec},
    {"progress", "Record interaction_progress (payload: progress_data)", kRec},
    {"complete", "Record interaction_complete (payload: result_data)", kRec},
    {"error", "Record interaction_error (payload: error_data)", kRec},
    {"run", "Run CMD between interaction_start and interaction_complete/error", kRec},
    {"import", "Spool whole events, one JSON object per line", kRec},
    {"flush", "Send what is due to the coordinator (or the OTLP endpoint)", kNet},
    {"health", "Check that the coordinator (or the OTLP endpoint) answers", kNet},
    {"validate-key",
     "Check that the coordinator accepts the API key (or the OTLP endpoint our headers)", kNet},
    {"status", "Counts, ages, next attempt and the last flush", kRec},
    {"list", "List events, oldest first, with their handles", kRec},
    {"show", "Show one event: file, state, reason and body", kRec},
    {"requeue", "Put dead (or mended corrupt) events back in the queue", kRec},
    {"delete", "Remove events for good", kRec},
    {"cleanup", "Sweep stale tmp files, expire old events", kRec},
    {"config", "Show the effective configuration, each value with its source", kRec},
    {"proxy",
     "Run an MCP server (stdio), or stand before one over HTTP, and record each request it "
     "serves",
     kRec, "--listen"},
};
const size_t kCommandCount = sizeof kCommandTable / sizeof kCommandTable[0];

const CommandInfo* find_command(std::string_view name) {
  for (size_t i = 0; i < kCommandCount; ++i)
    if (name == kCommandTable[i].name) return &kCommandTable[i];
  return nullptr;
}

Executable executable_for(const CommandInfo& row, int argc, char** argv) {
  if (row.network_option) {
    const std::string_view option = row.network_option;
    for (int i = 1; i < argc; ++i) {
      const std::string_view arg = argv[i];
      if (arg == "--") break;
      if (arg == option || (arg.substr(0, option.size()) == option && arg[option.size()] == '='))
        return Executable::kNetwork;
    }
  }
  return row.runs_in;
}

}  // namespace mcpr::cli
