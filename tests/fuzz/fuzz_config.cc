// The config loader: any file is loaded, or refused with exit 78; never a
// crash, never another exception.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "src/config/config.h"
#include "src/util/failure.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The input as a file in memory: a file on disk rewritten for every input
  // made ext4 write it back at each close, ~100 inputs a second.
  static const int fd = ::memfd_create("mcpr-fuzz-config", MFD_CLOEXEC);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
    std::abort();
  mcpr::ConfigOverrides overrides;
  overrides.config_file = path;
  try {
    mcpr::Config config =
        mcpr::load_config(overrides, [](const char*) -> const char* { return nullptr; });
    (void)config.spool_path();
    (void)mcpr::describe_config(config);
  } catch (const mcpr::Failure& failure) {
    if (failure.exit_code() != mcpr::kExitConfig) std::abort();
  }
  return 0;
}
