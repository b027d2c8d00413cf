// Events as the coordinator receives them (man page WIRE PROTOCOL): one JSON object with
// action, interaction_id, mcp_id, timestamp and one *_data object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "spool/spool.h"

namespace mcpr {

enum class Action { kStart, kProgress, kComplete, kError };

struct ActionInfo {
  Action action;
  const char* command;      // "start"
  const char* name;         // "interaction_start"
  const char* data_member;  // "request_data"
  char code;                // 's', the letter in the spool file name
};
const ActionInfo& action_info(Action action);
const ActionInfo* action_by_name(std::string_view name);
const ActionInfo* action_by_code(char code);

// 1-128 characters of [A-Za-z0-9._:-]: what the recording commands take.
bool valid_interaction_id(std::string_view id);
// Why `id` cannot be the interaction id of a whole event (import, flush):
// empty, not UTF-8, or holding a control character; "" when it can. The
// old reporter took any such id ("task 42/α"), and import keeps them.
std::string imported_interaction_id_problem(std::string_view id);
// The same, as a data error (Failure, exit 65) naming the id.
void require_valid_interaction_id(const std::string& id);
// The interaction id of a spooled event's file `name` in `state`: from the
// name's key, or, for a key that is a hash (an imported id too long for a
// name), from the body; the key itself when neither says.
std::string spooled_interaction_id(const Spool& spool, SpoolState state, const std::string& name);

// int_<unix seconds>_<8 lowercase hex>, the old reporter's format: the hex
// random (one getrandom(2)), or `random`'s.
std::string new_interaction_id(int64_t now_seconds);
std::string new_interaction_id(int64_t now_seconds, uint32_t random);

// The request body. `payload_json` is an already serialized object.
std::string event_body(Action action, const std::string& interaction_id, const std::string& mcp_id,
                       int64_t timestamp_us, const std::string& payload_json);

// The largest event body `max_event_kb` lets through, in bytes: the one
// limit that recording, --data and the proxy's payloads all follow.
size_t max_event_bytes(int64_t max_event_kb);

// The most a payload may hold for an event of at most `max_event_kb` with
// this mcp_id, keeping room for the envelope around it (action, ids,
// timestamp): what the proxy cuts captured values to. At least 1.
size_t payload_room(int64_t max_event_kb, const std::string& mcp_id);

// What a whole event says about itself, once checked.
struct EventSummary {
  Action action;
  std::string interaction_id;
  std::string mcp_id;
  int64_t timestamp_us;
};

// Checks that `body` is exactly one event of the man page's WIRE PROTOCOL: an object with the
// five members and nothing else, of the right types, its interaction id as
// imported_interaction_id_problem() allows. Numbers may be
// Python's NaN, Infinity and -Infinity (no other spelling: not "Inf"). On
// failure returns nullopt with the reason in `error`.
std::optional<EventSummary> check_event(std::string_view body, std::string* error);

}  // namespace mcpr
