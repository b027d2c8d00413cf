// The config file's part of load_config(): TOML in, Config::set() calls out.
#pragma once

#include <string>

#include "src/config/config.h"

namespace mcpr {

// Reads `path` (absolute) into `config`: every known key through
// Config::set() with its file:line origin and relative paths resolved against
// the file's folder; unknown keys and a key readable by others become
// warnings. Throws Failure (78) for a file that cannot be read or parsed
// ("file:line:column: what") and for a value of the wrong type.
void read_config_file(Config& config, const std::string& path);

}  // namespace mcpr
