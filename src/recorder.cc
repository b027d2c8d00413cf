#include "src/recorder.h"

#include <ctime>

#include "spool/spool.h"
#include "spool/writer.h"
#include "src/failure.h"

namespace mcpr {

int64_t now_us() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

std::string record_body(const Config& config, const EventSummary& event,
                        const std::string& body) {
  if (!config.enabled) return "";
  if (body.size() > static_cast<uint64_t>(config.max_event_kb) * 1024)
    throw Failure(kExitDataErr, "event",
                  std::to_string((body.size() + 1023) / 1024) + " KiB is over max_event_kb (" +
                      std::to_string(config.max_event_kb) + ")");
  Spool spool = Spool::open(config.spool_path(), true);
  const uint64_t min_free = static_cast<uint64_t>(config.min_free_mb) << 20;
  if (min_free > 0) {
    uint64_t free = spool.free_bytes();
    if (free < min_free + body.size())
      throw Failure(kExitCantCreate, "spool " + spool.root(),
                    "only " + std::to_string(free >> 20) + " MiB free (min_free_mb is " +
                        std::to_string(config.min_free_mb) + ")");
  }
  EventName name;
  name.timestamp_us = event.timestamp_us;
  name.action = action_info(event.action).code;
  name.interaction_id = event.interaction_id;
  return enqueue(spool, name, body, config.sync);
}

std::string record_event(const Config& config, Action action,
                         const std::string& interaction_id, const std::string& payload_json,
                         int64_t timestamp_us) {
  if (!config.enabled) return "";
  if (config.mcp_id.empty())
    throw Failure(kExitConfig, "mcp_id", "not set",
                  "set [mcp] mcp_id in the config file, MCP_REPORT_MCP_ID or --mcp-id");
  EventSummary event{action, interaction_id, config.mcp_id, timestamp_us};
  return record_body(config, event,
                     event_body(action, interaction_id, config.mcp_id, timestamp_us,
                                payload_json));
}

}  // namespace mcpr
