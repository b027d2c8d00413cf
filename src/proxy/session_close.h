// How the calls still open in a stdio session end, and when (man page
// PROXY, Transparent): decided from what the proxy saw of the session's two
// ends, apart from the threads that see them, so that a table tests it.
#pragma once

#include <optional>
#include <string>

#include "src/proxy/interaction_tracker.h"

namespace mcpr {

// What the proxy saw of a session's ends, in the order it saw them.
struct SessionStep {
  enum Kind {
    kClientInputEnded,  // our stdin ended: the client sent its last message
    kClientGone,        // the reader of our stdout is gone (EPIPE, or its end closed)
    kSignal,            // a shutdown signal reached the proxy while the server ran
    kServerExited,
  } kind;
  SeenAt at;
  // kSignal: its name ("SIGTERM"); kServerExited: how the server ended
  // ("the server exited with status 0").
  std::string how;
  // kServerExited: it ended as a client's shutdown ends it (status 0, or
  // SIGTERM, SIGINT, SIGHUP, SIGPIPE).
  bool shutdown = false;
};

// How the calls still open end: InteractionTracker::close_all's arguments.
struct SessionClosing {
  SessionEnd how;
  std::string message;
  SeenAt at;  // where their processing_time ends
};

// Each step that ends the open calls says how; the others nothing. The
// client leaves when it closes our stdin, but it may still read answers
// then (an SDK client's close() reads until the server exits, or until it
// kills it 2 s and 4 s later), so its calls end when it is gone, when a
// signal tells the proxy to stop, or when the server exits, whichever comes
// first; their processing_time ends when it closed our stdin.
class SessionCloser {
 public:
  std::optional<SessionClosing> on(const SessionStep& step);

 private:
  // Where processing_time ends: when the client closed our stdin, if it did.
  SeenAt left_at(const SessionStep& step) const { return input_ended_ ? input_ended_at_ : step.at; }

  bool input_ended_ = false;
  SeenAt input_ended_at_;
  std::string signal_;  // the shutdown signal that reached the proxy, "" for none
};

}  // namespace mcpr
