// One flusher per spool: an flock(2) on <spool>/flush.lock. The kernel drops
// it when the holder dies, so a killed flush never leaves the spool locked.
#pragma once

#include <functional>
#include <optional>

#include "spool/spool.h"
#include "src/util/unique_fd.h"

namespace mcpr {

class FlushLock {
 public:
  // Takes the lock; with `wait`, waits until it is free, otherwise returns
  // nullopt at once when another process holds it. A wait ends with
  // nullopt too once `stop` says true (SIGTERM to a waiting flusher),
  // whenever that came: `stop_fd` (-1: none), readable once it does, wakes
  // the wait at once, else it looks four times a second.
  static std::optional<FlushLock> acquire(const Spool& spool, bool wait,
                                          const std::function<bool()>& stop = nullptr,
                                          int stop_fd = -1);

  FlushLock(FlushLock&& other) noexcept = default;
  FlushLock& operator=(FlushLock&&) = delete;

 private:
  explicit FlushLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // closing it drops the lock
};

// An exclusive flock(2) on the root-folder file `name` (made 0600 when
// missing), as FlushLock::acquire takes it: an empty fd when `wait` is false
// and another process holds it, or when `stop` says true during the wait.
// Throws SpoolError when the file cannot be opened or locked.
UniqueFd lock_root_file(const Spool& spool, const char* name, bool wait,
                        const std::function<bool()>& stop = nullptr, int stop_fd = -1);

}  // namespace mcpr
