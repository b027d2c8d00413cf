#include "spool/admin.h"

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

}  // namespace mcpr
