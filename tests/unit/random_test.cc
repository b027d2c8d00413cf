#include "src/util/random.h"

#include <gtest/gtest.h>

#include <set>

namespace mcpr {
namespace {

TEST(RandomTest, UnitStaysInItsRange) {
  for (int i = 0; i < 10000; ++i) {
    double x = random_unit();
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 1.0);
  }
}

TEST(RandomTest, UniformStaysInItsRange) {
  struct Row {
    double lo, hi;
  };
  const Row rows[] = {{0, 1}, {0, 0.001}, {-5, 5}, {2, 3600}};
  for (const Row& r : rows)
    for (int i = 0; i < 1000; ++i) {
      double x = random_uniform(r.lo, r.hi);
      ASSERT_GE(x, r.lo);
      ASSERT_LT(x, r.hi);
    }
  EXPECT_EQ(random_uniform(3, 3), 3);  // an empty range gives its low end
  EXPECT_EQ(random_uniform(3, 1), 3);
}

TEST(RandomTest, DrawsDiffer) {
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(random_u64());
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace mcpr
