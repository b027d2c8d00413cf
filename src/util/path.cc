#include "src/util/path.h"

#include <unistd.h>

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

}  // namespace mcpr
