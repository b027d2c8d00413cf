// Spool file names: what parses formats back to a name that parses to the
// same thing, and every name we make parses; a valid interaction key reads
// back to an id whose key it is.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "spool/event_name.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view name(reinterpret_cast<const char*>(data), size);
  auto parsed = mcpr::EventName::parse(name);
  if (!parsed) return 0;
  auto again = mcpr::EventName::parse(parsed->format());
  if (!again || again->format() != parsed->format() ||
      again->interaction_key != parsed->interaction_key || again->attempts != parsed->attempts ||
      again->due_ms != parsed->due_ms || again->timestamp_us != parsed->timestamp_us)
    std::abort();
  if (mcpr::event_id_of(parsed->format()) != parsed->event_id()) std::abort();
  if (auto id = mcpr::id_of_interaction_key(parsed->interaction_key))
    if (mcpr::interaction_key(*id) != parsed->interaction_key) std::abort();
  return 0;
}
