#include "src/proxy/recording_queue.h"

#include <exception>

namespace mcpr {

RecordingQueue::RecordingQueue(size_t max_events, size_t max_bytes, Write write)
    : max_events_(max_events),
      max_bytes_(max_bytes),
      write_(std::move(write)),
      writer_([this] { run(); }) {}

RecordingQueue::~RecordingQueue() {
  if (abandoned_) writer_.detach();
  else finish(std::chrono::milliseconds::max());
}

bool RecordingQueue::push(ProxyEvent event) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_ || queue_.size() >= max_events_ ||
      queued_bytes_ + event.payload.size() > max_bytes_) {
    ++dropped_;
    return false;
  }
  queued_bytes_ += event.payload.size();
  queue_.push_back(std::move(event));
  wake_writer_.notify_one();
  return true;
}

void RecordingQueue::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_writer_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break;
    ProxyEvent event = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= event.payload.size();
    busy_ = true;
    lock.unlock();
    std::string error;
    try {
      write_(event);
    } catch (const std::exception& e) {
      error = e.what();
      if (error.empty()) error = "unknown error";
    }
    lock.lock();
    busy_ = false;
    if (error.empty()) {
      ++written_;
    } else {
      ++dropped_;
      if (first_error_.empty()) first_error_ = error;
    }
    if (queue_.empty()) idle_.notify_all();
  }
  idle_.notify_all();
}

bool RecordingQueue::finish(std::chrono::milliseconds grace) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (abandoned_) return false;
  if (!writer_.joinable()) return true;
  stopping_ = true;
  wake_writer_.notify_one();
  auto drained = [this] { return queue_.empty() && !busy_; };
  if (grace == std::chrono::milliseconds::max()) {
    idle_.wait(lock, drained);
  } else if (!idle_.wait_for(lock, grace, drained)) {
    dropped_ += queue_.size();
    queue_.clear();
    queued_bytes_ = 0;
    wake_writer_.notify_one();
    if (busy_) {
      abandoned_ = true;
      return false;
    }
  }
  lock.unlock();
  writer_.join();
  return true;
}

uint64_t RecordingQueue::written() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return written_;
}

uint64_t RecordingQueue::dropped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

std::string RecordingQueue::first_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_error_;
}

}  // namespace mcpr
