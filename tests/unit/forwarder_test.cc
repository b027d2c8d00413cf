// The server-to-client half of the stdio proxy, driven step by step by hand
// (man page PROXY, Transparent): every answer written to the client is shown
// to the observer before whatever ends the client's part of the session (its
// reader gone, a signal), so a client that read an answer and died at once
// never has that call recorded as left.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "src/proxy/forwarder.h"
#include "src/util/unique_fd.h"

namespace mcpr {
namespace {

// What the forwarding thread showed, in order.
class LoggingObserver : public StreamObserver {
 public:
  void on_line(Direction, std::string_view line) override { log.push_back(std::string(line)); }
  void on_unfinished_line(Direction, std::string_view start, std::string_view, size_t,
                          bool) override {
    log.push_back("unfinished " + std::string(start));
  }
  void on_client_closed() override { log.push_back("client gone"); }
  void on_shutdown_signal(int sig) override { log.push_back("signal " + std::to_string(sig)); }
  std::vector<std::string> log;
};

// The server's stdout, the client's end of ours, the signals told, and the
// half of the proxy between them.
class ServerToClientTest : public ::testing::Test {
 protected:
  ServerToClientTest() {
    ::signal(SIGPIPE, SIG_IGN);  // as the proxy does: a write to a gone reader fails
    EXPECT_TRUE(make_pipe(&server_read, &server_write));
    EXPECT_TRUE(make_pipe(&client_read, &client_write));
    EXPECT_TRUE(make_pipe(&notice_read, &notice_write));
    ::fcntl(notice_read.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(client_read.get(), F_SETFL, O_NONBLOCK);
    down.emplace(server_read.get(), client_write.get(), notice_read.get(), seen);
  }
  void server_says(const std::string& text) {
    ASSERT_EQ(::write(server_write.get(), text.data(), text.size()),
              static_cast<ssize_t>(text.size()));
  }
  void signal_told(int sig) {
    const unsigned char byte = static_cast<unsigned char>(sig);
    ASSERT_EQ(::write(notice_write.get(), &byte, 1), 1);
  }
  std::string client_reads() {
    char buffer[4096];
    const ssize_t n = ::read(client_read.get(), buffer, sizeof buffer);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }
  UniqueFd server_read, server_write, client_read, client_write, notice_read, notice_write;
  LoggingObserver seen;
  std::optional<ServerToClient> down;  // made once the pipes are
};

TEST_F(ServerToClientTest, AnAnswerWrittenIsSeenBeforeASignalThatCameWithIt) {
  // Both wait when the thread looks: the answer is written and seen first.
  server_says("{\"id\":1}\n");
  signal_told(SIGTERM);
  ASSERT_TRUE(down->step());
  EXPECT_EQ(seen.log, (std::vector<std::string>{"{\"id\":1}", "signal 15"}));
  EXPECT_EQ(client_reads(), "{\"id\":1}\n");
}

TEST_F(ServerToClientTest, AClientThatReadItsAnswerAndDiedLeftOnlyWhatCameAfter) {
  // The race of the reverted session-end commit: the client reads the
  // answer and dies before the answer is handed on. Here the hand-over is
  // part of the write's step, and the client's end is found only at the
  // next one.
  server_says("{\"id\":1}\n");
  ASSERT_TRUE(down->step());
  EXPECT_EQ(client_reads(), "{\"id\":1}\n");
  client_read.reset();  // the client dies
  signal_told(SIGTERM);  // and SIGTERM comes too
  ASSERT_TRUE(down->step());
  EXPECT_EQ(seen.log, (std::vector<std::string>{"{\"id\":1}", "client gone", "signal 15"}));
  EXPECT_TRUE(down->client_closed());
  // What the server says next is drained, shown to no one.
  server_says("{\"id\":2}\n");
  ASSERT_TRUE(down->step());
  server_write.reset();
  EXPECT_FALSE(down->step());
  down->finish();
  EXPECT_EQ(seen.log.size(), 3u);
}

TEST_F(ServerToClientTest, AnAnswerTheClientNeverGotIsNotSeen) {
  // The client is gone before the answer: the failed write finds it, and the
  // answer is no line the client read.
  client_read.reset();
  server_says("{\"id\":1}\n");
  ASSERT_TRUE(down->step());
  EXPECT_EQ(seen.log, (std::vector<std::string>{"client gone"}));
}

TEST_F(ServerToClientTest, TheEndShowsTheLastLineThenTheSignalsToldSince) {
  server_says("{\"id\":1}\n{\"id\":");
  ASSERT_TRUE(down->step());
  server_write.reset();
  EXPECT_FALSE(down->step());
  // Told between the end of the server's stdout and its reaping; a signal
  // that stops nothing (SIGUSR1) is not shown.
  signal_told(SIGUSR1);
  signal_told(SIGHUP);
  down->finish();
  EXPECT_EQ(seen.log,
            (std::vector<std::string>{"{\"id\":1}", "unfinished {\"id\":", "signal 1"}));
}

}  // namespace
}  // namespace mcpr
