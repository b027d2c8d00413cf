#include "src/event/recorder.h"

#include <ctime>

#include "spool/writer.h"
#include "src/util/failure.h"

namespace mcpr {

// Read directly rather than through src/util/clock.h: this is the recording
// hot path, and one clock_gettime into integers skips the double round trip.
int64_t now_us() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

RecorderOptions recorder_options(const Config& config) {
  RecorderOptions o;
  o.enabled = config.enabled;
  o.spool = config.spool_path();
  o.mcp_id = config.mcp_id;
  o.max_event_kb = config.max_event_kb;
  o.min_free_mb = config.min_free_mb;
  o.sync = config.sync;
  return o;
}

void check_event_size(const std::string& body, int64_t max_event_kb) {
  if (body.size() > max_event_bytes(max_event_kb))
    throw Failure(kExitDataErr, "event",
                  std::to_string((body.size() + 1023) / 1024) + " KiB is over max_event_kb (" +
                      std::to_string(max_event_kb) + ")");
}

void Recorder::open_spool() {
  if (!spool_) spool_.emplace(Spool::open(options_.spool, true));
}

void Recorder::prepare(const std::string& body) {
  check_event_size(body, options_.max_event_kb);
  check_room(body.size());
}

void Recorder::check_room(uint64_t bytes) {
  open_spool();
  const uint64_t min_free = static_cast<uint64_t>(options_.min_free_mb) << 20;
  if (min_free > 0) {
    uint64_t free = spool_->free_bytes();
    if (free < min_free + bytes)
      throw Failure(kExitCantCreate, "spool " + spool_->root(),
                    "only " + std::to_string(free >> 20) + " MiB free (min_free_mb is " +
                        std::to_string(options_.min_free_mb) + ")");
  }
}

void Recorder::require_mcp_id() const {
  if (options_.mcp_id.empty())
    throw Failure(kExitConfig, "mcp_id", "not set",
                  "set [mcp] mcp_id in the config file, MCP_REPORT_MCP_ID or --mcp-id");
}

namespace {

EventName name_for(const EventSummary& event) {
  EventName name;
  name.timestamp_us = event.timestamp_us;
  name.action = action_info(event.action).code;
  name.interaction_key = interaction_key(event.interaction_id);
  return name;
}

}  // namespace

std::string Recorder::record_body(const EventSummary& event, const std::string& body) {
  if (!options_.enabled) return "";
  prepare(body);
  EventName name = name_for(event);
  return enqueue(*spool_, name, body, options_.sync);
}

std::string Recorder::import_body(const EventSummary& event, const std::string& body) {
  prepare(body);
  if (!spooled_ids_) {
    // One scan per import, not per line.
    spooled_ids_.emplace();
    for (SpoolState s : {SpoolState::kQueue, SpoolState::kDead, SpoolState::kCorrupt})
      for (const std::string& n : list_names(*spool_, s)) spooled_ids_->emplace(event_id_of(n));
  }
  EventName name = name_for(event);
  name.unique = content_unique(body);
  if (!spooled_ids_->insert(name.event_id()).second) return "";
  return enqueue_as_named(*spool_, name, body, options_.sync);
}

std::string Recorder::record(Action action, const std::string& interaction_id,
                             const std::string& payload_json, int64_t timestamp_us) {
  if (!options_.enabled) return "";
  require_mcp_id();
  EventSummary event{action, interaction_id, options_.mcp_id, timestamp_us};
  return record_body(
      event, event_body(action, interaction_id, options_.mcp_id, timestamp_us, payload_json));
}

std::optional<std::string> Recorder::checked_body(Action action,
                                                  const std::string& interaction_id,
                                                  const std::string& payload_json,
                                                  int64_t timestamp_us) const {
  if (!options_.enabled || options_.mcp_id.empty()) return std::nullopt;
  std::string body = event_body(action, interaction_id, options_.mcp_id, timestamp_us, payload_json);
  check_event_size(body, options_.max_event_kb);
  return body;
}

size_t Recorder::record_all(const std::vector<Parts>& events, std::string& error,
                            std::vector<bool>* written) {
  if (written) written->assign(events.size(), false);
  if (!options_.enabled) return 0;
  auto fail = [&error](const std::exception& e) {
    if (error.empty()) error = *e.what() ? e.what() : "unknown error";
  };
  std::vector<PendingEvent> pending;
  pending.reserve(events.size());
  std::vector<size_t> index;  // of each pending event in `events`
  index.reserve(events.size());
  uint64_t bytes = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const Parts& p = events[i];
    try {
      require_mcp_id();
      std::string body =
          event_body(p.action, p.interaction_id, options_.mcp_id, p.timestamp_us, p.payload_json);
      check_event_size(body, options_.max_event_kb);
      bytes += body.size();
      pending.push_back({name_for({p.action, p.interaction_id, options_.mcp_id, p.timestamp_us}),
                         std::move(body), {}});
      index.push_back(i);
    } catch (const std::exception& e) {
      fail(e);
    }
  }
  if (pending.empty()) return 0;
  try {
    check_room(bytes);  // once for the run: one statfs(2), not one per event
    enqueue_all(*spool_, pending, options_.sync);
  } catch (const std::exception& e) {
    fail(e);
  }
  size_t done = 0;
  for (size_t i = 0; i < pending.size(); ++i) {
    if (pending[i].file_name.empty()) continue;
    ++done;
    if (written) (*written)[index[i]] = true;
  }
  return done;
}

}  // namespace mcpr
