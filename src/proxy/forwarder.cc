#include "src/proxy/forwarder.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

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

ForwardResult forward_stdio(const std::vector<std::string>& argv, StreamObserver& observer,
                            int client_in, int client_out) {
  ForwardResult result;
  UniqueFd stop_read, stop_write;  // made readable once the server has exited
  if (!make_pipe(&stop_read, &stop_write)) {
    result.child.exec_errno = errno;
    return result;
  }
  PipedChild child(argv);
  if (!child.started()) {
    result.child = child.wait();
    return result;
  }
  std::thread upstream([&] { client_to_server(client_in, child, stop_read.get(), observer); });

  std::vector<char> buffer(kChunk);
  LineSplitter lines(kMaxParsedLine);
  for (;;) {
    ssize_t n = read_some(child.stdout_fd(), buffer.data(), buffer.size());
    if (n <= 0) break;
    if (result.client_closed) continue;  // drained so the server never blocks
    if (!write_all(client_out, buffer.data(), static_cast<size_t>(n))) {
      result.client_closed = true;
      observer.on_client_closed();
      continue;
    }
    lines.feed(
        std::string_view(buffer.data(), static_cast<size_t>(n)),
        [&](std::string_view line) { observer.on_line(Direction::kServerToClient, line); },
        [&](std::string_view head, std::string_view tail, size_t size) {
          observer.on_long_line(Direction::kServerToClient, head, tail, size);
        });
  }
  if (!result.client_closed) report_unfinished(lines, Direction::kServerToClient, observer, false);
  result.child = child.wait();
  (void)!::write(stop_write.get(), "x", 1);
  upstream.join();
  return result;
}

}  // namespace mcpr
