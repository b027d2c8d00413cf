// A fake clock (ninja's FakeCommandRunner's idea, for time): it moves only
// when told to (advance) or when the code under test sleeps on it, and a
// timed wait on it ends when it moves past the deadline. Threads may wait
// on it while the test moves it; waiting_threads() lets a test wait until
// they do instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <utility>

#include "src/util/clock.h"

namespace mcpr {

class FakeClock : public Clock {
 public:
  static constexpr double kEpoch = 1764000100.0;  // the wall time at mono 0
  double mono() const override { return now_.load(); }
  double wall() const override { return kEpoch + now_.load(); }
  void sleep(double seconds) override { advance(seconds); }

  // Moves time forward and wakes the threads waiting on it. Each is
  // notified under its own mutex, so none can miss it between its look at
  // the time and its wait. (Not to be called while a queue that waits on
  // this clock is being destroyed.)
  void advance(double seconds) {
    if (seconds <= 0) return;
    now_.store(now_.load() + seconds);
    std::multiset<Waiter> waiters;
    {
      std::lock_guard<std::mutex> guard(waiters_mutex_);
      waiters = waiters_;
    }
    for (const auto& [cv, mutex] : waiters) {
      std::lock_guard<std::mutex> guard(*mutex);
      cv->notify_all();
    }
    if (on_advance) on_advance(now_.load());
  }
  // Called with the new monotonic time whenever time moves: what the world
  // does meanwhile (another process changing the spool).
  std::function<void(double mono)> on_advance;

  bool wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                  double deadline, const std::function<bool()>& ready) override {
    const Waiter me{&cv, lock.mutex()};
    enrol(me, true);
    bool done;
    while (!(done = ready()) && mono() < deadline) cv.wait(lock);
    enrol(me, false);
    return done;
  }

  // How many threads wait on this clock now.
  size_t waiting_threads() const {
    std::lock_guard<std::mutex> guard(waiters_mutex_);
    return waiting_;
  }
  // Waits (at most 5 s of real time) until `n` threads wait on this clock.
  bool await_waiting_threads(size_t n) {
    std::unique_lock<std::mutex> lock(waiters_mutex_);
    return enrolled_.wait_for(lock, std::chrono::seconds(5), [&] { return waiting_ == n; });
  }

 private:
  using Waiter = std::pair<std::condition_variable*, std::mutex*>;

  void enrol(const Waiter& waiter, bool in) {
    std::lock_guard<std::mutex> guard(waiters_mutex_);
    if (in) {
      waiters_.insert(waiter);
      ++waiting_;
    } else {
      waiters_.erase(waiters_.find(waiter));
      --waiting_;
    }
    enrolled_.notify_all();
  }

  std::atomic<double> now_{0};
  mutable std::mutex waiters_mutex_;
  std::condition_variable enrolled_;
  std::multiset<Waiter> waiters_;
  size_t waiting_ = 0;
};

}  // namespace mcpr
