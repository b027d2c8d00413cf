// The DATA of a recording command, HTTPie-style: key=value (a string
// member), key:=json (any JSON value) and --data JSON|@FILE|- (a whole
// object whose members the fields then set or override).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpr {

struct Field {
  std::string key;
  bool is_json = false;  // key:=json rather than key=value
  std::string value;
};

// Splits one argument at its first '='; ":=" when the character before that
// '=' is ':'. nullopt with a reason for an argument without '=' or with an
// empty key.
std::optional<Field> parse_field(std::string_view arg, std::string* error);

// The payload object, serialized as the old reporter would. `data` is the
// text of --data after @FILE/- were read (nullopt when not given). Throws
// Failure (65) naming the offending argument.
std::string build_payload(const std::optional<std::string>& data,
                          const std::vector<std::string>& fields);

// Reads the text behind --data: literal JSON, @FILE, or - for stdin. Throws
// Failure (66) when the file is missing, and (65) as soon as more than `limit`
// bytes have come: an endless source (/dev/zero, a runaway pipe) stops there.
std::string read_data_argument(const std::string& arg, size_t limit);

}  // namespace mcpr
