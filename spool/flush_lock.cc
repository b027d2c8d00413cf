#include "spool/flush_lock.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "spool/spool_error.h"

namespace mcpr {

UniqueFd lock_root_file(const Spool& spool, const char* name, bool wait,
                        const std::function<bool()>& stop, int stop_fd) {
  UniqueFd fd(::openat(spool.root_fd(), name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       spool.file_mode()));
  if (fd)
    exact_mode(fd.get(), spool.file_mode(), spool.umask());
  else if (errno == EEXIST)
    fd.reset(::openat(spool.root_fd(), name, O_RDWR | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    int err = errno;
    throw SpoolError(SpoolError::Kind::kIo, spool.root() + "/" + name, std::strerror(err), err);
  }
  // A wait that a stop may end does not block in flock(2): a stop asked
  // between a look at `stop` and the flock would be slept through until the
  // holder let go (never, if it is a follower). It tries again four times a
  // second, and at once when stop_fd says a stop was asked.
  const bool stoppable = wait && stop;
  for (;;) {
    if (stoppable && stop()) return UniqueFd();
    if (::flock(fd.get(), wait && !stoppable ? LOCK_EX : LOCK_EX | LOCK_NB) == 0) break;
    const int err = errno;
    if (err == EINTR) continue;
    if (err != EWOULDBLOCK)
      throw SpoolError(SpoolError::Kind::kIo, spool.root() + "/" + name, std::strerror(err), err);
    if (!stoppable) return UniqueFd();
    struct pollfd asked = {stop_fd, POLLIN, 0};  // a negative fd: a nap alone
    if (::poll(&asked, 1, 250) > 0 && (asked.revents & POLLNVAL)) stop_fd = -1;  // no spin
  }
  return fd;
}

std::optional<FlushLock> FlushLock::acquire(const Spool& spool, bool wait,
                                            const std::function<bool()>& stop, int stop_fd) {
  UniqueFd fd = lock_root_file(spool, kLockFile, wait, stop, stop_fd);
  if (!fd) return std::nullopt;
  return FlushLock(std::move(fd));
}

}  // namespace mcpr
