// What a flush leaves in the spool's root state for `status` (the owner of
// that file is src/state/root_state.h): a run's summary, and the
// interactions whose start was delivered and whose end was not yet.
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace mcpr {

struct FlushSummary {
  double started_at = 0;  // epoch seconds
  double seconds = 0;
  unsigned sent = 0;
  unsigned retried = 0;
  unsigned dead = 0;
  unsigned corrupt = 0;
  unsigned left = 0;
  unsigned rejected = 0;  // spans and log records an OTLP endpoint refused in a partialSuccess
  int exit_code = 0;
  std::string result = "ok";  // ok, dead, retry, outage, key-rejected, held, budget, disabled

  std::string line() const;  // "sent N, retried N, dead N, left N in T s"
  std::string json() const;
  // Whether the run did anything worth reporting: sent, retried, set aside
  // or failed.
  bool busy() const;
};

// Whether a run's summary replaces the last one kept for `status`: under
// --follow, a pass that found nothing to do keeps the record of the last one
// that did, so status does not read "sent 0" right after a delivery.
bool replaces_last_summary(const FlushSummary& run, bool follow, bool have_last);

// Interactions whose start was delivered and whose complete or error was
// not yet, with the start's time (epoch seconds): what `status` reports as
// open once the events have left the spool. Interactions are named by their
// key in file names (spool/event_name.h interaction_key()), as `status`
// finds them in the spool.
struct DeliveredStarts {
  std::map<std::string, double> open;

  // Notes a delivered event (its action code and interaction key).
  void delivered(char action, const std::string& interaction_key, double timestamp);
  // Forgets starts older than `max_age` seconds, and the oldest beyond
  // kMaxOpen, so the file stays small.
  void trim(double now, double max_age);
  static constexpr size_t kMaxOpen = 1000;
};

}  // namespace mcpr
