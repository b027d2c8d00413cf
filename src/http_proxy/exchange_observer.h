// What the HTTP proxy's connection threads tell the recorder about each
// exchange (one request and its response). Calls only copy and queue: they
// are on the forwarding path.
#pragma once

#include <cstdint>
#include <string>

#include "src/http_proxy/message_tap.h"
#include "src/proxy/interaction_tracker.h"

namespace mcpr {

// How an exchange's response ended.
enum class ExchangeEnd {
  kComplete,     // the upstream's response ended normally
  kUnreachable,  // the upstream could not be reached, or broke off mid-response
  kClientGone,   // the client closed its connection first
  kStopped,      // the proxy stopped first
};

class ExchangeObserver {
 public:
  virtual ~ExchangeObserver() = default;
  // A JSON-RPC message of exchange `exchange` (a request body, a JSON
  // response, an SSE event's data) in the MCP session `session` ("" when
  // the exchange has none).
  virtual void on_message(uint64_t exchange, const std::string& session, Direction direction,
                          TappedMessage message, SeenAt at) = 0;
  // A response of exchange `exchange` the recorder cannot read (a coding it
  // does not know): its messages are lost, as when a queue is full.
  virtual void on_unreadable(uint64_t exchange) = 0;
  // The exchange is over: how, with the upstream's status (0 when none
  // came).
  struct Ending {
    ExchangeEnd how = ExchangeEnd::kComplete;
    long status = 0;
  };
  virtual void on_exchange_end(uint64_t exchange, const std::string& session, Ending ending,
                               SeenAt at) = 0;
  // The client ended session `session` (a DELETE the upstream accepted), or
  // the upstream said it no longer knows it (404).
  virtual void on_session_end(const std::string& session, bool by_client, SeenAt at) = 0;
};

}  // namespace mcpr
