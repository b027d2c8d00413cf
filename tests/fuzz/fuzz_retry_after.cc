// Retry-After parsing: seconds or an HTTP date; never negative.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "src/delivery/retry_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  auto seconds = mcpr::parse_retry_after(value, 1764000000);
  if (seconds && !(*seconds >= 0)) std::abort();
  return 0;
}
