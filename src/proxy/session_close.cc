#include "src/proxy/session_close.h"

namespace mcpr {

std::optional<SessionClosing> SessionCloser::on(const SessionStep& step) {
  const std::string after_input = input_ended_ ? " (after the client closed its input)" : "";
  switch (step.kind) {
    case SessionStep::kClientInputEnded:
      if (!input_ended_) input_ended_at_ = step.at;
      input_ended_ = true;
      return std::nullopt;
    case SessionStep::kClientGone:
      return SessionClosing{SessionEnd::kClientClosed,
                            "the client closed its end before the response", left_at(step)};
    case SessionStep::kSignal:
      // Whoever sent it (the client that runs the server, or the user)
      // stopped the session; the server did not fail the call.
      signal_ = step.how;
      return SessionClosing{SessionEnd::kClientClosed,
                            step.how + " reached the proxy before the response" + after_input,
                            left_at(step)};
    case SessionStep::kServerExited:
      if (!signal_.empty())
        return SessionClosing{SessionEnd::kClientClosed,
                              signal_ + " reached the proxy before the response (" + step.how + ")",
                              left_at(step)};
      if (input_ended_ && step.shutdown)
        // The client shut the server down with calls in flight: it left
        // them, the server did not fail them.
        return SessionClosing{SessionEnd::kClientClosed,
                              "the client closed its input before the response (" + step.how + ")",
                              input_ended_at_};
      return SessionClosing{SessionEnd::kServerExited, step.how + " before the response", step.at};
  }
  return std::nullopt;
}

}  // namespace mcpr
