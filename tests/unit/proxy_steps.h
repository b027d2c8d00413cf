// Messages as the proxy sees them, for the tracker's tests.
#pragma once

#include <string>

#include "src/proxy/interaction_tracker.h"

namespace mcpr {

constexpr Direction kUp = Direction::kClientToServer;
constexpr Direction kDown = Direction::kServerToClient;

struct Step {
  Direction direction;
  std::string line;  // a long line's head when `tail` is set
  const char* tail = nullptr;
};

}  // namespace mcpr
