// Spool file names: what parses formats back to a name that parses to the
// same thing, and every name we make parses.
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
      again->interaction_id != parsed->interaction_id || again->attempts != parsed->attempts ||
      again->due_ms != parsed->due_ms || again->timestamp_us != parsed->timestamp_us)
    std::abort();
  if (mcpr::event_id_of(parsed->format()) != parsed->event_id()) std::abort();
  return 0;
}
