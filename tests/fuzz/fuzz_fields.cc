// The DATA parser: each line of the input is one argument; a first line
// starting with "--data " is the --data text. Whatever it accepts must come
// out as one JSON object.
#include <rapidjson/document.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "src/util/failure.h"
#include "src/event/fields.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args;
  std::optional<std::string> data_arg;
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string::npos) end = input.size();
    std::string line = input.substr(start, end - start);
    if (args.empty() && !data_arg && line.rfind("--data ", 0) == 0)
      data_arg = line.substr(7);
    else
      args.push_back(line);
    start = end + 1;
  }
  try {
    std::string payload = mcpr::build_payload(data_arg, args);
    rapidjson::Document doc;
    doc.Parse(payload.c_str(), payload.size());
    if (doc.HasParseError() || !doc.IsObject()) std::abort();
  } catch (const mcpr::Failure& f) {
    if (f.exit_code() != mcpr::kExitDataErr) std::abort();
  }
  return 0;
}
