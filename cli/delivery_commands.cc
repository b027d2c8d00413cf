// flush, health, validate-key: the commands that use the network.
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "cli/command.h"
#include "spool/spool.h"
#include "src/report/flush_lines.h"
#include "src/util/failure.h"
#include "src/delivery/flush_outcome.h"
#include "src/delivery/flusher.h"
#include "src/delivery/http_transport.h"
#include "src/delivery/probe.h"
#include "src/state/root_state.h"
#include "src/util/clock.h"
#include "src/util/random.h"
#include "src/util/time_text.h"

namespace mcpr::cli {
namespace {

struct FlushArgs {
  int64_t max_events = 0;
  double max_time = 60;
  double splay = 0;
  bool dry_run = false;
  bool wait = false;
  bool json = false;
  bool follow = false;
};

volatile sig_atomic_t g_stop = 0;
int g_stop_fd = -1;  // an eventfd, readable once a stop is asked
void on_stop_signal(int) {
  g_stop = 1;
  const int saved = errno;
  const uint64_t one = 1;
  (void)!::write(g_stop_fd, &one, sizeof one);
  errno = saved;
}

// SIGINT/SIGTERM end the run after the requests in flight. Returns the
// descriptor readable once one came (FlushOptions::stop_fd), or -1.
int stop_on_signals() {
  if (g_stop_fd < 0) g_stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  struct sigaction action = {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  return g_stop_fd;
}

// The report's messages, or under -q only the outage warning once it is due.
void print_report(const Globals& globals, const Config& config, const FlushReport& report,
                  int exit_code) {
  for (const std::string& line :
       flush_stderr_lines(report, exit_code, globals.quiet, config.spool_path(),
                          config.quiet_outage, static_cast<int64_t>(wall_now())))
    std::cerr << "mcp-report: " << line << '\n';
}

// Sleeps a random 0..`seconds`; -vv says how long it chose.
void splay_sleep(const Globals& globals, double seconds) {
  splay(system_clock(), seconds, random_unit(), [&](double chosen) {
    if (globals.verbose < 2 || globals.quiet) return;
    char line[96];
    std::snprintf(line, sizeof line, "flush: splay: sleeping %.3f s of at most %g s", chosen,
                  seconds);
    std::cerr << "mcp-report: " << line << '\n';
  });
}

Config network_config(const Globals& globals) {
  Config config = globals.load_config(Globals::ConfigUse::kDeliver);
  std::string w = config.sink == SinkKind::kCoordinator ? config.url_warning()
                                                         : config.otlp_headers_warning();
  if (!w.empty()) globals.warn(w);
  return config;
}

int flush(const Globals& globals, const FlushArgs& args, CreateTransport create_transport) {
  Config config = network_config(globals);
  switch (flush_start(config.enabled, args.follow, globals.quiet,
                     spool_exists(config.spool_path()))) {
    case FlushStart::kDisabled:
      globals.note("flush: logging is disabled (enable_interaction_logging = false): nothing sent");
      record_disabled_flush(config.spool_path(), wall_now());
      return kExitOk;
    case FlushStart::kNothingYet:
      return kExitOk;
    case FlushStart::kNoSpool:
      require_existing_spool(config);  // says why
      break;
    case FlushStart::kRun:
      break;
  }
  splay_sleep(globals, args.splay);
  FlushOptions options;
  options.max_events = args.max_events;
  options.max_time = args.max_time;
  options.dry_run = args.dry_run;
  options.wait_for_lock = args.wait;
  options.follow = args.follow;
  options.stop_fd = stop_on_signals();
  options.should_stop = [] { return g_stop != 0; };
  options.on_pass = [&globals, &args, &config](const FlushReport& report) {
    // -q keeps a follower as quiet through an outage as a cron run.
    print_report(globals, config, report, report.summary.exit_code);
    // Passes that did nothing are not reported, in text or JSON: busy() is
    // also whether the summary kept for status is replaced.
    const FlushSummary& s = report.summary;
    if (!s.busy()) return;
    if (args.json) std::cout << s.json() << std::endl;
    else if (globals.verbose > 0) std::cout << s.line() << std::endl;
  };
  // With --json, stdout is JSON only: one object per event, then the summary.
  options.on_dry_run = [&args](const DryRunEvent& e) {
    std::cout << (args.json ? e.json() : e.line()) << '\n';
  };
  if (globals.verbose >= 2) {
    options.on_send = [](const std::string& event_id, double when) {
      std::fprintf(stderr, "mcp-report: flush: sending %s at %.6f\n", event_id.c_str(), when);
    };
  }
  const bool terminal_err = ::isatty(STDERR_FILENO) && !globals.quiet;
  bool progress_shown = false;
  if (terminal_err) {
    options.on_progress = [&progress_shown](const FlushSummary& s) {
      std::cerr << "\rmcp-report: flush: " << s.line() << "   " << std::flush;
      progress_shown = true;
    };
  }
  // Read the key before anything is sent, so a bad api_key_file is exit 78.
  TransportOptions transport = transport_options(config);
  require_api_key(config, transport);
  FlushReport report =
      flush_spool(config, options,
                  [&transport, create_transport] { return create_transport(transport); });
  if (progress_shown) std::cerr << "\r\033[K" << std::flush;
  const int exit_code = report.exit_status;
  if (report.locked_out) {
    globals.note(g_stop ? "flush: stopped while another flush held the lock on " + config.spool_path()
                        : "flush: another flush is running on " + config.spool_path() +
                              "; leaving it be");
    return exit_code;
  }
  if (args.follow) return exit_code;  // each pass was reported
  print_report(globals, config, report, exit_code);
  const bool quiet = quiet_applies(exit_code, globals.quiet);
  if (args.json) {
    std::cout << report.summary.json() << '\n';
  } else if (!quiet && !args.dry_run && (globals.verbose > 0 || ::isatty(STDOUT_FILENO))) {
    std::cout << report.summary.line() << '\n';
  }
  return exit_code;
}

// health and validate-key: a request to each URL of the sink, a line each, exit 0/69/77.
int probe(const Globals& globals, ProbeKind kind, CreateTransport create_transport) {
  const std::string line = run_probe(network_config(globals), kind, create_transport);
  if (!globals.quiet) std::cout << line << '\n';
  return kExitOk;
}

// CLI11's NonNegativeNumber prints its range as 0.000000 to 1.79e308 in
// full; say it in words, and tell whole numbers from fractions.
CLI::Validator non_negative(bool whole) {
  return CLI::Validator(
      [whole](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        double v = std::strtod(text.c_str(), &end);
        bool number = !text.empty() && end && *end == '\0' && errno == 0 && std::isfinite(v);
        if (!number || (whole && v != std::floor(v)))
          return "'" + text + "' is not " + (whole ? "a whole number" : "a number of seconds");
        if (v < 0) return "must be 0 or more, not " + text;
        return std::string();
      },
      whole ? "N>=0" : "SECONDS>=0");
}

}  // namespace

void add_delivery_commands(CLI::App& app, Globals& globals, Commands& commands,
                           CreateTransport create_transport) {
  auto args = std::make_shared<FlushArgs>();
  if (CLI::App* flush_cmd = add_command(app, globals, "flush")) {
    flush_cmd->add_option("--max-events", args->max_events, "Send at most N events this run (0: no limit)")
        ->type_name("N")
        ->check(non_negative(true));
    flush_cmd
        ->add_option("--max-time", args->max_time,
                     "Start no request after SECONDS; also the longest Retry-After waited out")
        ->type_name("SECONDS")
        ->check(non_negative(false))
        ->capture_default_str();
    flush_cmd->add_option("--splay", args->splay, "Sleep a random 0..SECONDS first")
        ->type_name("SECONDS")
        ->check(non_negative(false));
    CLI::Option* dry_run = flush_cmd->add_flag("--dry-run", args->dry_run,
                                               "List what would be sent, in order; send nothing");
    flush_cmd->add_flag("--wait", args->wait,
                        "Wait for a running flush to finish instead of leaving");
    flush_cmd->add_flag("--json", args->json, "Print the run's summary as a JSON object");
    flush_cmd
        ->add_flag("--follow", args->follow,
                   "Keep running: send new events as they land, retries when due, "
                   "until SIGINT/SIGTERM")
        ->excludes(dry_run);  // a dry run that never ends would list nothing new
    flush_cmd->footer(
        "Examples:\n"
        "  mcp-report flush -v\n"
        "  * * * * * mcp-report -q -c /etc/mcp-report/config.toml flush --splay 20\n"
        "      (crontab: silent unless events died or the backlog waited quiet_outage)\n"
        "  mcp-report flush --follow                 # as a service: near-real-time delivery\n"
        "  MCP_REPORT_SINK=otlp OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318 mcp-report flush\n"
        "                                            # spans and log records into an OpenTelemetry\n"
        "                                            # Collector (OTLP/HTTP; otlp_signals chooses);\n"
        "                                            # the endpoint alone does not choose the sink\n"
        "      OTEL_EXPORTER_OTLP_COMPRESSION, OTEL_RESOURCE_ATTRIBUTES and the attribute length\n"
        "      limits are honoured; a PROTOCOL other than http/json, or any OTEL_EXPORTER_OTLP_*\n"
        "      not honoured, is one warning, and every other OTEL_* (OTEL_SDK_DISABLED,\n"
        "      OTEL_TRACES_EXPORTER...) is named in one more (man page OPENTELEMETRY SINK)\n"
        "      Headers over plain http to a host off loopback are a warning, as the API key is.\n"
        "Exit: 0 done, 65 events dead-lettered, 66 no spool (0 under -q), 75 try again later,\n"
        "77 key rejected, 78 config (a malformed URL too, never an outage; never quiet).\n"
        "An outage (no connection, 502/503/504 without Retry-After) counts no attempt:\n"
        "events wait for it, up to max_age_days. A timeout after sending is an attempt.");
    commands.push_back(
        {flush_cmd, [&globals, args, create_transport] { return flush(globals, *args, create_transport); }});
  }

  if (CLI::App* health = add_command(app, globals, "health")) {
    health->footer(
        "Example:\n  mcp-report health    # exit 0 up, 69 unreachable or failing, 77 key rejected\n"
        "With sink = \"otlp\" it POSTs an empty export request to each signal's URL\n"
        "({otlp_endpoint}/v1/traces and /v1/logs), one line each.");
    commands.push_back({health, [&globals, create_transport] {
                          return probe(globals, ProbeKind::kHealth, create_transport);
                        }});
  }

  if (CLI::App* validate = add_command(app, globals, "validate-key")) {
    validate->footer(
        "Example:\n  MCP_REPORT_API_KEY_FILE=~/.mcp-key mcp-report validate-key\n"
        "With sink = \"otlp\" it checks the OTLP headers instead, with the same empty export\n"
        "request as health.");
    commands.push_back({validate, [&globals, create_transport] {
                          return probe(globals, ProbeKind::kValidateKey, create_transport);
                        }});
  }
}

}  // namespace mcpr::cli
