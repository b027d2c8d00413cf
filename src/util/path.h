// Relative paths made absolute: the one place that joins a folder and a
// relative path.
#pragma once

#include <string>

namespace mcpr {

// `path` relative to `base_dir`: an absolute or empty path as it is, else
// base_dir + "/" + path without its leading "./"s.
std::string resolve_path(const std::string& path, const std::string& base_dir);

// `path` relative to the current folder; as it is when that is unknown.
std::string absolute_path(const std::string& path);

}  // namespace mcpr
