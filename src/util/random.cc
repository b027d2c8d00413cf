#include "src/util/random.h"

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

namespace mcpr {
namespace {

// splitmix64's finalizer: spreads a weak seed over all 64 bits.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Without getrandom: both clocks, the pid and a counter, mixed. Two processes
// differ by pid, two calls in one process by the counter.
uint64_t fallback() {
  static uint64_t counter = 0;
  struct timespec real, mono;
  ::clock_gettime(CLOCK_REALTIME, &real);
  ::clock_gettime(CLOCK_MONOTONIC, &mono);
  uint64_t seed = static_cast<uint64_t>(real.tv_sec) * 1000000000ull +
                  static_cast<uint64_t>(real.tv_nsec);
  seed ^= mix(static_cast<uint64_t>(mono.tv_nsec) ^ (static_cast<uint64_t>(::getpid()) << 32));
  return mix(seed + ++counter);
}

}  // namespace

uint64_t RandomStream::next() {
  const uint64_t x = state_;
  state_ += 0x9e3779b97f4a7c15ull;
  return mix(x);  // splitmix64: the state steps by the golden ratio, mixed
}

uint64_t random_u64() {
  uint64_t r = 0;
  if (::getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r) r = fallback();
  return r;
}

double random_unit() {
  return static_cast<double>(random_u64() >> 11) / static_cast<double>(1ull << 53);
}

double random_uniform(double lo, double hi) {
  if (!(hi > lo)) return lo;
  return lo + (hi - lo) * random_unit();
}

}  // namespace mcpr
