#include "src/proxy/forwarder.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <thread>

#include "src/proxy/line_splitter.h"
#include "src/util/unique_fd.h"

namespace mcpr {
namespace {

constexpr size_t kChunk = 64 * 1024;

// Writes all of `data`; false when the other end is gone (or any error).
bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

ssize_t read_some(int fd, char* buffer, size_t size) {
  ssize_t n;
  while ((n = ::read(fd, buffer, size)) < 0 && errno == EINTR) {
  }
  return n;
}

void report_unfinished(const LineSplitter& lines, Direction direction, StreamObserver& observer,
                       bool server_gone) {
  std::string_view start, tail;
  size_t size = 0;
  if (lines.unfinished(&start, &tail, &size))
    observer.on_unfinished_line(direction, start, tail, size, server_gone);
}

// Client to server, until our stdin ends, the server stops reading, or
// `stop_fd` becomes readable (the server has exited). Then closes the
// server's stdin so it sees EOF too.
void client_to_server(int client_in, PipedChild& child, int stop_fd, StreamObserver& observer) {
  std::vector<char> buffer(kChunk);
  LineSplitter lines(kMaxParsedLine);
  pollfd fds[2] = {{client_in, POLLIN, 0}, {stop_fd, POLLIN, 0}};
  bool client_ended = false;
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents) break;
    ssize_t n = read_some(client_in, buffer.data(), buffer.size());
    if (n <= 0) {
      client_ended = true;
      break;
    }
    // Seen before it is written: the server's answer can then never reach
    // the observer ahead of its request.
    lines.feed(
        std::string_view(buffer.data(), static_cast<size_t>(n)),
        [&](std::string_view line) { observer.on_line(Direction::kClientToServer, line); },
        [&](std::string_view head, std::string_view tail, size_t size) {
          observer.on_long_line(Direction::kClientToServer, head, tail, size);
        });
    const bool written = write_all(child.stdin_fd(), buffer.data(), static_cast<size_t>(n));
    observer.on_forwarded();
    if (!written) break;
  }
  // The client's last bytes came before its end.
  report_unfinished(lines, Direction::kClientToServer, observer, !client_ended);
  if (client_ended) observer.on_client_input_ended();
  child.close_stdin();
}

}  // namespace

ServerToClient::ServerToClient(int server_out, int client_out, int notices,
                               StreamObserver& observer)
    : server_out_(server_out),
      client_out_(client_out),
      notices_(notices),
      observer_(observer),
      lines_(kMaxParsedLine),
      buffer_(kChunk) {}

bool ServerToClient::step() {
  // A pipe's writer sees POLLERR once its reader is gone, a terminal or a
  // socket POLLHUP: asked for or not.
  pollfd fds[3] = {{server_out_, POLLIN, 0},
                   {watch_client_ && !client_closed_ ? client_out_ : -1, 0, 0},
                   {notices_, POLLIN, 0}};
  if (::poll(fds, 3, -1) < 0) {
    if (errno == EINTR) return true;
    // Cannot wait: read (and so block) as forwarding did without poll.
    fds[0].revents = POLLIN;
  }
  if (fds[0].revents) {
    ssize_t n = read_some(server_out_, buffer_.data(), buffer_.size());
    if (n <= 0) return false;
    if (!client_closed_) {
      if (!write_all(client_out_, buffer_.data(), static_cast<size_t>(n))) {
        client_gone();
      } else {
        // Seen once written, before anything else is looked at: the client
        // may have read it already.
        lines_.feed(
            std::string_view(buffer_.data(), static_cast<size_t>(n)),
            [&](std::string_view line) { observer_.on_line(Direction::kServerToClient, line); },
            [&](std::string_view head, std::string_view tail, size_t size) {
              observer_.on_long_line(Direction::kServerToClient, head, tail, size);
            });
      }
    }
    // Otherwise drained so the server never blocks.
  }
  if (fds[1].revents & POLLNVAL) watch_client_ = false;  // no stdout at all
  else if (fds[1].revents & (POLLERR | POLLHUP)) client_gone();
  if (fds[2].revents) read_notices();
  return true;
}

void ServerToClient::finish() {
  if (!client_closed_) report_unfinished(lines_, Direction::kServerToClient, observer_, false);
  read_notices();
}

void ServerToClient::client_gone() {
  if (client_closed_) return;
  client_closed_ = true;
  observer_.on_client_closed();
}

void ServerToClient::read_notices() {
  if (notices_ < 0) return;
  unsigned char told[64];
  ssize_t n;
  while ((n = ::read(notices_, told, sizeof told)) > 0 || (n < 0 && errno == EINTR)) {
    for (ssize_t i = 0; i < n; ++i)
      if (told[i] == SIGTERM || told[i] == SIGINT || told[i] == SIGHUP)
        observer_.on_shutdown_signal(told[i]);
  }
}

ForwardResult forward_stdio(const std::vector<std::string>& argv, StreamObserver& observer,
                            int client_in, int client_out) {
  ForwardResult result;
  UniqueFd stop_read, stop_write;  // made readable once the server has exited
  UniqueFd notice_read, notice_write;  // the signals given to us while it runs
  if (!make_pipe(&stop_read, &stop_write) || !make_pipe(&notice_read, &notice_write)) {
    result.child.exec_errno = errno;
    return result;
  }
  // Neither end may block: the writer is a signal handler, the reader drains.
  (void)::fcntl(notice_read.get(), F_SETFL, O_NONBLOCK);
  (void)::fcntl(notice_write.get(), F_SETFL, O_NONBLOCK);
  tell_signals_to(notice_write.get());
  PipedChild child(argv);
  if (!child.started()) {
    result.child = child.wait();
    tell_signals_to(-1);
    return result;
  }
  std::thread upstream([&] { client_to_server(client_in, child, stop_read.get(), observer); });

  ServerToClient downstream(child.stdout_fd(), client_out, notice_read.get(), observer);
  while (downstream.step()) {
  }
  result.child = child.wait();
  tell_signals_to(-1);
  // After its last line: the signals passed on until it was reaped.
  downstream.finish();
  result.client_closed = downstream.client_closed();
  (void)!::write(stop_write.get(), "x", 1);
  upstream.join();
  return result;
}

}  // namespace mcpr
