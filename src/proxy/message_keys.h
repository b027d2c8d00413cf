// How the tracker names what it matches messages by.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
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

// The names of an object's members, in order ({} when not an object).
inline std::vector<std::string> keys_of(const JsonTree& tree, const JsonTree::Node* object) {
  std::vector<std::string> keys;
  if (!JsonTree::is(object, JsonTree::Kind::kObject)) return keys;
  for (const JsonTree::Node* n = tree.first(object); n; n = tree.next(n))
    keys.emplace_back(n->key);
  return keys;
}

}  // namespace mcpr
