// How the tracker names what it matches messages by.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "src/proxy/json_tree.h"

namespace mcpr {

// The key a request id or a progress token is matched by: its kind and its
// value, so that 1 and "1" stay apart; "" for what cannot be one (absent,
// null, cut, an object). A number is keyed by its value as a double, as a
// JavaScript peer reads it and echoes it back: 1.0 is answered as 1, and
// 12345678901234567890 as 12345678901234567000.
inline std::string id_key(const JsonTree::Node* n) {
  if (JsonTree::is(n, JsonTree::Kind::kString)) return "s" + std::string(n->text);
  if (!JsonTree::is(n, JsonTree::Kind::kNumber)) return "";
  const std::string text(n->text);
  const double value = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(value)) return "n" + text;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", value == 0 ? 0.0 : value);  // -0 is 0
  return "n" + std::string(buf);
}

// Which of the official MCP SDKs' readers take a message, or a value in it:
// the TypeScript SDK's (JSON.parse, then its zod schemas) and the Python
// SDK's (json, then its pydantic models). A set of bits.
enum Takers : uint8_t {
  kTakenByNone = 0,
  kTakenByTypescript = 1,
  kTakenByPython = 2,
  kTakenByBoth = 3,
};

namespace message_keys_detail {
// A number's value, whether it is written as an integer (no fraction, no
// exponent), and whether it is a whole number within JavaScript's safe
// integers (zod's int()).
struct Number {
  double value;
  bool plain;
  bool whole;
  bool safe;
};
inline Number number_of(std::string_view text) {
  const std::string copy(text);
  Number n;
  n.value = std::strtod(copy.c_str(), nullptr);
  n.plain = text.find_first_of(".eEIN") == std::string_view::npos;
  n.whole = std::isfinite(n.value) && n.value == std::trunc(n.value);
  n.safe = n.whole && std::fabs(n.value) <= 9007199254740991.0;
  return n;
}
}  // namespace message_keys_detail

// Who takes this request id (and answers' ids): a string, or an integer.
// zod wants a safe integer (JSON.parse reads 1.0 and 1e2 as integers);
// pydantic (strict int) any integer written as one, so 1.0 and 1e2, which
// Python's json reads as floats, are refused there. 1.5 by both.
inline uint8_t id_takers(const JsonTree::Node* n) {
  if (JsonTree::is(n, JsonTree::Kind::kString)) return kTakenByBoth;
  if (!JsonTree::is(n, JsonTree::Kind::kNumber)) return kTakenByNone;
  const auto v = message_keys_detail::number_of(n->text);
  if (v.plain) return v.safe ? kTakenByBoth : kTakenByPython;
  return v.safe ? kTakenByTypescript : kTakenByNone;
}

// Who takes this error code: zod wants a safe integer; pydantic (lax int)
// any whole number, and also a string of digits or a boolean.
inline uint8_t code_takers(const JsonTree::Node* n) {
  if (JsonTree::is(n, JsonTree::Kind::kBool)) return kTakenByPython;
  if (JsonTree::is(n, JsonTree::Kind::kString)) {
    std::string_view s = n->text;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
    if (s.empty() || s.find_first_not_of("0123456789") != std::string_view::npos)
      return kTakenByNone;
    return kTakenByPython;
  }
  if (!JsonTree::is(n, JsonTree::Kind::kNumber)) return kTakenByNone;
  const auto v = message_keys_detail::number_of(n->text);
  if (v.plain && !std::isfinite(v.value)) return kTakenByPython;  // beyond a double
  if (!v.whole) return kTakenByNone;
  return v.safe ? kTakenByBoth : kTakenByPython;
}

// The names of an object's members, in order ({} when not an object).
inline std::vector<std::string> keys_of(const JsonTree& tree, const JsonTree::Node* object) {
  std::vector<std::string> keys;
  if (!JsonTree::is(object, JsonTree::Kind::kObject)) return keys;
  for (const JsonTree::Node* n = tree.first(object); n; n = tree.next(n))
    keys.emplace_back(n->key);
  return keys;
}

}  // namespace mcpr
