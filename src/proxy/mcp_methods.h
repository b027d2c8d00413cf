// The method names the MCP revisions define (2024-11-05 to 2026-07-28, and
// the task extension), for what `proxy --methods` can record.
#pragma once

#include <string>
#include <string_view>

namespace mcpr {

// Why `name` can never be recorded (it is no client request of any
// revision: a typo, a notification, a request from the server), or "" when
// it is a request a client sends.
std::string method_warning(std::string_view name);

}  // namespace mcpr
