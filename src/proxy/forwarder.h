// The transparent part of `mcp-report proxy`: a server started with piped
// stdin/stdout, bytes copied both ways as soon as they arrive, and a copy of
// each complete line shown to an observer after it was forwarded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/proxy/interaction_tracker.h"
#include "src/proxy/line_splitter.h"
#include "src/util/child_process.h"

namespace mcpr {

// Lines at least this long are forwarded but never parsed (man page PROXY).
constexpr size_t kMaxParsedLine = 10u << 20;

class StreamObserver {
 public:
  virtual ~StreamObserver() = default;
  // A complete line: from the client just before it is written to the
  // server, from the server just after it was written to the client. Called
  // from two threads, one per direction, so it should only take a copy.
  virtual void on_line(Direction direction, std::string_view line) = 0;
  // A line too long to parse (kMaxParsedLine or more): its first and last
  // bytes, and its size. Called as on_line is.
  virtual void on_long_line(Direction, std::string_view head, std::string_view tail,
                            size_t size) {
    (void)head, (void)tail, (void)size;
  }
  // A direction ended in the middle of a line: all of it (`tail` empty), or
  // when it is kMaxParsedLine or longer its first and last kLineEdge bytes,
  // and its size so far; `server_gone` when the client's line was cut by
  // the server's end (a failed write, its exit), not by the client's EOF.
  // Called at most once per direction, from its thread, after its last
  // on_line (and for the client's, before on_client_input_ended).
  virtual void on_unfinished_line(Direction, std::string_view start, std::string_view tail,
                                  size_t size, bool server_gone) {
    (void)start, (void)tail, (void)size, (void)server_gone;
  }
  // The client's lines given to on_line were written to the server: work
  // they started may go on now, off the forwarding path.
  virtual void on_forwarded() {}
  // Our stdout is gone (a write failed with EPIPE, or its reader closed):
  // what the server says next reaches no one. Called from the server's
  // thread, after every line it wrote to the client before.
  virtual void on_client_closed() = 0;
  // SIGTERM, SIGINT or SIGHUP reached us while the server ran (it was passed
  // on). Called as on_client_closed is, after the lines written before.
  virtual void on_shutdown_signal(int sig) { (void)sig; }
  // Our stdin ended (or failed): the client has sent its last message. It
  // may still read the answers; the server's stdin is closed next.
  virtual void on_client_input_ended() {}
};

// The server-to-client half of forward_stdio, one step at a time (a test
// drives it by hand): the server's bytes are written to the client, and each
// line written is shown to the observer before the thread looks for anything
// else. What ends the client's part of the session besides a failed write
// (the reader of `client_out` gone, a signal told to `notices` by
// tell_signals_to) is found by the same thread, between two writes: every
// answer the client could read is seen before such an end, never after.
class ServerToClient {
 public:
  // `notices`: the read end of a non-blocking pipe, or -1.
  ServerToClient(int server_out, int client_out, int notices, StreamObserver& observer);
  // Waits for the server's next bytes, the client's going away or a
  // signal, and handles what came (the server's bytes first); false once
  // the server's stdout has ended.
  bool step();
  // Once the server's stdout has ended: its last line if it had no
  // newline, then the signals told since the last step.
  void finish();
  bool client_closed() const { return client_closed_; }

 private:
  void client_gone();
  void read_notices();

  int server_out_, client_out_, notices_;
  StreamObserver& observer_;
  LineSplitter lines_;
  std::vector<char> buffer_;
  bool client_closed_ = false;
  bool watch_client_ = true;  // poll client_out for its reader's end
};

struct ForwardResult {
  ChildResult child;
  bool client_closed = false;
};

// Runs `argv` between our stdin/stdout and its own until its stdout ends,
// then waits for it. Our stdin's EOF closes its stdin; signals are passed on
// (and SIGTERM, SIGINT, SIGHUP shown to the observer).
// SIGPIPE must be ignored by the caller (writes then fail with EPIPE).
ForwardResult forward_stdio(const std::vector<std::string>& argv, StreamObserver& observer,
                            int client_in = 0, int client_out = 1);

}  // namespace mcpr
