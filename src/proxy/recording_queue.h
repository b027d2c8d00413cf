// The hand-over from the forwarding threads to the thread that writes the
// spool: bounded, and never blocking the producer. A full queue or a failed
// write drops the event and counts it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "src/proxy/interaction_tracker.h"

namespace mcpr {

class RecordingQueue {
 public:
  // `write` spools one event and throws (any std::exception) when it cannot.
  using Write = std::function<void(const ProxyEvent&)>;

  // At most `max_events` events holding `max_bytes` of payload wait at once.
  RecordingQueue(size_t max_events, size_t max_bytes, Write write);
  RecordingQueue(const RecordingQueue&) = delete;
  RecordingQueue& operator=(const RecordingQueue&) = delete;
  ~RecordingQueue();

  // Queues `event` for the writer; false (and counted as dropped) when full.
  bool push(ProxyEvent event);

  // Writes what is queued, waiting at most `grace`; whatever is left after
  // that is counted as dropped. Returns false when the writer is still busy
  // (stuck in a write): it then cannot be joined and the caller must leave
  // with _exit.
  bool finish(std::chrono::milliseconds grace);

  uint64_t written() const;
  uint64_t dropped() const;
  std::string first_error() const;  // why the first failed write failed

 private:
  void run();

  const size_t max_events_;
  const size_t max_bytes_;
  size_t queued_bytes_ = 0;
  Write write_;
  mutable std::mutex mutex_;
  std::condition_variable wake_writer_;
  std::condition_variable idle_;
  std::deque<ProxyEvent> queue_;
  bool stopping_ = false;
  bool busy_ = false;
  bool abandoned_ = false;  // finish() gave up on a stuck writer
  uint64_t written_ = 0;
  uint64_t dropped_ = 0;
  std::string first_error_;
  std::thread writer_;
};

}  // namespace mcpr
