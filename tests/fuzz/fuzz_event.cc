// Whole events (import, and every file flush reads): checked or refused with
// a reason; an accepted one has an interaction id whose key a file name can
// carry and that reads back as the id (or is a hash).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "spool/event_name.h"
#include "src/event/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto event = mcpr::check_event(body, &error);
  if (event) {
    const std::string key = mcpr::interaction_key(event->interaction_id);
    if (!mcpr::valid_interaction_key(key) || key.find_first_of(",/") != std::string::npos)
      std::abort();
    auto id = mcpr::id_of_interaction_key(key);
    if (id ? *id != event->interaction_id : key.rfind("%%", 0) != 0) std::abort();
  }
  if (!event && error.empty()) std::abort();
  return 0;
}
