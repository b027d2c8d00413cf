// status, list, show, requeue, delete, cleanup: looking after the spool.

#include <CLI/CLI.hpp>
#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "spool/admin.h"
#include "spool/operations.h"
#include "spool/spool.h"
#include "src/state/root_state.h"
#include "src/delivery/sweep.h"
#include "src/util/failure.h"
#include "src/report/spool_report.h"
#include "src/util/clock.h"
#include "src/util/plural.h"
#include "src/util/time_text.h"

namespace mcpr::cli {
void require_existing_spool(const Config& config) {
  const std::string root = config.spool_path();
  if (!spool_exists(root))
    throw Failure(kExitNoInput, "spool " + root, "does not exist",
                  "nothing was recorded there yet, or the path is mistyped (see 'mcp-report config')");
}

namespace {

int64_t now_s() { return static_cast<int64_t>(wall_now()); }

std::optional<SpoolState> parse_state(const std::string& text) {
  if (text.empty() || text == "all") return std::nullopt;
  for (SpoolState s : {SpoolState::kQueue, SpoolState::kDead, SpoolState::kCorrupt})
    if (text == state_name(s) || (text == "queued" && s == SpoolState::kQueue)) return s;
  throw Failure(kExitUsage, "--state " + text, "expected queue, dead, corrupt or all");
}

// The commands that look after a spool (status, list, show, requeue,
// delete, cleanup) never create one: a spool that does not exist is an error,
// so a mistyped path in a monitoring job cannot report a healthy empty spool
// for ever (man page RECORDING COMMANDS), nor a cleanup make a folder.
// The commands that change it refuse a spool owned by another user; those
// that only look (status, list, show) read it wherever permissions let them.
enum class Access { kChange, kLook };
Spool open_existing_spool(const Globals& globals, Config* config_out = nullptr,
                          Access access = Access::kChange) {
  Config config = globals.load_config(Globals::ConfigUse::kLook);
  if (config_out) *config_out = config;
  require_existing_spool(config);
  if (access == Access::kLook) return Spool::open_to_look(config.spool_path());
  return Spool::open(config.spool_path(), true);  // the root exists: its state folders may be made
}

// The one file a handle names; Failure (66) when none, (64) when several.
SpooledFile find_one(const Spool& spool, const std::string& handle) {
  std::vector<SpooledFile> found = find_events(spool, handle);
  if (found.empty())
    throw Failure(kExitNoInput, "event " + handle, "not in the spool",
                  "'mcp-report list' shows the events and their handles");
  if (found.size() > 1) throw Failure(kExitUsage, "event " + handle, "names more than one file");
  return found.front();
}

int status(const Globals& globals, bool json, bool prometheus) {
  Config config;
  Spool spool = open_existing_spool(globals, &config, Access::kLook);
  SpoolStatus st = spool_status(spool, now_s(), config.max_backoff);
  std::cout << (prometheus ? st.prometheus() : json ? st.json() + "\n" : st.text());
  return kExitOk;
}

int list(const Globals& globals, const std::string& state, bool json) {
  std::optional<SpoolState> only = parse_state(state);
  Spool spool = open_existing_spool(globals, nullptr, Access::kLook);
  const int64_t now = now_s();
  for (const ListedEvent& e : list_events(spool, only)) {
    if (json) {
      std::cout << listed_json(e) << '\n';
      continue;
    }
    // A corrupt file's name is anything: never raw on a terminal.
    std::cout << printable(e.event_id) << "  " << std::left << std::setw(7)
              << state_name(e.state) << ' ' << std::setw(20) << printable(e.action) << ' '
              << printable(e.interaction_id);
    if (e.timestamp_us) std::cout << "  age " << human_duration(now - e.timestamp_us / 1000000);
    if (e.attempts) std::cout << ", " << e.attempts << " failed";
    if (e.due > now) std::cout << ", next in " << human_duration(e.due - now);
    if (!e.reason.empty()) std::cout << "  -- " << printable(e.reason);
    std::cout << '\n';
  }
  return kExitOk;
}

int show(const Globals& globals, const std::string& handle) {
  Spool spool = open_existing_spool(globals, nullptr, Access::kLook);
  SpooledFile file = find_one(spool, handle);
  std::optional<std::string> body = read_file(spool, file.state, file.name);
  if (!body) throw Failure(kExitNoInput, "event " + handle, "gone meanwhile");
  std::cout << "file:   " << printable(spool.path(file.state, file.name)) << "\n"
            << "state:  " << state_name(file.state) << "\n";
  if (file.state != SpoolState::kQueue)
    std::cout << "reason: " << printable(read_reason(spool, file.state, file.name)) << "\n";
  std::cout << *body << (body->empty() || body->back() != '\n' ? "\n" : "");
  return kExitOk;
}

int requeue(const Globals& globals, const std::vector<std::string>& handles, bool all) {
  if (handles.empty() && !all) throw Failure(kExitUsage, "requeue", "name events or give --all");
  Config config;
  Spool spool = open_existing_spool(globals, &config);
  std::vector<SpooledFile> files;
  if (all) {
    for (std::string& name : list_names(spool, SpoolState::kDead))
      files.push_back({SpoolState::kDead, std::move(name)});
  }
  for (const std::string& h : handles) files.push_back(find_one(spool, h));
  const Requeued r = requeue_now(spool, files, config.sync);
  for (const std::string& name : r.already_queued)
    globals.warn("event " + name + " is already queued");
  globals.note("requeued " + plural(r.moved, "event"));
  return kExitOk;
}

int remove(const Globals& globals, const std::vector<std::string>& handles,
           const std::string& state) {
  if (handles.empty() && state.empty())
    throw Failure(kExitUsage, "delete", "name events or give --state");
  Spool spool = open_existing_spool(globals);
  std::vector<SpooledFile> files;
  if (!state.empty()) {
    std::optional<SpoolState> s = parse_state(state);
    if (!s) throw Failure(kExitUsage, "--state " + state, "name one state to empty");
    for (std::string& name : list_names(spool, *s)) files.push_back({*s, std::move(name)});
  }
  for (const std::string& h : handles) files.push_back(find_one(spool, h));
  const unsigned removed = remove_events(spool, files);
  globals.note("deleted " + plural(removed, "event"));
  return kExitOk;
}

int cleanup(const Globals& globals) {
  Config config;
  Spool spool = open_existing_spool(globals, &config);
  std::optional<CleanupResult> swept = sweep_unless_flushing(config, spool, now_s());
  if (!swept) {
    globals.note("cleanup: a flush is running and sweeps the spool itself");
    return kExitOk;
  }
  const CleanupResult& r = *swept;
  globals.note("cleanup: removed " + std::to_string(r.tmp_removed) + " stale tmp files, expired " +
               std::to_string(r.expired) + " events, removed " + std::to_string(r.dead_removed) +
               " old dead events");
  return kExitOk;
}

}  // namespace

void add_spool_commands(CLI::App& app, Globals& globals, Commands& commands) {
  struct Args {
    bool json = false, prometheus = false, all = false;
    std::string state, handle;
    std::vector<std::string> handles;
  };
  auto a = std::make_shared<Args>();

  if (CLI::App* st = add_command(app, globals, "status")) {
    auto* json_opt = st->add_flag("--json", a->json, "As a JSON object");
    st->add_flag("--prometheus", a->prometheus, "In node_exporter textfile-collector format")
        ->excludes(json_opt);
    st->footer(
        "Alert on gauges, not on the last flush alone: mcp_report_events{state=\"dead\"},\n"
        "mcp_report_dead_lettered_events_total, mcp_report_held_events and\n"
        "mcp_report_due_events (a Retry-After hold's waiting events included; \"due\"\n"
        "means that in the text and --json too). Reads only: makes nothing in a spool.\n"
        "Examples:\n  mcp-report status\n"
        "  mcp-report status --prometheus > /var/lib/node_exporter/mcp-report.prom");
    commands.push_back({st, [&globals, a] { return status(globals, a->json, a->prometheus); }});
  }

  if (CLI::App* ls = add_command(app, globals, "list")) {
    ls->add_option("--state", a->state, "queue, dead, corrupt or all (default)")
        ->type_name("STATE");
    ls->add_flag("--json", a->json, "One JSON object per line");
    ls->footer("Example:\n  mcp-report list --state dead");
    commands.push_back({ls, [&globals, a] { return list(globals, a->state, a->json); }});
  }

  if (CLI::App* sh = add_command(app, globals, "show")) {
    sh->add_option("event", a->handle, "Event handle, as list prints it")
        ->required()
        ->type_name("EVENT");
    sh->footer("Example:\n  mcp-report show 1764000000123456-3fa9c01e0001");
    commands.push_back({sh, [&globals, a] { return show(globals, a->handle); }});
  }

  if (CLI::App* rq = add_command(app, globals, "requeue")) {
    rq->add_option("events", a->handles, "Event handles")->type_name("EVENT...");
    rq->add_flag("--all", a->all, "Every dead event");
    rq->footer(
        "Examples:\n  mcp-report requeue --all\n  mcp-report requeue "
        "1764000000123456-3fa9c01e0001");
    commands.push_back({rq, [&globals, a] { return requeue(globals, a->handles, a->all); }});
  }

  if (CLI::App* del = add_command(app, globals, "delete")) {
    del->add_option("events", a->handles, "Event handles")->type_name("EVENT...");
    del->add_option("--state", a->state, "Remove every event in this state (e.g. dead)")
        ->type_name("STATE");
    del->footer("Example:\n  mcp-report delete --state dead");
    commands.push_back({del, [&globals, a] { return remove(globals, a->handles, a->state); }});
  }

  if (CLI::App* cl = add_command(app, globals, "cleanup")) {
    cl->footer("Example:\n  mcp-report cleanup -v");
    commands.push_back({cl, [&globals] { return cleanup(globals); }});
  }
}

}  // namespace mcpr::cli
