#include "spool/unlinker.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <chrono>
#include <cstring>

#include "spool/spool_error.h"

namespace mcpr {

Unlinker::Unlinker(int dir_fd, std::string dir_path, int threads)
    : dir_fd_(dir_fd), dir_path_(std::move(dir_path)) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

Unlinker::~Unlinker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void Unlinker::submit_all(std::vector<Delete> deletes) {
  if (deletes.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (Delete& d : deletes) todo_.push_back(std::move(d));
  }
  pending_ += deletes.size();
  if (deletes.size() >= threads_.size())
    work_cv_.notify_all();
  else
    for (size_t k = 0; k < deletes.size(); ++k) work_cv_.notify_one();
}

int Unlinker::perform(const Delete& task) {
  int err = ::unlinkat(dir_fd_, task.name.c_str(), 0) == 0 ? 0 : errno;
  if (task.after_dir_fd >= 0 && (err == 0 || err == ENOENT) &&
      ::unlinkat(task.after_dir_fd, task.after.c_str(), 0) != 0 && errno != ENOENT)
    err = errno;
  return err;
}

std::vector<uint64_t> Unlinker::take_done() {
  std::vector<uint64_t> done;
  std::string error;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done.swap(done_);
    error = error_;
  }
  pending_ -= done.size();
  if (!error.empty()) throw SpoolError(SpoolError::Kind::kIo, "", error);
  return done;
}

void Unlinker::wait_some(double max_wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait_for(lock, std::chrono::duration<double>(max_wait),
                    [this] { return !done_.empty() || !error_.empty(); });
}

void Unlinker::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_cv_.wait(lock, [this] { return stopping_ || !todo_.empty(); });
    if (todo_.empty()) return;  // stopping, and all submitted is done
    Delete task = std::move(todo_.front());
    todo_.pop_front();
    lock.unlock();
    const int err = perform(task);
    lock.lock();
    if (err != 0 && err != ENOENT && error_.empty())
      error_ = dir_path_ + "/" + task.name + ": " + std::strerror(err);
    done_.push_back(task.token);
    done_cv_.notify_one();
  }
}

}  // namespace mcpr
