// proxy --listen HOST:PORT --upstream URL: the HTTP proxy's front door, in
// the executable that links libcurl and libmicrohttpd (cli/cli_main.cc).
#include <unistd.h>

#include <iostream>
#include <memory>
#include <mutex>

#include "cli/proxy_command.h"
#include "src/http_proxy/http_proxy.h"
#include "src/util/failure.h"

namespace mcpr::cli {

int http_proxy(const Globals& globals, const ProxyArgs& args) {
  HttpProxyRun run;
  run.listen = parse_listen_address(args.listen);
  run.upstream = parse_upstream_url(args.upstream);
  const ProxyRecording recording = proxy_recording(globals, args);
  run.tracker = recording.tracker;
  run.upstream_options.ca_file = recording.upstream_ca_file;
  if (recording.config) run.config = &*recording.config;
  // Lines come from every connection's thread: one at a time.
  auto lock = std::make_shared<std::mutex>();
  run.on_listening = [&globals, &run](const std::string& url) {
    if (!globals.quiet)
      std::cerr << "mcp-report: proxy: listening on " << url << ", forwarding to "
                << run.upstream.shown << std::endl;
  };
  if (globals.verbose > 0)
    run.note = [&globals, lock](const std::string& line) {
      std::lock_guard<std::mutex> hold(*lock);
      globals.note(line);
    };
  run.warn = [&globals, lock](const std::string& line) {
    std::lock_guard<std::mutex> hold(*lock);
    globals.warn(line);
  };
  const RecordingOutcome outcome = run_http_proxy(run);
  report_proxy_recording(globals, recording, outcome);
  if (outcome.writer_stuck) {
    std::cerr.flush();
    ::_exit(kExitOk);
  }
  return kExitOk;
}

}  // namespace mcpr::cli
