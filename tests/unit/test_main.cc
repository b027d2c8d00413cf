// Runs the tests; each test that asks for a folder gets its own under
// $TMPDIR, kept (and named) when the test fails.
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
