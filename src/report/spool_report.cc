#include "src/report/spool_report.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>

#include "spool/event_name.h"
#include "src/delivery/retry_policy.h"
#include "src/delivery/scheduler.h"
#include "src/event/event.h"
#include "src/util/plural.h"
#include "src/util/printable.h"
#include "src/util/time_text.h"

namespace mcpr {
namespace {

constexpr int64_t kBucketMinutes[] = {5, 10, 20, 40, 80, 160, 320, 640, 1280, -1};

std::string bucket_label(int64_t upper) { return upper < 0 ? "1280+" : std::to_string(upper); }

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void optional_int(JsonWriter& w, const char* key, const std::optional<int64_t>& v) {
  w.Key(key);
  if (v)
    w.Int64(*v);
  else
    w.Null();
}

using Standing = Scheduler::Standing;

// The queue planned as a pass would plan it (man page DELIVERY): the queued
// names, and the dead ones that hold the later events of their interaction.
// Queued names that are not an event's go to `refused`.
Scheduler plan_queue(const Spool& spool,
                     const std::function<void(std::string_view)>& refused = nullptr) {
  Scheduler plan;
  for_each_name(spool, SpoolState::kQueue, false, [&](std::string_view name) {
    if (!plan.add(name) && refused) refused(name);
  });
  for_each_name(spool, SpoolState::kDead, false, [&](std::string_view name) { plan.add_dead(name); });
  plan.finish_adding();
  return plan;
}

using StartedEnded = std::map<std::string, std::pair<bool, bool>>;  // by interaction key

// Counts the files of every state, their bytes and the queued events' ages,
// notes which interactions started and ended, and plans the queue.
void count_files(const Spool& spool, int64_t now, SpoolStatus& st, StartedEnded& interactions,
                 Scheduler& plan) {
  for (SpoolState s : kAllStates) {
    for_each_name(spool, s, false, [&](std::string_view view) {
      const std::string name(view);
      std::optional<FileInfo> info = stat_file(spool, s, name);
      if (info) st.bytes += info->size;
      if (s == SpoolState::kTmp || s == SpoolState::kCorrupt) {
        ++(s == SpoolState::kTmp ? st.tmp : st.corrupt);
        return;
      }
      ++(s == SpoolState::kQueue ? st.queued : st.dead);
      std::optional<EventName> e = EventName::parse(name);
      if (!e) return;
      auto& flags = interactions[e->interaction_key];
      flags.first = flags.first || e->action == 's';
      flags.second = flags.second || e->action == 'c' || e->action == 'e';
      if (s == SpoolState::kDead) return plan.add_dead(name);
      plan.add(name);
      // Its age is its time in the spool, since its file was written (an
      // imported line keeps a timestamp of days ago); since it was recorded
      // is kept beside it.
      const int64_t recorded = std::max<int64_t>(0, now - e->timestamp_us / 1000000);
      const int64_t age = info ? std::max<int64_t>(0, now - info->mtime) : recorded;
      if (!st.oldest_queued_age_s || age > *st.oldest_queued_age_s) st.oldest_queued_age_s = age;
      if (!st.oldest_queued_recorded_age_s || recorded > *st.oldest_queued_recorded_age_s)
        st.oldest_queued_recorded_age_s = recorded;
      for (AgeBucket& b : st.age_buckets)
        if (b.upper_minutes < 0 || age < b.upper_minutes * 60) {
          ++b.count;
          break;
        }
    });
  }
}

// Due, held, and when the next attempt may be made, as the Scheduler says.
void count_standings(Scheduler& plan, int64_t now, SpoolStatus& st) {
  const std::vector<Standing> standings = plan.standings(now * 1000);
  for (Scheduler::Id i = 0; i < standings.size(); ++i) {
    if (standings[i] == Standing::kDue) ++st.due;
    if (standings[i] == Standing::kHeldByDead) ++st.held;
    if (standings[i] != Standing::kNotYetDue) continue;
    const int64_t due = (plan.due_ms(i) + 999) / 1000;
    if (!st.next_attempt_at || due < *st.next_attempt_at) st.next_attempt_at = due;
  }
  if (st.due > 0 && st.hold_until > now) {
    // During a Retry-After hold the due events stay due (a long hold must not
    // read as an empty backlog) and wait for it: waiting_for_hold of them.
    st.next_attempt_at = st.hold_until;
    st.waiting_for_hold = st.due;
  } else if (st.due > 0) {
    st.next_attempt_at = now;
  }
}

}  // namespace

SpoolStatus spool_status(const Spool& spool, int64_t now, double max_backoff) {
  SpoolStatus st;
  st.spool = spool.root();
  for (int64_t upper : kBucketMinutes) st.age_buckets.push_back({upper, 0});
  RootState state = read_root_state(spool);
  // The hold flush keeps (none when passed or beyond the bound): status
  // --json must not show one that flush ignores.
  st.hold_until = effective_hold(state.hold_until, now, max_backoff);
  st.last_flush = state.last_flush;
  st.proxy = state.proxy;
  st.otlp_rejected = state.otlp_rejected;
  st.dead_lettered = state.dead_lettered;
  st.last_dead_lettered_at = state.last_dead_lettered_at;

  StartedEnded interactions;
  Scheduler plan;
  count_files(spool, now, st, interactions, plan);
  count_standings(plan, now, st);
  // Started, in the spool or delivered already (state.json), and ended in
  // neither.
  for (const auto& [id, started] : state.open) interactions[id].first = true;
  for (const auto& [key, flags] : interactions)
    if (flags.first && !flags.second)
      st.open_interactions.push_back(id_of_interaction_key(key).value_or(key));
  return st;
}

std::string prometheus_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string SpoolStatus::dead_letters_text() const {
  if (dead_lettered == 0) return "";
  return " (" + std::to_string(dead_lettered) + " dead-lettered in all, the last at " +
         local_time_text(last_dead_lettered_at) + ")";
}

std::string SpoolStatus::text() const {
  std::ostringstream out;
  out << "spool:        " << spool << "\n"
      << "queued:       " << queued << " (" << due << " due"
      << (waiting_for_hold
              ? ", " + std::to_string(waiting_for_hold) + " of them waiting for a Retry-After hold"
              : std::string())
      << (held ? ", " + std::to_string(held) + " held behind dead events" : std::string())
      << ")\n"
      << "dead:         " << dead << dead_letters_text() << "\n"
      << "corrupt:      " << corrupt << "\n"
      << "tmp:          " << tmp << "\n"
      << "bytes:        " << bytes << "\n";
  out << "oldest:       ";
  if (oldest_queued_age_s)
    out << human_duration(*oldest_queued_age_s) << "\n";
  else
    out << "-\n";
  out << "next attempt: ";
  if (next_attempt_at) {
    out << local_time_text(*next_attempt_at) << "\n";
  } else {
    out << "-\n";
  }
  out << "last flush:   ";
  if (last_flush) {
    out << local_time_text(static_cast<int64_t>(last_flush->started_at)) << ", "
        << last_flush->result << " (exit " << last_flush->exit_code << "): " << last_flush->line();
    // A clean run does not make events that died before it look delivered.
    if (dead > 0)
      out << "; " << plural(dead, "dead event") << (dead == 1 ? " waits" : " wait")
          << " (list --state dead)";
    out << "\n";
  } else {
    out << "never\n";
  }
  out << "open:         " << plural(open_interactions.size(), "interaction")
      << " started and not ended\n";
  if (proxy.dropped_events > 0 || proxy.unseen_messages > 0) {
    out << "proxy:        " << proxy.dropped_events << " events not recorded";
    if (proxy.unseen_messages > 0)
      out << ", " << proxy.unseen_messages << " messages not looked at";
    out << " (last: " << printable(proxy.last_reason) << ")\n";
  }
  if (otlp_rejected > 0)
    out << "otlp:         " << otlp_rejected
        << " spans or log records refused by the endpoint (partialSuccess)\n";
  if (queued > 0) {
    out << "age (minutes):";
    for (const AgeBucket& b : age_buckets)
      out << ' ' << bucket_label(b.upper_minutes) << ':' << b.count;
    out << "\n";
  }
  return out.str();
}

std::string SpoolStatus::json() const {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("spool");
  w.String(spool.c_str());
  w.Key("queued");
  w.Uint(queued);
  w.Key("due");
  w.Uint(due);
  w.Key("held");
  w.Uint(held);
  w.Key("waiting_for_hold");
  w.Uint(waiting_for_hold);
  w.Key("dead");
  w.Uint(dead);
  w.Key("corrupt");
  w.Uint(corrupt);
  w.Key("tmp");
  w.Uint(tmp);
  w.Key("bytes");
  w.Uint64(bytes);
  optional_int(w, "oldest_queued_age_s", oldest_queued_age_s);
  optional_int(w, "oldest_queued_recorded_age_s", oldest_queued_recorded_age_s);
  optional_int(w, "next_attempt_at", next_attempt_at);
  optional_int(w, "hold_until", hold_until > 0 ? std::optional<int64_t>(hold_until) : std::nullopt);
  w.Key("last_flush");
  if (last_flush)
    w.RawValue(last_flush->json().c_str(), last_flush->json().size(), rapidjson::kObjectType);
  else
    w.Null();
  w.Key("proxy_dropped");
  w.Uint64(proxy.dropped_events);
  w.Key("proxy_unseen_messages");
  w.Uint64(proxy.unseen_messages);
  w.Key("dead_lettered");
  w.Uint64(dead_lettered);
  optional_int(w, "last_dead_lettered_at",
               last_dead_lettered_at ? std::optional<int64_t>(last_dead_lettered_at) : std::nullopt);
  w.Key("otlp_rejected");
  w.Uint64(otlp_rejected);
  w.Key("age_buckets");
  w.StartObject();
  for (const AgeBucket& b : age_buckets) {
    std::string label = bucket_label(b.upper_minutes) + "m";
    w.Key(label.c_str());
    w.Uint(b.count);
  }
  w.EndObject();
  w.Key("open_interactions");
  w.Uint(static_cast<unsigned>(open_interactions.size()));
  w.Key("open_interaction_ids");
  w.StartArray();
  for (const std::string& id : open_interactions) w.String(id.c_str());
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

std::string SpoolStatus::prometheus() const {
  // Every sample carries the spool, so that two spools on one node do not
  // collide in the textfile collector.
  const std::string spool_label = "spool=\"" + prometheus_label_value(spool) + "\"";
  const std::string labels = "{" + spool_label + "}";
  std::ostringstream out;
  out << "# HELP mcp_report_events Events in the spool by state.\n"
      << "# TYPE mcp_report_events gauge\n";
  const std::pair<const char*, unsigned> states[] = {
      {"queued", queued}, {"dead", dead}, {"corrupt", corrupt}, {"tmp", tmp}};
  for (const auto& [name, n] : states)
    out << "mcp_report_events{state=\"" << name << "\"," << spool_label << "} " << n << "\n";
  // Due counts the events a Retry-After hold keeps waiting, as in text and
  // JSON: an alert on "due for too long" must fire through a long hold.
  const auto gauge = [&](const char* name, const char* help, auto value, const char* type = "gauge") {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n"
        << name << labels << " " << value << "\n";
  };
  gauge("mcp_report_due_events",
        "Queued events whose time to be sent has come (those waiting for a Retry-After hold "
        "included).",
        due);
  gauge("mcp_report_hold_waiting_events",
        "Due events a Retry-After hold keeps waiting.", waiting_for_hold);
  gauge("mcp_report_hold_until_timestamp_seconds",
        "Until when a Retry-After hold keeps every event waiting; 0 for no hold.", hold_until);
  gauge("mcp_report_held_events",
        "Queued events held behind a dead event of their interaction (requeue it to release "
        "them).",
        held);
  gauge("mcp_report_dead_lettered_events_total", "Events moved to dead/ (expiry included).",
        dead_lettered, "counter");
  if (last_dead_lettered_at > 0)
    gauge("mcp_report_last_dead_letter_timestamp_seconds",
          "When events were last moved to dead/.", last_dead_lettered_at);
  gauge("mcp_report_otlp_rejected_records_total",
        "Spans and log records OTLP endpoints refused in a partialSuccess answer.", otlp_rejected, "counter");
  out
      << "# HELP mcp_report_spool_bytes Bytes of all files in the spool.\n"
      << "# TYPE mcp_report_spool_bytes gauge\n"
      << "mcp_report_spool_bytes" << labels << " " << bytes << "\n"
      << "# HELP mcp_report_oldest_queued_age_seconds Time the longest-queued event has been in "
         "the spool.\n"
      << "# TYPE mcp_report_oldest_queued_age_seconds gauge\n"
      << "mcp_report_oldest_queued_age_seconds" << labels << " " << oldest_queued_age_s.value_or(0) << "\n"
      << "# HELP mcp_report_open_interactions Interactions started and not yet ended.\n"
      << "# TYPE mcp_report_open_interactions gauge\n"
      << "mcp_report_open_interactions" << labels << " " << open_interactions.size() << "\n"
      << "# HELP mcp_report_proxy_dropped_events_total Events mcp-report proxy could not record.\n"
      << "# TYPE mcp_report_proxy_dropped_events_total counter\n"
      << "mcp_report_proxy_dropped_events_total" << labels << " " << proxy.dropped_events << "\n"
      << "# HELP mcp_report_proxy_unseen_messages_total Messages mcp-report proxy could not look "
         "at (their calls are not recorded).\n"
      << "# TYPE mcp_report_proxy_unseen_messages_total counter\n"
      << "mcp_report_proxy_unseen_messages_total" << labels << " " << proxy.unseen_messages
      << "\n";
  if (last_flush) {
    char ts[32];
    std::snprintf(ts, sizeof ts, "%.3f", last_flush->started_at + last_flush->seconds);
    out << "# HELP mcp_report_last_flush_timestamp_seconds When the last flush ended.\n"
        << "# TYPE mcp_report_last_flush_timestamp_seconds gauge\n"
        << "mcp_report_last_flush_timestamp_seconds" << labels << " " << ts << "\n"
        << "# HELP mcp_report_last_flush_success 1 if the last flush exited 0.\n"
        << "# TYPE mcp_report_last_flush_success gauge\n"
        << "mcp_report_last_flush_success" << labels << " " << (last_flush->exit_code == 0 ? 1 : 0) << "\n"
        << "# HELP mcp_report_last_flush_sent Events the last flush delivered.\n"
        << "# TYPE mcp_report_last_flush_sent gauge\n"
        << "mcp_report_last_flush_sent" << labels << " " << last_flush->sent << "\n";
  }
  return out.str();
}

int64_t oldest_due_wait(const Spool& spool, int64_t now) {
  int64_t oldest = now;
  Scheduler plan = plan_queue(spool);
  const std::vector<Standing> standings = plan.standings(now * 1000);
  for (Scheduler::Id i = 0; i < standings.size(); ++i)
    if (standings[i] == Standing::kDue)
      if (auto info = stat_file(spool, SpoolState::kQueue, std::string(plan.name(i))))
        oldest = std::min(oldest, info->mtime);
  return now - oldest;
}

namespace {

ListedEvent listed(const Spool& spool, SpoolState state, std::string name) {
  ListedEvent e;
  e.state = state;
  e.event_id = handle_of(name);
  e.action = "?";
  if (auto parsed = EventName::parse(name)) {
    if (const ActionInfo* a = action_by_code(parsed->action)) e.action = a->name;
    e.interaction_id = spooled_interaction_id(spool, state, name);
    e.timestamp_us = parsed->timestamp_us;
    e.attempts = parsed->attempts;
    // A dead event is never attempted again (until requeued).
    if (state == SpoolState::kQueue) e.due = (parsed->due_ms + 999) / 1000;
  }
  if (auto info = stat_file(spool, state, name)) e.size = info->size;
  if (state != SpoolState::kQueue) e.reason = read_reason(spool, state, name);
  e.name = std::move(name);
  return e;
}

// The queued events; those held behind a dead one say which, as the
// Scheduler sees it.
void list_queue(const Spool& spool, std::vector<ListedEvent>& events) {
  Scheduler plan = plan_queue(spool, [&](std::string_view name) {
    events.push_back(listed(spool, SpoolState::kQueue, std::string(name)));
  });
  for (Scheduler::Id i = 0; i < plan.size(); ++i) {
    ListedEvent e = listed(spool, SpoolState::kQueue, std::string(plan.name(i)));
    if (std::string_view dead = plan.held_by(i); !dead.empty())
      e.reason = "held: an earlier event of this interaction is dead (" +
                 std::string(event_id_of(dead)) + "); requeue it to release this one";
    events.push_back(std::move(e));
  }
}

}  // namespace

std::vector<ListedEvent> list_events(const Spool& spool, std::optional<SpoolState> only) {
  std::vector<ListedEvent> events;
  if (!only || *only == SpoolState::kQueue) list_queue(spool, events);
  for (SpoolState s : {SpoolState::kDead, SpoolState::kCorrupt}) {
    if (only && *only != s) continue;
    for (std::string& name : list_names(spool, s)) events.push_back(listed(spool, s, std::move(name)));
  }
  std::sort(events.begin(), events.end(),
            [](const ListedEvent& a, const ListedEvent& b) { return a.name < b.name; });
  return events;
}

std::string listed_json(const ListedEvent& e) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  // Names as the text listing shows them (a corrupt file's name may hold
  // any byte; JSON must be UTF-8), and as show, requeue and delete take them.
  w.Key("event");
  w.String(printable(e.event_id).c_str());
  w.Key("state");
  w.String(state_name(e.state));
  w.Key("action");
  w.String(printable(e.action).c_str());
  w.Key("interaction_id");
  w.String(printable(e.interaction_id).c_str());
  w.Key("timestamp");  // as in the body: seconds with microseconds
  if (e.timestamp_us) {
    const std::string ts = format_timestamp(e.timestamp_us);
    w.RawValue(ts.c_str(), ts.size(), rapidjson::kNumberType);
  } else {
    w.Null();
  }
  w.Key("attempts");
  w.Uint(e.attempts);
  w.Key("next_attempt_at");
  if (e.due)
    w.Int64(e.due);
  else
    w.Null();
  w.Key("bytes");
  w.Uint64(e.size);
  w.Key("reason");
  if (e.reason.empty())
    w.Null();
  else
    w.String(printable(e.reason).c_str());
  w.Key("file");
  w.String(printable(e.name).c_str());
  w.EndObject();
  return buf.GetString();
}

}  // namespace mcpr
