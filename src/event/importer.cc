#include "src/event/importer.h"

#include "src/config/config.h"
#include "src/util/failure.h"
#include "src/util/text.h"

namespace mcpr {

ImportResult import_events(Recorder& recorder, std::istream& in,
                           const std::function<void(unsigned, const std::string&)>& on_bad) {
  ImportResult result;
  std::string line;
  unsigned number = 0;
  while (std::getline(in, line)) {
    ++number;
    line.resize(trim_right(line).size());
    if (line.empty()) continue;
    std::string why;
    std::optional<EventSummary> event = check_event(line, &why);
    if (event && !(why = mcp_id_problem(event->mcp_id)).empty()) {
      why = "'mcp_id' " + why;
      event.reset();
    }
    if (!event) {
      ++result.bad;
      on_bad(number, why);
      continue;
    }
    try {
      if (recorder.import_body(*event, line).empty() && recorder.enabled())
        ++result.duplicates;
      else
        ++result.imported;
    } catch (const Failure& f) {
      if (f.exit_code() != kExitDataErr) throw;
      ++result.bad;
      on_bad(number, f.what());
    }
  }
  return result;
}

}  // namespace mcpr
