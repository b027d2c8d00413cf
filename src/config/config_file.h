// The config file's part of load_config(): TOML in, Config::set() calls out.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "src/config/config.h"

namespace mcpr {

// Reads `path` (absolute) into `config`: every known key through
// Config::set() with its file:line origin and relative paths resolved against
// the file's folder; unknown keys become warnings. Throws Failure (78) for a
// file that cannot be read or parsed ("file:line:column: what") and for a
// value of the wrong type.
void read_config_file(Config& config, const std::string& path);

// The whole of a small file the user names (the config file, api_key_file,
// otlp_headers_file): a regular file only (a FIFO or /dev/zero would hang or
// never end), at most `max_bytes`. Throws Failure (78) naming `what` and the
// path otherwise.
std::string read_small_file(const std::string& what, const std::string& path, size_t max_bytes);

}  // namespace mcpr
