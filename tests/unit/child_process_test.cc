// Signals passed on to a wrapped command (src/util/child_process.h), with a
// real child.
#include "src/util/child_process.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

namespace mcpr {
namespace {

// fork() runs this in the parent just before it forks: a signal raised here
// comes after run_child set its handlers and before it knows the child's pid.
volatile sig_atomic_t g_raise_at_fork = 0;
void raise_at_fork() {
  if (!g_raise_at_fork) return;
  g_raise_at_fork = 0;
  ::raise(SIGTERM);
}

// A SIGTERM caught while the command starts reaches it (it found no child
// to pass it to and was lost: the command ran on).
TEST(ChildProcessTest, ASignalCaughtWhileTheCommandStartsReachesIt) {
  static const int registered = ::pthread_atfork(raise_at_fork, nullptr, nullptr);
  ASSERT_EQ(registered, 0);
  g_raise_at_fork = 1;
  const ChildResult r = run_child({"sleep", "10"}, EnvVars{});
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.signaled) << "the command ran on and exited " << r.code;
  EXPECT_EQ(r.code, SIGTERM);
}

// And one that comes while it runs, as always.
TEST(ChildProcessTest, ASignalWhileTheCommandRunsReachesIt) {
  PipedChild child({"sleep", "10"});
  ASSERT_TRUE(child.started());
  ::raise(SIGTERM);
  const ChildResult r = child.wait();
  EXPECT_TRUE(r.signaled);
  EXPECT_EQ(r.code, SIGTERM);
}

}  // namespace
}  // namespace mcpr
