#include "src/delivery/flush_state.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace mcpr {
namespace {

template <typename Writer>
void write_summary(Writer& w, const FlushSummary& s) {
  w.StartObject();
  w.Key("started_at");
  w.Double(s.started_at);
  w.Key("seconds");
  w.Double(s.seconds);
  w.Key("sent");
  w.Uint(s.sent);
  w.Key("retried");
  w.Uint(s.retried);
  w.Key("dead");
  w.Uint(s.dead);
  w.Key("corrupt");
  w.Uint(s.corrupt);
  w.Key("left");
  w.Uint(s.left);
  w.Key("rejected");
  w.Uint(s.rejected);
  w.Key("exit_code");
  w.Int(s.exit_code);
  w.Key("result");
  w.String(s.result.c_str());
  w.EndObject();
}

unsigned get_uint(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsUint() ? it->value.GetUint() : 0;
}

double get_double(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsNumber() ? it->value.GetDouble() : 0;
}

}  // namespace

void FlushState::delivered(char action, const std::string& interaction_id, double timestamp) {
  if (action == 's')
    open[interaction_id] = timestamp;
  else if (action == 'c' || action == 'e')
    open.erase(interaction_id);
  // A backlog of starts must not grow the map without bound mid-run.
  if (open.size() > 2 * kMaxOpen) trim_open(timestamp, 1e18);
}

void FlushState::trim_open(double now, double max_age) {
  for (auto it = open.begin(); it != open.end();)
    it = it->second < now - max_age ? open.erase(it) : std::next(it);
  if (open.size() <= kMaxOpen) return;
  std::vector<std::pair<double, std::string>> by_time;
  by_time.reserve(open.size());
  for (const auto& [id, started] : open) by_time.emplace_back(started, id);
  std::nth_element(by_time.begin(), by_time.end() - kMaxOpen, by_time.end());
  for (auto it = by_time.begin(); it != by_time.end() - kMaxOpen; ++it) open.erase(it->second);
}

std::string FlushSummary::line() const {
  char buf[192];
  char corrupt_part[40] = "";
  if (corrupt > 0) std::snprintf(corrupt_part, sizeof corrupt_part, ", corrupt %u", corrupt);
  std::snprintf(buf, sizeof buf, "sent %u, retried %u, dead %u%s, left %u in %.1f s", sent, retried,
                dead, corrupt_part, left, seconds);
  return buf;
}

std::string FlushSummary::json() const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  write_summary(w, *this);
  return buf.GetString();
}

FlushState load_flush_state(const Spool& spool) {
  FlushState state;
  std::optional<std::string> text = read_root_file(spool, kStateFile);
  if (!text) return state;
  rapidjson::Document doc;
  doc.Parse(text->c_str());
  if (doc.HasParseError() || !doc.IsObject()) return state;
  state.hold_until = static_cast<int64_t>(get_double(doc, "hold_until"));
  auto open = doc.FindMember("open_interactions");
  if (open != doc.MemberEnd() && open->value.IsObject())
    for (auto& m : open->value.GetObject())
      if (m.value.IsNumber())
        state.open[std::string(m.name.GetString(), m.name.GetStringLength())] = m.value.GetDouble();
  auto last = doc.FindMember("last_flush");
  if (last != doc.MemberEnd() && last->value.IsObject()) {
    const rapidjson::Value& v = last->value;
    FlushSummary s;
    s.started_at = get_double(v, "started_at");
    s.seconds = get_double(v, "seconds");
    s.sent = get_uint(v, "sent");
    s.retried = get_uint(v, "retried");
    s.dead = get_uint(v, "dead");
    s.corrupt = get_uint(v, "corrupt");
    s.left = get_uint(v, "left");
    s.rejected = get_uint(v, "rejected");
    s.exit_code = static_cast<int>(get_double(v, "exit_code"));
    auto result = v.FindMember("result");
    if (result != v.MemberEnd() && result->value.IsString()) s.result = result->value.GetString();
    state.last = s;
  }
  return state;
}

void save_flush_state(const Spool& spool, const FlushState& state) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
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
  if (state.last)
    write_summary(w, *state.last);
  else
    w.Null();
  w.EndObject();
  write_root_file(spool, kStateFile, std::string(buf.GetString()) + "\n");
}

}  // namespace mcpr
