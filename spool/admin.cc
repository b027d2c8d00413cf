#include "spool/admin.h"

#include "spool/event_name.h"
#include "src/util/printable.h"

namespace mcpr {

std::vector<SpooledFile> find_events(const Spool& spool, const std::string& handle) {
  std::vector<SpooledFile> found;
  for (SpoolState state : {SpoolState::kQueue, SpoolState::kDead, SpoolState::kCorrupt}) {
    for (std::string& name : list_names(spool, state)) {
      // A corrupt file's name is listed escaped (printable): that works too.
      if (name == handle || handle_of(name) == handle || printable(name) == handle ||
          printable(handle_of(name)) == handle)
        found.push_back({state, std::move(name)});
    }
  }
  return found;
}

}  // namespace mcpr
