#include "src/state/flush_state.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "src/util/failure.h"

namespace mcpr {

void DeliveredStarts::delivered(char action, const std::string& interaction_key, double timestamp) {
  if (action == 's')
    open[interaction_key] = timestamp;
  else if (action == 'c' || action == 'e')
    open.erase(interaction_key);
  // A backlog of starts must not grow the map without bound mid-run.
  if (open.size() > 2 * kMaxOpen) trim(timestamp, 1e18);
}

void DeliveredStarts::trim(double now, double max_age) {
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
  w.StartObject();
  w.Key("started_at");
  w.Double(started_at);
  w.Key("seconds");
  w.Double(seconds);
  w.Key("sent");
  w.Uint(sent);
  w.Key("retried");
  w.Uint(retried);
  w.Key("dead");
  w.Uint(dead);
  w.Key("corrupt");
  w.Uint(corrupt);
  w.Key("left");
  w.Uint(left);
  w.Key("rejected");
  w.Uint(rejected);
  w.Key("exit_code");
  w.Int(exit_code);
  w.Key("result");
  w.String(result.c_str());
  w.EndObject();
  return buf.GetString();
}

bool FlushSummary::busy() const {
  return sent || retried || dead || corrupt || exit_code != kExitOk;
}

bool replaces_last_summary(const FlushSummary& run, bool follow, bool have_last) {
  return !have_last || !follow || run.busy();
}

}  // namespace mcpr
