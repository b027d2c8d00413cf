#include "spool/admin.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool/event_name.h"

namespace mcpr {

std::vector<SpooledFile> find_events(const Spool& spool, const std::string& handle) {
  std::vector<SpooledFile> found;
  for (SpoolState state : {SpoolState::kQueue, SpoolState::kDead, SpoolState::kCorrupt}) {
    for (std::string& name : list_names(spool, state)) {
      if (name == handle || handle_of(name) == handle) found.push_back({state, std::move(name)});
    }
  }
  return found;
}

bool requeue_file(const Spool& spool, const SpooledFile& file, bool sync) {
  std::string new_name = file.name;
  if (auto parsed = EventName::parse(file.name)) {
    parsed->attempts = 0;
    parsed->due_ms = 0;
    new_name = parsed->format();
  }
  // Restart the queue age first, so that expiry does not take it at once.
  ::utimensat(spool.dir_fd(file.state), file.name.c_str(), nullptr, AT_SYMLINK_NOFOLLOW);
  if (!move_file(spool, file.state, file.name, SpoolState::kQueue, new_name, sync)) return false;
  ::unlinkat(spool.dir_fd(file.state), (file.name + kReasonSuffix).c_str(), 0);
  return true;
}

}  // namespace mcpr
