// mcp-report: every command that does not use the network; it hands the
// others to mcp-report-net (README.md, Layout; cli/command_table.cc).
#include "cli/command.h"

int main(int argc, char** argv) {
  using namespace mcpr::cli;
  const Program program = {
      Executable::kRecording,
      {add_record_commands, add_run_import_commands, add_spool_commands, add_config_command,
       add_proxy_command},
      record_simple_command_line,
      run_network_executable,
  };
  return run_program(argc, argv, program);
}
