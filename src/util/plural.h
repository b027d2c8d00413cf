// "1 event", "2 events": a count with its noun, for messages.
#pragma once

#include <cstddef>
#include <string>

namespace mcpr {

// `n` and `word`, with an "s" unless n is 1 ("0 events", "1 event").
inline std::string plural(size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace mcpr
