// proxy: run an MCP server (stdio transport) and record its requests.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "src/proxy/proxy.h"
#include "src/util/failure.h"

namespace mcpr::cli {
namespace {

struct ProxyArgs {
  std::string methods = "tools/call,resources/read,prompts/get";
  std::string capture;
};

// --capture arguments,results
void parse_capture(const std::string& list, TrackerOptions* options) {
  size_t start = 0;
  while (start <= list.size() && !list.empty()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    const std::string item = list.substr(start, comma - start);
    if (item == "arguments") options->capture_arguments = true;
    else if (item == "results") options->capture_results = true;
    else if (!item.empty())
      throw Failure(kExitUsage, "--capture '" + item + "'", "not arguments or results");
    start = comma + 1;
  }
}

// The configuration to record with, or nullopt (with one warning) when
// recording cannot work: the server must run all the same.
std::optional<Config> recording_config(const Globals& globals) {
  try {
    Config config = globals.load_config();
    if (!config.enabled) {
      globals.warn("proxy: enable_interaction_logging = false: forwarding without recording");
      return std::nullopt;
    }
    if (config.mcp_id.empty()) {
      globals.warn(
          "proxy: mcp_id is not set ([mcp] mcp_id, MCP_REPORT_MCP_ID or --mcp-id): forwarding "
          "without recording");
      return std::nullopt;
    }
    return config;
  } catch (const Failure& f) {
    globals.warn(std::string("proxy: ") + f.what() + ": forwarding without recording");
    return std::nullopt;
  }
}

// Words before "--" that are not our options: most likely the server's
// command, given without the "--" that must precede it.
int refuse_extras(const std::vector<std::string>& extras) {
  const std::string first = extras.empty() ? "" : extras.front();
  if (first.empty() || first[0] == '-')
    throw Failure(kExitUsage, "proxy", "unknown option '" + printable(first) + "'",
                  "see 'mcp-report proxy --help'");
  std::string command;
  for (const std::string& word : extras) command += " " + printable(word);
  throw Failure(kExitUsage, "proxy '" + printable(first) + "'", "put -- before the server command",
                "mcp-report proxy [OPTIONS] --" + command);
}

int proxy(const Globals& globals, const ProxyArgs& args) {
  if (globals.wrapped_command.empty())
    throw Failure(kExitUsage, "proxy", "no server command",
                  "usage: mcp-report proxy [OPTIONS] -- CMD [ARG...]");
  ProxyRun run;
  run.command = globals.wrapped_command;
  run.tracker.methods = MethodFilter::parse(args.methods);
  for (const std::string& warning : run.tracker.methods.warnings())
    globals.warn("proxy: --methods: " + warning + ": nothing is recorded for it");
  parse_capture(args.capture, &run.tracker);
  std::optional<Config> config = recording_config(globals);
  if (config) {
    run.config = &*config;
    // Room for the envelope around the payload (action, ids, timestamp).
    const int64_t limit = config->max_event_kb * 1024 - 256 - static_cast<int64_t>(config->mcp_id.size());
    run.tracker.max_payload_bytes = limit > 0 ? static_cast<size_t>(limit) : 1;
  }
  ProxyOutcome outcome = run_proxy(run);
  if (!outcome.child.started)
    std::cerr << "mcp-report: proxy: cannot run '" << printable(run.command[0])
              << "': " << std::strerror(outcome.child.exec_errno) << '\n';
  if (outcome.dropped > 0 || outcome.unseen_lines > 0) {
    // Lines the tracker never saw hold an unknown number of events (a
    // request's start and end, an answer's end, or none): said apart.
    std::string what = std::to_string(outcome.dropped) + " events not recorded";
    if (outcome.unseen_lines > 0)
      what += " and " + std::to_string(outcome.unseen_lines) +
              " messages not looked at (their calls are not recorded)";
    globals.warn("proxy: " + what + ": " + outcome.drop_reason);
    count_proxy_drops(*config, outcome);
  }
  globals.note("proxy: recorded " + std::to_string(outcome.recorded) + " events");
  if (outcome.writer_stuck) {
    std::cerr.flush();
    std::cout.flush();
    ::_exit(outcome.child.shell_status());
  }
  return outcome.child.shell_status();
}

}  // namespace

void add_proxy_command(CLI::App& app, Globals& globals, Commands& commands) {
  auto args = std::make_shared<ProxyArgs>();
  CLI::App* sub = add_command(app, globals, "proxy",
                              "Run an MCP server (stdio) and record each request it serves");
  if (!sub) return;
  sub->add_option("--methods", args->methods,
                  "Requests to record, comma-separated, or all (default: "
                  "tools/call,resources/read,prompts/get)")
      ->type_name("LIST|all");
  sub->add_option("--capture", args->capture,
                  "Also record argument values and/or results (default: names only)")
      ->type_name("arguments,results");
  sub->footer(
      "Every byte passes unchanged both ways; stderr is the server's; the exit status\n"
      "is the server's (128+N for signal N). Recording failures never touch the stream:\n"
      "events are dropped and counted (a warning, and in `mcp-report status`).\n"
      "Example (the command of an MCP client's server entry):\n"
      "  mcp-report proxy --mcp-id files_01 -- npx -y @modelcontextprotocol/server-filesystem "
      "/data\n"
      "  {\"command\": \"mcp-report\", \"args\": [\"proxy\", \"--mcp-id\", \"files_01\", "
      "\"--\", \"npx\", \"-y\", \"@modelcontextprotocol/server-filesystem\", \"/data\"]}");
  commands.push_back({sub, [&globals, args] { return proxy(globals, *args); }, refuse_extras});
}

}  // namespace mcpr::cli
