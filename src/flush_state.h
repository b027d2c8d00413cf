// What flush keeps in the spool's root between runs (state.json): the time
// before which the coordinator asked not to be sent to (Retry-After), and
// the last run's summary for `status`.
#pragma once

#include <cstdint>
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
  int exit_code = 0;
  std::string result = "ok";  // ok, dead, retry, outage, key-rejected, held, budget

  std::string line() const;  // "sent N, retried N, dead N, left N in T s"
  std::string json() const;
};

struct FlushState {
  int64_t hold_until = 0;  // epoch seconds; 0 for none
  std::optional<FlushSummary> last;
};

FlushState load_flush_state(const Spool& spool);
void save_flush_state(const Spool& spool, const FlushState& state);

}  // namespace mcpr
