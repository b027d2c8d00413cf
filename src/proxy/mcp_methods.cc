#include "src/proxy/mcp_methods.h"

#include <algorithm>
#include <cctype>

namespace mcpr {
namespace {

// Requests from client to server, from every revision's schema.ts.
constexpr std::string_view kClientRequests[] = {
    "initialize",  // 2024-11-05 to 2025-11-25
    "ping", "completion/complete", "logging/setLevel", "prompts/list", "prompts/get",
    "resources/list", "resources/templates/list", "resources/read", "resources/subscribe",
    "resources/unsubscribe", "tools/list", "tools/call",
    "tasks/get", "tasks/result", "tasks/list", "tasks/cancel",  // 2025-11-25
    "tasks/update",                                             // the task extension
    "server/discover", "subscriptions/listen",                  // 2026-07-28
};

// Requests from server to client.
constexpr std::string_view kServerRequests[] = {
    "sampling/createMessage", "roots/list", "elicitation/create"};

bool known(std::string_view name) {
  return std::find(std::begin(kClientRequests), std::end(kClientRequests), name) !=
         std::end(kClientRequests);
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string method_warning(std::string_view name) {
  if (known(name)) return "";
  const std::string quoted = "'" + std::string(name) + "'";
  if (std::find(std::begin(kServerRequests), std::end(kServerRequests), name) !=
      std::end(kServerRequests))
    return quoted +
           " is a request from the server to the client; only the client's requests are recorded";
  if (name.substr(0, 14) == "notifications/")
    return quoted + " is a notification, not a request: nothing is recorded for it";
  // A method of the server's own (myorg/doThing) is a request like any
  // other: recorded when the client sends it.
  std::string warning = "no MCP revision defines a request " + quoted;
  if (known(lowercase(name))) warning += " (did you mean " + lowercase(name) + "?)";
  return warning + ": it is recorded only if the client sends a request of that name";
}

}  // namespace mcpr
