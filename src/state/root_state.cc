#include "src/state/root_state.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdlib>
#include <utility>

#include "spool/flush_lock.h"
#include "spool/operations.h"
#include "src/state/hold.h"
#include "src/util/text.h"

namespace mcpr {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

uint64_t get_uint(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

double get_double(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsNumber() ? it->value.GetDouble() : 0;
}

std::string get_string(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsString()
             ? std::string(it->value.GetString(), it->value.GetStringLength())
             : std::string();
}

FlushSummary parse_summary(const rapidjson::Value& v) {
  FlushSummary s;
  s.started_at = get_double(v, "started_at");
  s.seconds = get_double(v, "seconds");
  s.sent = static_cast<unsigned>(get_uint(v, "sent"));
  s.retried = static_cast<unsigned>(get_uint(v, "retried"));
  s.dead = static_cast<unsigned>(get_uint(v, "dead"));
  s.corrupt = static_cast<unsigned>(get_uint(v, "corrupt"));
  s.left = static_cast<unsigned>(get_uint(v, "left"));
  s.rejected = static_cast<unsigned>(get_uint(v, "rejected"));
  s.exit_code = static_cast<int>(get_double(v, "exit_code"));
  if (std::string result = get_string(v, "result"); !result.empty()) s.result = result;
  return s;
}

// The proxy's count as the proxy once kept it: "TOTAL EPOCH REASON\n".
ProxyCounts parse_legacy_proxy_file(const std::string& text) {
  ProxyCounts p;
  char* end = nullptr;
  p.dropped_events = std::strtoull(text.c_str(), &end, 10);
  p.last_at = std::strtoll(end, nullptr, 10);
  size_t why = text.find(' ', text.find(' ') + 1);
  if (why != std::string::npos) p.last_reason = trim_right(std::string_view(text).substr(why + 1), "\n");
  return p;
}

struct Loaded {
  RootState state;
  bool legacy_proxy_file = false;  // the count came from proxy-dropped
};

Loaded load(const Spool& spool) {
  Loaded loaded;
  RootState& state = loaded.state;
  rapidjson::Document doc;
  if (std::optional<std::string> text = read_root_file(spool, kStateFile)) doc.Parse(text->c_str());
  const bool parsed = !doc.HasParseError() && doc.IsObject();
  bool has_proxy = false;
  if (parsed) {
    state.hold_until = static_cast<int64_t>(get_double(doc, "hold_until"));
    auto open = doc.FindMember("open_interactions");
    if (open != doc.MemberEnd() && open->value.IsObject())
      for (auto& m : open->value.GetObject())
        if (m.value.IsNumber())
          state.open[std::string(m.name.GetString(), m.name.GetStringLength())] =
              m.value.GetDouble();
    auto last = doc.FindMember("last_flush");
    if (last != doc.MemberEnd() && last->value.IsObject())
      state.last_flush = parse_summary(last->value);
    auto proxy = doc.FindMember("proxy");
    if (proxy != doc.MemberEnd() && proxy->value.IsObject()) {
      has_proxy = true;
      const rapidjson::Value& p = proxy->value;
      state.proxy.dropped_events = get_uint(p, "dropped_events");
      state.proxy.unseen_messages = get_uint(p, "unseen_messages");
      state.proxy.last_at = static_cast<int64_t>(get_double(p, "last_at"));
      state.proxy.last_reason = get_string(p, "last_reason");
    }
    state.otlp_rejected = get_uint(doc, "otlp_rejected");
    state.dead_lettered = get_uint(doc, "dead_lettered");
    state.last_dead_lettered_at = static_cast<int64_t>(get_double(doc, "last_dead_lettered_at"));
  }
  if (!has_proxy) {
    if (std::optional<std::string> legacy = read_root_file(spool, kProxyDroppedFile)) {
      state.proxy = parse_legacy_proxy_file(*legacy);
      loaded.legacy_proxy_file = true;
    }
  }
  return loaded;
}

std::string serialize(const RootState& state) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("hold_until");
  w.Int64(state.hold_until);
  w.Key("open_interactions");
  w.StartObject();
  for (const auto& [id, started] : state.open) {
    w.Key(id.c_str(), static_cast<rapidjson::SizeType>(id.size()));
    w.Double(started);
  }
  w.EndObject();
  w.Key("last_flush");
  if (state.last_flush) {
    const std::string last = state.last_flush->json();
    w.RawValue(last.c_str(), last.size(), rapidjson::kObjectType);
  } else {
    w.Null();
  }
  w.Key("proxy");
  w.StartObject();
  w.Key("dropped_events");
  w.Uint64(state.proxy.dropped_events);
  w.Key("unseen_messages");
  w.Uint64(state.proxy.unseen_messages);
  w.Key("last_at");
  w.Int64(state.proxy.last_at);
  w.Key("last_reason");
  w.String(state.proxy.last_reason.c_str(),
           static_cast<rapidjson::SizeType>(state.proxy.last_reason.size()));
  w.EndObject();
  w.Key("otlp_rejected");
  w.Uint64(state.otlp_rejected);
  w.Key("dead_lettered");
  w.Uint64(state.dead_lettered);
  w.Key("last_dead_lettered_at");
  w.Int64(state.last_dead_lettered_at);
  w.EndObject();
  return std::string(buf.GetString()) + "\n";
}

// Under the root lock: reads the state, lets `change` change it (false: it
// changed nothing) and replaces the file when something changed.
template <typename Change>
void update(const Spool& spool, Change change) {
  UniqueFd lock = lock_root_file(spool, kStateLockFile, true);
  Loaded loaded = load(spool);
  if (!change(loaded.state) && !loaded.legacy_proxy_file) return;
  write_root_file(spool, kStateFile, serialize(loaded.state));
  // Folded in: the old file would count twice for a reader of both.
  if (loaded.legacy_proxy_file) remove_root_file(spool, kProxyDroppedFile);
}

void count_dead_lettered(RootState& s, uint64_t events, int64_t when) {
  if (events == 0) return;
  s.dead_lettered += events;
  s.last_dead_lettered_at = when;
}

}  // namespace

RootState read_root_state(const Spool& spool) { return load(spool).state; }

void clear_hold(const Spool& spool) {
  update(spool, [](RootState& s) { return std::exchange(s.hold_until, 0) != 0; });
}

Requeued requeue_now(const Spool& spool, const std::vector<SpooledFile>& files, bool sync) {
  Requeued r;
  for (const SpooledFile& f : files) {
    if (f.state == SpoolState::kQueue)
      r.already_queued.push_back(f.name);
    else if (requeue(spool, f, sync) == SpoolOutcome::kDone)
      ++r.moved;
  }
  clear_hold(spool);
  return r;
}

void extend_hold(const Spool& spool, int64_t until, int64_t now, double max_backoff) {
  update(spool, [&](RootState& s) {
    if (until <= effective_hold(s.hold_until, now, max_backoff)) return false;
    s.hold_until = until;
    return true;
  });
}

void record_flush(const Spool& spool, const FlushSummary& run, const DeliveredStarts& starts,
                  bool follow) {
  update(spool, [&](RootState& s) {
    if (replaces_last_summary(run, follow, s.last_flush.has_value())) s.last_flush = run;
    s.open = starts.open;
    s.otlp_rejected += run.rejected;
    count_dead_lettered(s, run.dead, static_cast<int64_t>(run.started_at + run.seconds));
    // Written even when nothing changed: the file's time says when the
    // flusher last looked.
    return true;
  });
}

void record_disabled_flush(const std::string& root, double started_at) {
  if (!spool_exists(root)) return;
  FlushSummary run;
  run.started_at = started_at;
  run.result = "disabled";
  // The delivered starts are those of the state as it is under the lock:
  // a disabled run delivered none.
  update(Spool::open(root, false), [&](RootState& s) {
    if (replaces_last_summary(run, false, s.last_flush.has_value())) s.last_flush = run;
    return true;
  });
}

void add_dead_lettered(const Spool& spool, uint64_t events, int64_t now) {
  if (events == 0) return;
  update(spool, [&](RootState& s) {
    count_dead_lettered(s, events, now);
    return true;
  });
}

void add_proxy_counts(const Spool& spool, uint64_t dropped_events, uint64_t unseen_messages,
                      const std::string& reason, int64_t now) {
  update(spool, [&](RootState& s) {
    s.proxy.dropped_events += dropped_events;
    s.proxy.unseen_messages += unseen_messages;
    s.proxy.last_at = now;
    s.proxy.last_reason = reason;
    return true;
  });
}

}  // namespace mcpr
