// Whole events (import, and every file flush reads): checked or refused with
// a reason; an accepted one has a valid interaction id.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "src/event/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto event = mcpr::check_event(body, &error);
  if (event && !mcpr::valid_interaction_id(event->interaction_id)) std::abort();
  if (!event && error.empty()) std::abort();
  return 0;
}
