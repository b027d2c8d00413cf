// Signals passed on to a wrapped command (src/util/child_process.h), with a
// real child.
#include "src/util/child_process.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <future>
#include <thread>

namespace mcpr {
namespace {

// fork() runs this in the parent just before it forks: a signal raised here
// comes after run_child set its handlers and before it knows the child's
// pid. To this thread (raise), or to another one, whose handler has run
// before the fork goes on (`g_told` says so).
volatile sig_atomic_t g_raise_at_fork = 0;
pthread_t g_other_thread;
bool g_to_the_other_thread = false;
int g_told = -1;
void raise_at_fork() {
  if (!g_raise_at_fork) return;
  g_raise_at_fork = 0;
  if (!g_to_the_other_thread) {
    ::raise(SIGTERM);
    return;
  }
  ::pthread_kill(g_other_thread, SIGTERM);
  pollfd told = {g_told, POLLIN, 0};
  ::poll(&told, 1, 10000);
}

void raise_while_starting(bool to_the_other_thread) {
  static const int registered = ::pthread_atfork(raise_at_fork, nullptr, nullptr);
  ASSERT_EQ(registered, 0);
  g_to_the_other_thread = to_the_other_thread;
  g_raise_at_fork = 1;
}

// A SIGTERM caught while the command starts reaches it (it found no child
// to pass it to and was lost: the command ran on).
TEST(ChildProcessTest, ASignalCaughtWhileTheCommandStartsReachesIt) {
  raise_while_starting(false);
  const ChildResult r = run_child({"sleep", "10"}, EnvVars{});
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.signaled) << "the command ran on and exited " << r.code;
  EXPECT_EQ(r.code, SIGTERM);
}

// The same when another thread takes it (the proxy's recording threads).
// That thread waits in poll(), which returns (EINTR) once the handler has
// run: it says so on `handled`, which raise_at_fork waits for.
TEST(ChildProcessTest, ASignalAnotherThreadTakesWhileTheCommandStartsReachesIt) {
  int handled[2], quit[2];
  ASSERT_EQ(::pipe2(handled, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(quit, O_CLOEXEC), 0);
  g_told = handled[0];
  std::thread other([&handled, &quit] {
    for (;;) {
      pollfd q = {quit[0], POLLIN, 0};
      if (::poll(&q, 1, -1) > 0) return;
      if (errno == EINTR) (void)!::write(handled[1], "x", 1);  // its handler has returned
    }
  });
  g_other_thread = other.native_handle();
  raise_while_starting(true);
  const ChildResult r = run_child({"sleep", "10"}, EnvVars{});
  (void)!::write(quit[1], "x", 1);
  other.join();
  g_told = -1;
  for (int fd : {handled[0], handled[1], quit[0], quit[1]}) ::close(fd);
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.signaled) << "the command ran on and exited " << r.code;
  EXPECT_EQ(r.code, SIGTERM);
}

// An ignored signal stays ignored in the command (nohup), however the
// caller's action was written.
TEST(ChildProcessTest, AnIgnoredSignalStaysIgnoredInTheCommand) {
  struct sigaction ignore = {}, before;
  ignore.sa_handler = SIG_IGN;
  ignore.sa_flags = SA_SIGINFO;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGHUP, &ignore, &before);
  const ChildResult r = run_child({"sh", "-c", "kill -HUP $$; exit 3"}, EnvVars{});
  ::sigaction(SIGHUP, &before, nullptr);
  EXPECT_FALSE(r.signaled) << "killed by signal " << r.code;
  EXPECT_EQ(r.code, 3);
}

// A signal passed on before the command's exec is the command's, not taken
// by a handler of its caller's (the proxy's own, inherited by the fork).
volatile sig_atomic_t g_callers_handler_ran = 0;
void callers_handler(int) { g_callers_handler_ran = 1; }

TEST(ChildProcessTest, TheCommandStartsWithTheDefaultActionsNotItsCallersHandlers) {
  struct sigaction mine = {}, before;
  mine.sa_handler = callers_handler;
  sigemptyset(&mine.sa_mask);
  ::sigaction(SIGTERM, &mine, &before);
  for (int i = 0; i < 5; ++i) {
    raise_while_starting(false);  // passed on as soon as the child's pid is known
    const ChildResult r = run_child({"sleep", "10"}, EnvVars{});
    EXPECT_TRUE(r.signaled) << "the command ran on and exited " << r.code;
    if (!r.signaled) break;
  }
  ::sigaction(SIGTERM, &before, nullptr);
  EXPECT_EQ(g_callers_handler_ran, 0) << "the caller's handler took a signal meant for the command";
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
