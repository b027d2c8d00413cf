// What `status` and `list` say about a spool: counts per state, ages, the
// next attempt, the last flush, and each event's particulars.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "spool/spool.h"
#include "src/state/flush_state.h"
#include "src/state/root_state.h"

namespace mcpr {

struct AgeBucket {
  int64_t upper_minutes;  // -1 for the last, open-ended bucket
  unsigned count = 0;
};

struct SpoolStatus {
  std::string spool;
  unsigned queued = 0, due = 0, dead = 0, corrupt = 0, tmp = 0;
  // Queued events held behind an earlier event of their interaction in dead/.
  unsigned held = 0;
  // Those of the due events that wait for the coordinator's Retry-After
  // (hold_until); `due` counts them too (one meaning in every output).
  unsigned waiting_for_hold = 0;
  uint64_t bytes = 0;
  std::optional<int64_t> oldest_queued_age_s;           // in the spool (its file's mtime)
  std::optional<int64_t> oldest_queued_recorded_age_s;  // since recorded (its timestamp)
  std::optional<int64_t> next_attempt_at;  // epoch seconds
  int64_t hold_until = 0;
  std::optional<FlushSummary> last_flush;
  std::vector<AgeBucket> age_buckets;  // queued events by age, qshape's buckets
  // Interactions started and not ended: a start queued, dead or delivered
  // (flush remembers delivered starts in state.json until max_age_days),
  // and no complete or error queued, dead or delivered.
  std::vector<std::string> open_interactions;
  ProxyCounts proxy;  // what `proxy` could not record, ever
  uint64_t otlp_rejected = 0;        // spans and log records OTLP endpoints refused (partialSuccess), ever
  uint64_t dead_lettered = 0;        // events moved to dead/, ever
  int64_t last_dead_lettered_at = 0;  // epoch seconds; 0 for never

  std::string text() const;
  std::string dead_letters_text() const;  // " (N dead-lettered in all, the last at T)", or ""
  std::string json() const;
  std::string prometheus() const;  // node_exporter textfile-collector format
};

// `value` escaped for a Prometheus label value: backslash, double quote and
// newline (the text exposition format).
std::string prometheus_label_value(const std::string& value);

// What the spool holds at `now` (epoch seconds), as flush with
// `max_backoff` would see it.
SpoolStatus spool_status(const Spool& spool, int64_t now, double max_backoff);

// How long the longest-waiting due event has been in the queue (since it
// was queued or requeued, by its file's mtime), in seconds; 0 when none is due.
int64_t oldest_due_wait(const Spool& spool, int64_t now);

struct ListedEvent {
  SpoolState state;
  std::string name;
  std::string event_id;
  std::string action;  // "interaction_start", or "?" for a corrupt file
  std::string interaction_id;
  int64_t timestamp_us = 0;  // the event's timestamp, 0 when the name does not say
  unsigned attempts = 0;
  int64_t due = 0;  // epoch seconds, rounded up; 0 when never failed
  uint64_t size = 0;
  std::string reason;  // why it is in dead/ or corrupt/
};

// Events of one state, or of every state, oldest first.
std::vector<ListedEvent> list_events(const Spool& spool, std::optional<SpoolState> only);
std::string listed_json(const ListedEvent& e);

}  // namespace mcpr
