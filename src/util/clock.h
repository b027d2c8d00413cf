// The clocks, behind a small interface so every loop that waits can be
// driven by a fake one in tests (as ninja's Builder is driven by a
// FakeCommandRunner): monotonic seconds for intervals, wall-clock epoch
// seconds for due times, a sleep that a fake clock turns into a jump
// forward, and a timed wait on a condition variable that a fake clock ends
// when it moves past the deadline.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>

namespace mcpr {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual double mono() const = 0;  // seconds, steady
  virtual double wall() const = 0;  // epoch seconds
  virtual void sleep(double seconds) = 0;
  // With `lock` held, waits on `cv` until `ready()` holds or mono() reaches
  // `deadline`; returns ready(). Whoever makes `ready` true notifies `cv`.
  virtual bool wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          double deadline, const std::function<bool()>& ready) = 0;
};

// The process's real clocks.
Clock& system_clock();

// The same, as free functions.
double mono_now();
double wall_now();
// Wall-clock epoch nanoseconds, exact (a double of seconds keeps only ~0.2 us).
long long wall_now_ns();

// Epoch milliseconds for a time in epoch seconds, rounded up (a due time is
// never earlier than asked).
long long ceil_ms(double epoch_seconds);

}  // namespace mcpr
