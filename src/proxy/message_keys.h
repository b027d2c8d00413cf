// How the tracker names what it matches messages by.
#pragma once

#include <string>
#include <vector>

#include "src/proxy/json_tree.h"

namespace mcpr {

// The key a request id or a progress token is matched by: its kind and its
// text, so that 1 and "1" stay apart; "" for what cannot be one (absent,
// null, cut, an object).
inline std::string id_key(const JsonTree::Node* n) {
  if (JsonTree::is(n, JsonTree::Kind::kNumber)) return "n" + std::string(n->text);
  if (JsonTree::is(n, JsonTree::Kind::kString)) return "s" + std::string(n->text);
  return "";
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
