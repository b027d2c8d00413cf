// mcp-report-cli: every command, parsed by CLI11, with libcurl for flush,
// health and validate-key and libmicrohttpd for proxy --listen. mcp-report
// execs it for every command line it does not record itself (README.md,
// Layout).
#include "cli/command.h"
#include "src/curl/curl_transport.h"

int main(int argc, char** argv) {
  using namespace mcpr::cli;
  hold_closed_standard_fds();
  const mcpr::CurlLibrary curl;  // before any thread starts
  const std::vector<Registration> registrations = {
      add_record_commands,
      add_run_import_commands,
      [](CLI::App& app, Globals& globals, Commands& commands) {
        add_delivery_commands(app, globals, commands, mcpr::make_curl_transport);
      },
      add_spool_commands,
      add_config_command,
      add_proxy_command,
  };
  return finish_output(run_cli(argc, argv, registrations));
}
