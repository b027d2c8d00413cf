#include "src/util/clock.h"

#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cmath>

namespace mcpr {
namespace {

double read(clockid_t id) {
  struct timespec ts;
  ::clock_gettime(id, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec / 1e9;
}

class SystemClock : public Clock {
 public:
  double mono() const override { return read(CLOCK_MONOTONIC); }
  double wall() const override { return read(CLOCK_REALTIME); }
  void sleep(double seconds) override {
    if (seconds > 0) ::usleep(static_cast<useconds_t>(seconds * 1e6));
  }
  bool wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                  double deadline, const std::function<bool()>& ready) override {
    const double left = deadline - mono();
    return cv.wait_for(lock, std::chrono::duration<double>(left > 0 ? left : 0), ready);
  }
};

}  // namespace

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

double mono_now() { return read(CLOCK_MONOTONIC); }
double wall_now() { return read(CLOCK_REALTIME); }

long long wall_now_ns() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

long long ceil_ms(double epoch_seconds) {
  return static_cast<long long>(std::ceil(epoch_seconds * 1000 - 1e-6));
}

}  // namespace mcpr
