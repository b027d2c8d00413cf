// A line too long to parse whole (man page PROXY: 10 MiB and more), read from
// the first and last bytes the line splitter kept of it.
#pragma once

#include <string_view>

#include "src/proxy/json_tree.h"

namespace mcpr {

// Reads the top-level object of a long line into `tree`: the members the
// head shows (values cut by its end as JsonTree::Kind::kCut, containers
// holding what ended before the cut), then the members that end the line
// whole in the tail (`..., "jsonrpc": "2.0", "id": 7}`), and those that end
// its params, result or error whole when the head left that open
// (`..., "isError": true}, "jsonrpc": ...`). A member that spans the middle
// is known only by the end that shows its name; deeper than that, what ends
// in the tail is not read (the object it is in is not known by name). false
// when the head does not start a JSON object.
bool read_long_line(std::string_view head, std::string_view tail, JsonTree* tree);

}  // namespace mcpr
