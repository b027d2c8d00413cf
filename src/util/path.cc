#include "src/util/path.h"

#include <unistd.h>

#include <algorithm>
#include <climits>

namespace mcpr {

std::string resolve_path(const std::string& path, const std::string& base_dir) {
  if (path.empty() || path[0] == '/') return path;
  size_t start = 0;
  while (path.compare(start, 2, "./") == 0) start += 2;
  return base_dir + "/" + path.substr(start);
}

std::string absolute_path(const std::string& path) {
  char buf[4096];
  if (path.empty() || path[0] == '/' || !::getcwd(buf, sizeof buf)) return path;
  return resolve_path(path, buf);
}

std::string executable_folder() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  const std::string path = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string join_lexically(std::string folder, std::string relative) {
  // "/.." is "/".
  while (relative.compare(0, 3, "../") == 0) {
    const size_t slash = folder.find_last_of('/');
    if (slash == std::string::npos) break;  // a relative folder (".") keeps its "../"
    folder = slash == 0 ? "/" : folder.substr(0, slash);
    relative.erase(0, 3);
  }
  return folder == "/" ? "/" + relative : folder + "/" + relative;
}

std::vector<std::string> companion_paths(const std::string& folder, const std::string& name,
                                         const std::string& relative,
                                         const std::string& installed) {
  std::vector<std::string> paths;
  for (std::string path : {join_lexically(folder, name), join_lexically(folder, relative),
                           installed})
    if (std::find(paths.begin(), paths.end(), path) == paths.end())
      paths.push_back(std::move(path));
  return paths;
}

}  // namespace mcpr
