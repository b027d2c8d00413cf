// The config loader: any file is loaded, or refused with exit 78; never a
// crash, never another exception.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "src/config/config.h"
#include "src/util/failure.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::string path = [] {
    char name[] = "/tmp/mcpr-fuzz-config-XXXXXX";
    int fd = ::mkstemp(name);
    ::close(fd);
    return std::string(name);
  }();
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(data, 1, size, f);
  std::fclose(f);
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
