#include "spool/flush_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "spool/spool_error.h"

namespace mcpr {

UniqueFd lock_root_file(const Spool& spool, const char* name, bool wait,
                        const std::function<bool()>& stop) {
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
  for (;;) {
    // A stop asked before the wait began (its signal then interrupts no
    // flock) is seen here, not after the other holder lets go.
    if (wait && stop && stop()) return UniqueFd();
    if (::flock(fd.get(), wait ? LOCK_EX : LOCK_EX | LOCK_NB) == 0) break;
    if (errno == EINTR) continue;
    int err = errno;
    if (err == EWOULDBLOCK) return UniqueFd();
    throw SpoolError(SpoolError::Kind::kIo, spool.root() + "/" + name, std::strerror(err), err);
  }
  return fd;
}

std::optional<FlushLock> FlushLock::acquire(const Spool& spool, bool wait,
                                            const std::function<bool()>& stop) {
  UniqueFd fd = lock_root_file(spool, kLockFile, wait, stop);
  if (!fd) return std::nullopt;
  return FlushLock(std::move(fd));
}

}  // namespace mcpr
