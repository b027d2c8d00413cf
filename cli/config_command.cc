// mcp-report config: the effective configuration and where each value came from.
#include <CLI/CLI.hpp>
#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "src/util/failure.h"

namespace mcpr::cli {

void add_config_command(CLI::App& app, Globals& globals, Commands& commands) {
  if (CLI::App* sub = add_command(app, globals, "config")) {
    sub->footer("Example:\n  mcp-report config -c /etc/mcp-report/config.toml");
    commands.push_back({sub, [&globals] {
                          Config config = globals.load_config(Globals::ConfigUse::kDeliver);
                          for (const std::string& w : {config.url_warning(), config.otlp_headers_warning()})
                            if (!w.empty()) globals.warn(w);
                          size_t width = 0;
                          auto rows = describe_config(config);
                          for (const ConfigRow& row : rows) width = std::max(width, row.key.size());
                          for (const ConfigRow& row : rows) {
                            std::cout << std::left << std::setw(static_cast<int>(width) + 2)
                                      << row.key << row.value;
                            std::cout << "  (" << row.origin << ")\n";
                          }
                          return kExitOk;
                        }});
  }
}

}  // namespace mcpr::cli
