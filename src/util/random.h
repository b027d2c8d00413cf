// Random numbers for names, ids, jitter and splay: one getrandom(2) call each,
// with a fallback for the rare kernel or sandbox that refuses it. Not for
// secrets; good enough that two processes started in the same nanosecond
// choose differently.
#pragma once

#include <cstdint>

namespace mcpr {

// 64 random bits.
uint64_t random_u64();

// 64-bit random numbers from one getrandom(2) seed (splitmix64): for a run
// of names made at a high rate (the proxy's interaction ids), a system call
// once rather than for each. Not thread-safe; one per thread.
class RandomStream {
 public:
  RandomStream() : state_(random_u64()) {}
  uint64_t next();

 private:
  uint64_t state_;
};

// A uniform double in [0, 1).
double random_unit();

// A uniform double in [lo, hi); lo when hi <= lo.
double random_uniform(double lo, double hi);

}  // namespace mcpr
