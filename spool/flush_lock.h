// One flusher per spool: an flock(2) on <spool>/flush.lock. The kernel drops
// it when the holder dies, so a killed flush never leaves the spool locked.
#pragma once

#include <optional>

#include "spool/spool.h"
#include "src/util/unique_fd.h"

namespace mcpr {

class FlushLock {
 public:
  // Takes the lock; with `wait`, blocks until it is free, otherwise returns
  // nullopt at once when another process holds it.
  static std::optional<FlushLock> acquire(const Spool& spool, bool wait);

  FlushLock(FlushLock&& other) noexcept = default;
  FlushLock& operator=(FlushLock&&) = delete;

 private:
  explicit FlushLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // closing it drops the lock
};

}  // namespace mcpr
