// mcp-report-net: the commands that use the network, on libcurl (flush,
// health, validate-key, and proxy --listen on libmicrohttpd too).
// mcp-report execs it for them (README.md, Layout; cli/command_table.cc).
#include "cli/command.h"
#include "cli/proxy_command.h"
#include "src/curl/curl_transport.h"

int main(int argc, char** argv) {
  using namespace mcpr::cli;
  set_http_proxy_command(http_proxy);
  const Program program = {
      Executable::kNetwork,
      {[](CLI::App& app, Globals& globals, Commands& commands) {
         add_delivery_commands(app, globals, commands, mcpr::make_curl_transport);
       },
       add_proxy_command},
      nullptr,
      nullptr,
  };
  return run_program(argc, argv, program);
}
