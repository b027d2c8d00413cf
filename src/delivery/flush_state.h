// What flush keeps in the spool's root between runs (state.json): the time
// before which the coordinator asked not to be sent to (Retry-After), and
// the last run's summary for `status`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "spool/spool.h"

namespace mcpr {

struct FlushSummary {
  double started_at = 0;  // epoch seconds
  double seconds = 0;
  unsigned sent = 0;
  unsigned retried = 0;
  unsigned dead = 0;
  unsigned corrupt = 0;
  unsigned left = 0;
  unsigned rejected = 0;  // records an OTLP endpoint refused in a partialSuccess
  int exit_code = 0;
  std::string result = "ok";  // ok, dead, retry, outage, key-rejected, held, budget

  std::string line() const;  // "sent N, retried N, dead N, left N in T s"
  std::string json() const;
};

struct FlushState {
  int64_t hold_until = 0;  // epoch seconds; 0 for none
  std::optional<FlushSummary> last;
  // Interactions whose start was delivered and whose complete or error was
  // not yet, with the start's time (epoch seconds): what `status` reports
  // as open once the events have left the spool.
  std::map<std::string, double> open;

  // Notes a delivered event (its action code and interaction).
  void delivered(char action, const std::string& interaction_id, double timestamp);
  // Forgets starts older than `max_age` seconds, and the oldest beyond
  // kMaxOpen, so the file stays small.
  void trim_open(double now, double max_age);
  static constexpr size_t kMaxOpen = 1000;
};

FlushState load_flush_state(const Spool& spool);
void save_flush_state(const Spool& spool, const FlushState& state);

}  // namespace mcpr
