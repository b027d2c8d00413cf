// The name of a spooled event file. Everything flush needs to schedule an
// event lives in its name, so a queue of 100,000 events is scheduled from one
// directory read without opening a file:
//
//   <timestamp µs, 16 digits>-<12 hex>.<action>.<interaction id>[,<attempts>,<due>]
//   1764000000123456-3fa9c01e0001.s.int_1764000000_9f8e7d6c
//   1764000000123456-3fa9c01e0001.s.int_1764000000_9f8e7d6c,2,1764000300250
//
// Names sort by the event's timestamp, then by recording order within one
// process. The part before the first '.' is the event id, sent as the
// Idempotency-Key and used as the event's handle by list/show/requeue. The
// interaction id stands in the name as its key (interaction_key()), which
// never holds ',' or '/', so the retry state (failed attempts so far, and
// the epoch millisecond before which the event is not retried) can follow
// it. Names written before millisecond due times carry epoch
// seconds there; a due number below 10^11 (a year past 5000 in seconds,
// 1973 in milliseconds) is read as seconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mcpr {

struct EventName {
  int64_t timestamp_us = 0;
  std::string unique;  // 12 lowercase hex characters
  char action = 's';   // s(tart), p(rogress), c(omplete), e(rror)
  std::string interaction_key;  // interaction_key() of the event's interaction id
  unsigned attempts = 0;  // failed attempts so far
  int64_t due_ms = 0;     // epoch milliseconds; 0 when never failed

  std::string event_id() const;
  std::string format() const;
  // Parses a file name; nullopt when it is not one of ours.
  static std::optional<EventName> parse(std::string_view name);
};

// The event id part of a file name (up to the first '.'), or the whole name.
std::string_view event_id_of(std::string_view file_name);

// The handle list/show/requeue/delete use for a file: its event id when the
// name is one of ours, else the whole name (two corrupt files "junk.txt" and
// "junk.other" must not share the handle "junk").
std::string handle_of(std::string_view file_name);

// The interaction key part of a file name that parse() accepts.
std::string_view interaction_key_of(std::string_view file_name);

// Whether `c` may stand in a name as it is: A-Z a-z 0-9 . _ : - (every
// character of the ids the recording commands take).
bool is_plain_id_char(char c);

// An interaction id as it stands in a file name: as it is when every byte is
// plain (is_plain_id_char), else with every other byte as %XX (uppercase
// hex: "task 42/α" is "task%2042%2F%CE%B1"), and, when that is over
// kMaxEscapedKey bytes, "%%" and 16 lowercase hex digits of a 64-bit hash of
// the id. Distinct ids have distinct keys (a hash collision aside), so the
// key groups an interaction's events; it never holds ',' or '/'.
std::string interaction_key(std::string_view id);
constexpr size_t kMaxEscapedKey = 160;

// The id a key stands for; nullopt for a hashed key (the event's body has the
// id) or a key interaction_key() would not make.
std::optional<std::string> id_of_interaction_key(std::string_view key);

// Whether interaction_key() could have made `key`.
bool valid_interaction_key(std::string_view key);

}  // namespace mcpr
