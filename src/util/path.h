// Relative paths made absolute: the one place that joins a folder and a
// relative path, and that finds an executable's companions relative to it.
#pragma once

#include <string>
#include <vector>

namespace mcpr {

// `path` relative to `base_dir`: an absolute or empty path as it is, else
// base_dir + "/" + path without its leading "./"s.
std::string resolve_path(const std::string& path, const std::string& base_dir);

// `path` relative to the current folder; as it is when that is unknown.
std::string absolute_path(const std::string& path);

// The running executable's folder as the kernel knows it (symlinks
// resolved), "." when it cannot say.
std::string executable_folder();

// `folder` + "/" + `relative`, each leading "../" of `relative` taken off
// `folder` (which has no symlinks left; "/.." is "/"): the full path a user
// can look at.
std::string join_lexically(std::string folder, std::string relative);

// Where an executable `name` that ships with the one in `folder` may be, in
// this order, each once: beside it (a build tree), at `relative` from it
// (where an install puts it: an unpacked .deb, another prefix), and at
// `installed` (where this build installs it).
std::vector<std::string> companion_paths(const std::string& folder, const std::string& name,
                                         const std::string& relative,
                                         const std::string& installed);

}  // namespace mcpr
