// Deletes delivered events from a folder on a few worker threads, so that
// the deletes of a durable spool (each a journal update on ext4) overlap with
// the network and with each other instead of stalling the send loop one at a
// time. The caller learns which deletes are done (take_done) and only then
// treats those events as gone: a crash before that resends them under their
// own Idempotency-Key, which at-least-once allows.
//
// An event a sink still needs after its delivery (an OTLP span's start) is
// moved into another folder by the caller instead; a file kept that way is
// deleted here after the event that no longer needs it, never before, so a
// crash between the two leaves the keeper, not a resend without it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace mcpr {

class Unlinker {
 public:
  // Deletes in the folder open as `dir_fd` (not owned), on `threads` threads.
  Unlinker(int dir_fd, std::string dir_path, int threads);
  Unlinker(const Unlinker&) = delete;
  Unlinker& operator=(const Unlinker&) = delete;
  ~Unlinker();  // finishes what was submitted

  // Queues the delete of `name`; `token` comes back from take_done().
  void submit(uint64_t token, std::string name);
  // Queues the delete of `name` and then, once it is done, of `after` in the
  // folder open as `after_dir_fd` (not owned), which may be gone already.
  void submit_then_remove(uint64_t token, std::string name, int after_dir_fd, std::string after);
  // Tokens of the deletes done since the last call (a file already gone
  // counts as done). Throws SpoolError for a delete that failed otherwise.
  std::vector<uint64_t> take_done();
  // Blocks until a delete is done or `max_wait` seconds pass.
  void wait_some(double max_wait);
  // Submitted and not yet taken back by take_done().
  size_t pending() const { return pending_; }

 private:
  struct Task {
    uint64_t token;
    std::string name;
    enum Kind { kRemove, kRemoveThen } kind;
    int other_dir_fd;
    std::string other_name;  // kRemoveThen: the file removed after
  };
  void push(Task task);
  void work();
  // Carries out a task; the errno of its failure, 0 when done.
  int perform(const Task& task);

  const int dir_fd_;
  const std::string dir_path_;
  std::mutex mutex_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<Task> todo_;
  std::vector<uint64_t> done_;
  std::string error_;  // the first failed delete or move, "path: why"
  bool stopping_ = false;
  size_t pending_ = 0;  // touched by the caller's thread only
  std::vector<std::thread> threads_;
};

}  // namespace mcpr
