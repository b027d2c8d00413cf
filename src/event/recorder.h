// The recording path: turn one event into one queued spool file, touching
// nothing but the spool (no network, no lock, no directory scan).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "spool/spool.h"
#include "src/config/config.h"
#include "src/event/event.h"

namespace mcpr {

// Microseconds since the epoch, now.
int64_t now_us();

// Failure 65 when `body` is over max_event_kb.
void check_event_size(const std::string& body, int64_t max_event_kb);

// What recording takes of the configuration.
struct RecorderOptions {
  bool enabled = true;          // enable_interaction_logging
  std::string spool;            // the spool folder
  std::string mcp_id;           // "" refuses to record (78)
  int64_t max_event_kb = 1024;  // larger events are refused (65)
  int64_t min_free_mb = 64;     // less free space than this refuses (73)
  bool sync = true;
};

RecorderOptions recorder_options(const Config& config);

class Recorder {
 public:
  explicit Recorder(RecorderOptions options) : options_(std::move(options)) {}

  // Spools an event built from its parts. Returns the file name, or "" when
  // logging is disabled. Throws Failure: 78 without mcp_id, 65 for an event
  // over max_event_kb, 73 when the spool cannot be written or is too full.
  std::string record(Action action, const std::string& interaction_id,
                     const std::string& payload_json, int64_t timestamp_us);

  // The body record() would spool for these parts, checked against
  // max_event_kb (Failure 65) before anything is written, so that `run`
  // refuses an oversized start before CMD runs; nullopt when record() would
  // spool nothing (logging disabled) or refuse (no mcp_id: it says why).
  std::optional<std::string> checked_body(Action action, const std::string& interaction_id,
                                          const std::string& payload_json,
                                          int64_t timestamp_us) const;

  // The parts of one event, for record_all.
  struct Parts {
    Action action;
    std::string interaction_id;
    std::string payload_json;
    int64_t timestamp_us;
  };
  // Spools several events with one group commit (spool/writer.h
  // enqueue_all): with sync, each is durable when this returns, for about
  // the cost of one. Returns how many were spooled, in order; an event that
  // cannot be (over max_event_kb, spool full or unwritable) is not, and
  // `error` says why the first one failed. With `written`, it holds one flag
  // per event: whether that one was spooled.
  size_t record_all(const std::vector<Parts>& events, std::string& error,
                    std::vector<bool>* written = nullptr);

  // Spools an already checked whole event body unchanged.
  std::string record_body(const EventSummary& event, const std::string& body);

  // The same for import: the event id is derived from the body, and an
  // event whose id is already in the spool (queued, dead or corrupt) is not
  // spooled again. Returns "" for such a duplicate. An explicit migration:
  // it spools even when logging is disabled.
  std::string import_body(const EventSummary& event, const std::string& body);

  // Opens the spool now (it is otherwise opened by the first write), so
  // that a command refuses a spool it cannot write (Failure 73) even when
  // it has nothing to write: import of empty input.
  void open_spool();
  // Opens the spool and checks min_free_mb as a write does (Failure 73),
  // for a command that says before it starts whether it can record.
  void check_spool() { check_room(0); }

 private:
  // Opens the spool and checks max_event_kb and min_free_mb (Failure 65/73).
  void prepare(const std::string& body);
  // Opens the spool and checks that `bytes` more leave min_free_mb free.
  void check_room(uint64_t bytes);
  // Failure 78 when no mcp_id is set.
  void require_mcp_id() const;

  const RecorderOptions options_;
  std::optional<Spool> spool_;  // opened on the first write
  std::optional<std::set<std::string>> spooled_ids_;  // import: ids already in the spool
};

}  // namespace mcpr
