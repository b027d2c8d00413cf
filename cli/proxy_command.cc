// proxy: run an MCP server (stdio transport) and record its requests.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "cli/proxy_command.h"
#include "src/proxy/proxy.h"
#include "src/util/failure.h"

namespace mcpr::cli {
namespace {

// The proxy's lines, as the global options say them.
ProxySay say(const Globals& globals) {
  return {[&globals](const std::string& line) { globals.warn(line); },
          [&globals](const std::string& line) { globals.note(line); }};
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
  if (!args.listen.empty() || !args.upstream.empty()) {
    if (args.listen.empty() || args.upstream.empty())
      throw Failure(kExitUsage, "proxy", args.listen.empty() ? "--upstream without --listen"
                                                             : "--listen without --upstream",
                    "usage: mcp-report proxy --listen HOST:PORT --upstream URL");
    if (!globals.wrapped_command.empty())
      throw Failure(kExitUsage, "proxy", "--listen with a server command",
                    "the HTTP proxy forwards to --upstream; give no -- CMD");
    return http_proxy(globals, args);
  }
  if (globals.wrapped_command.empty())
    throw Failure(kExitUsage, "proxy", "no server command",
                  "usage: mcp-report proxy [OPTIONS] -- CMD [ARG...], or --listen HOST:PORT "
                  "--upstream URL");
  ProxyRun run;
  run.command = globals.wrapped_command;
  const ProxyRecording recording = proxy_recording(globals, args);
  run.tracker = recording.tracker;
  if (recording.config) run.config = &*recording.config;
  ProxyOutcome outcome = run_proxy(run);
  if (!outcome.child.started)
    std::cerr << "mcp-report: proxy: cannot run '" << printable(run.command[0])
              << "': " << std::strerror(outcome.child.exec_errno) << '\n';
  report_proxy_recording(globals, recording, outcome.recording);
  if (outcome.recording.writer_stuck) {
    std::cerr.flush();
    std::cout.flush();
    ::_exit(outcome.child.shell_status());
  }
  return outcome.child.shell_status();
}

}  // namespace

ProxyRecording proxy_recording(const Globals& globals, const ProxyArgs& args) {
  return mcpr::proxy_recording(
      args.methods, args.capture,
      [&globals] { return globals.load_config(Globals::ConfigUse::kRecord); }, say(globals));
}

void report_proxy_recording(const Globals& globals, const ProxyRecording& recording,
                            const RecordingOutcome& outcome) {
  mcpr::report_proxy_recording(recording, outcome, say(globals));
}

void add_proxy_command(CLI::App& app, Globals& globals, Commands& commands) {
  auto args = std::make_shared<ProxyArgs>();
  CLI::App* sub = add_command(app, globals, "proxy");
  if (!sub) return;
  // An empty value is a usage error, as for every option; repeated, the
  // lists of --methods and of --capture combine (CLI11 joins them with
  // newlines).
  const CLI::Validator not_empty(
      [](std::string& v) { return v.empty() ? std::string("an empty value") : std::string(); },
      "");
  sub->add_option("--methods", args->methods,
                  "Requests to record, comma-separated, or all (default: "
                  "tools/call,resources/read,prompts/get; repeated, the lists combine)")
      ->type_name("LIST|all")
      ->check(not_empty)
      ->multi_option_policy(CLI::MultiOptionPolicy::Join);
  sub->add_option("--capture", args->capture,
                  "Also record argument values and/or results (default: names only; "
                  "repeated, the lists combine)")
      ->type_name("arguments,results")
      ->check(not_empty)
      ->multi_option_policy(CLI::MultiOptionPolicy::Join);
  sub->add_option("--listen", args->listen,
                  "Be an HTTP proxy for a Streamable HTTP MCP server, listening here "
                  "(loopback unless HOST names another address)")
      ->type_name("HOST:PORT");
  sub->add_option("--upstream", args->upstream,
                  "The MCP server's URL, with --listen (a query in it goes with each request "
                  "to its path)")
      ->type_name("URL");
  sub->footer(
      "Every byte passes unchanged both ways; stderr is the server's; the exit status\n"
      "is the server's (128+N for signal N). Recording failures never touch the stream:\n"
      "events are dropped and counted (a warning, and in `mcp-report status`); a spool\n"
      "it cannot use is one warning before the server starts, which runs all the same.\n"
      "Calls still open when the client goes away (or SIGTERM, SIGINT, SIGHUP reaches\n"
      "the proxy) end ClientClosed at once, timed from when it closed our stdin.\n"
      "Once the server has exited, its queue gets 5 s; a signal then ends that wait,\n"
      "not the proxy (what is not written is counted). A message one MCP SDK refuses\n"
      "and the other takes (NaN; a line of 10 MiB or more; a client's last line\n"
      "without a newline) is marked \"refused_by\", an answer so marked is\n"
      "\"success\": null (man mcp-report, PROXY, Faithful). A start's names, uri and\n"
      "ids are cut to fit max_event_kb (\"truncated\": true), never dropped.\n"
      "Example (the command of an MCP client's server entry):\n"
      "  mcp-report proxy --mcp-id files_01 -- npx -y @modelcontextprotocol/server-filesystem "
      "/data\n"
      "  {\"command\": \"mcp-report\", \"args\": [\"proxy\", \"--mcp-id\", \"files_01\", "
      "\"--\", \"npx\", \"-y\", \"@modelcontextprotocol/server-filesystem\", \"/data\"]}\n"
      "With --listen, an HTTP reverse proxy for one Streamable HTTP MCP server: POST, GET\n"
      "and DELETE with every header, SSE streams event by event, the server's statuses;\n"
      "502 when it cannot be reached. Origin is checked always, Host on loopback only.\n"
      "It runs until SIGTERM, SIGINT or SIGHUP (requests in flight get 10 s), then\n"
      "exits 0; without a usable configuration it forwards and records nothing (one\n"
      "warning). Point the client at http://HOST:PORT/PATH (PATH is the upstream's):\n"
      "  mcp-report proxy --mcp-id docs_01 --listen 127.0.0.1:8808 --upstream "
      "https://mcp.example.com/mcp\n"
      "  {\"type\": \"http\", \"url\": \"http://127.0.0.1:8808/mcp\"}");
  commands.push_back({sub, [&globals, args] { return proxy(globals, *args); }, refuse_extras});
}

}  // namespace mcpr::cli
