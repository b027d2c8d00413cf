#include "spool/event_name.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace mcpr {
namespace {

bool all_of(std::string_view s, bool (*pred)(char)) {
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

template <typename T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty() || !all_of(s, is_digit)) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

constexpr int64_t kSecondsBelow = 100000000000;  // 10^11

}  // namespace

std::string EventName::event_id() const {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016lld-", static_cast<long long>(timestamp_us));
  return buf + unique;
}

std::string EventName::format() const {
  std::string name = event_id();
  name += '.';
  name += action;
  name += '.';
  name += interaction_key;
  if (attempts > 0 || due_ms > 0) {
    name += ',' + std::to_string(attempts) + ',' + std::to_string(due_ms);
  }
  return name;
}

std::optional<EventName> EventName::parse(std::string_view name) {
  // 16 digits, '-', 12 hex, '.', action, '.', id of at least one character.
  if (name.size() < 16 + 1 + 12 + 3 + 1) return std::nullopt;
  EventName e;
  if (!parse_number(name.substr(0, 16), e.timestamp_us) || name[16] != '-') return std::nullopt;
  std::string_view unique = name.substr(17, 12);
  if (!all_of(unique, is_hex) || name[29] != '.' || name[31] != '.') return std::nullopt;
  e.unique = std::string(unique);
  e.action = name[30];
  if (e.action != 's' && e.action != 'p' && e.action != 'c' && e.action != 'e') return std::nullopt;
  std::string_view rest = name.substr(32);
  size_t comma = rest.find(',');
  std::string_view id = rest.substr(0, comma);
  if (id.empty()) return std::nullopt;
  e.interaction_key = std::string(id);
  if (comma != std::string_view::npos) {
    std::string_view state = rest.substr(comma + 1);
    size_t second = state.find(',');
    if (second == std::string_view::npos || !parse_number(state.substr(0, second), e.attempts) ||
        !parse_number(state.substr(second + 1), e.due_ms))
      return std::nullopt;
    // An older name, in seconds. A due time before 1973 is "due now" either
    // way; it is lifted to 10^11 ms so that the name it formats to reads back
    // the same (what parse() reads, format() writes, and parse() reads again).
    if (e.due_ms > 0 && e.due_ms < kSecondsBelow) e.due_ms = std::max(e.due_ms * 1000, kSecondsBelow);
  }
  return e;
}

std::string_view event_id_of(std::string_view file_name) {
  return file_name.substr(0, file_name.find('.'));
}

std::string handle_of(std::string_view file_name) {
  return std::string(EventName::parse(file_name) ? event_id_of(file_name) : file_name);
}

std::string_view interaction_key_of(std::string_view file_name) {
  std::string_view rest = file_name.substr(std::min<size_t>(file_name.size(), 32));
  return rest.substr(0, rest.find(','));
}

bool is_plain_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

namespace {

constexpr char kUpperHex[] = "0123456789ABCDEF";
constexpr std::string_view kHashedKey = "%%";

int upper_hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string interaction_key(std::string_view id) {
  std::string key;
  for (char c : id) {
    if (is_plain_id_char(c)) {
      key += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      key += '%';
      key += kUpperHex[b >> 4];
      key += kUpperHex[b & 15];
    }
  }
  if (key.size() <= kMaxEscapedKey) return key;
  uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a: stable, spread, not secret
  for (unsigned char c : id) hash = (hash ^ c) * 0x100000001b3ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return std::string(kHashedKey) + hex;
}

std::optional<std::string> id_of_interaction_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxEscapedKey || key.substr(0, 2) == kHashedKey)
    return std::nullopt;
  std::string id;
  for (size_t i = 0; i < key.size(); ++i) {
    if (is_plain_id_char(key[i])) {
      id += key[i];
      continue;
    }
    if (key[i] != '%' || i + 2 >= key.size()) return std::nullopt;
    const int high = upper_hex_value(key[i + 1]), low = upper_hex_value(key[i + 2]);
    const auto byte = static_cast<unsigned char>(high * 16 + low);
    // An escape of a plain byte is not what interaction_key() writes.
    if (high < 0 || low < 0 || is_plain_id_char(static_cast<char>(byte))) return std::nullopt;
    id += static_cast<char>(byte);
    i += 2;
  }
  return id;
}

bool valid_interaction_key(std::string_view key) {
  if (key.size() == kHashedKey.size() + 16 && key.substr(0, 2) == kHashedKey)
    return all_of(key.substr(2), is_hex);
  return id_of_interaction_key(key).has_value();
}

}  // namespace mcpr
