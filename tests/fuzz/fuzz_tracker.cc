// The proxy's tracker over any lines (man page PROXY, "Faithful"): it never
// crashes, every event it makes is one our own readers of a spooled body
// take (valid UTF-8, numbers a double holds), an interaction starts once and
// ends once, and whatever a strict parser takes the lenient one takes too.
//
// Input: lines; each line's first byte says its direction (bit 0) and
// whether it is given as a long line's two ends (bit 1, split at its middle).
#include <rapidjson/document.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "src/event/event_json.h"
#include "src/proxy/interaction_tracker.h"

namespace {

void check_payload(const std::string& payload) {
  rapidjson::Document doc;
  mcpr::parse_json(doc, payload);
  if (doc.HasParseError() || !doc.IsObject()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mcpr;
  std::map<std::string, int> state;  // interaction id -> 1 open, 2 ended
  TrackerOptions options;
  options.methods = MethodFilter::parse("all");
  options.capture_arguments = size % 2 == 0;
  options.capture_results = size % 3 == 0;
  options.max_payload_bytes = size % 5 == 0 ? 300 : 0;
  options.stdio_lines = size % 7 < 4;  // the long-line and CR rules of stdio's readers
  int made = 0;
  InteractionTracker tracker(
      options,
      [&](ProxyEvent e) {
        check_payload(e.payload);
        int& s = state[e.interaction_id];
        if (e.action == Action::kStart) {
          if (s != 0) std::abort();
          s = 1;
        } else {
          if (s != 1) std::abort();  // an event of an interaction not started, or ended
          if (e.action != Action::kProgress) s = 2;
        }
      },
      [&](int64_t) { return "i" + std::to_string(++made); });
  std::string_view input(reinterpret_cast<const char*>(data), size);
  int64_t t = 0;
  while (!input.empty()) {
    const size_t nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
    if (line.empty()) continue;
    const unsigned char how = static_cast<unsigned char>(line[0]);
    line.remove_prefix(1);
    const Direction d = how & 1 ? Direction::kServerToClient : Direction::kClientToServer;
    const SeenAt at{++t, t};
    if (how & 2) {
      tracker.on_long_line(d, line.substr(0, line.size() / 2), line.substr(line.size() / 2),
                           line.size(), at);
      continue;
    }
    tracker.on_line(d, line, at);
    // What a strict parser takes, the lenient one takes.
    rapidjson::Document strict;
    parse_json<0>(strict, line);
    JsonTree tree;
    if (!strict.HasParseError() && line.find('\0') == std::string_view::npos && !tree.parse(line))
      std::abort();
  }
  tracker.close_all(size % 2 ? SessionEnd::kClientClosed : SessionEnd::kServerExited, "end",
                    {++t, t});
  for (const auto& [id, s] : state)
    if (s != 2) std::abort();  // every interaction ended
  if (tracker.open_count() != 0) std::abort();
  return 0;
}
