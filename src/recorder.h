// The recording path: turn one event into one queued spool file, touching
// nothing but the spool (no network, no lock, no directory scan).
#pragma once

#include <cstdint>
#include <string>

#include "src/config.h"
#include "src/event.h"

namespace mcpr {

// Microseconds since the epoch, now.
int64_t now_us();

// Spools an event built from its parts. Returns the file name, or "" when
// logging is disabled. Throws Failure: 78 without mcp_id, 65 for an event
// over max_event_kb, 73 when the spool cannot be written or is too full.
std::string record_event(const Config& config, Action action,
                         const std::string& interaction_id, const std::string& payload_json,
                         int64_t timestamp_us);

// Spools an already checked whole event body unchanged (import).
std::string record_body(const Config& config, const EventSummary& event,
                        const std::string& body);

}  // namespace mcpr
