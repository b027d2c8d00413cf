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

  // One delete: of `name` and then, when `after_dir_fd` is not -1 and once
  // `name` is gone, of `after` in the folder open as `after_dir_fd` (not
  // owned), which may be gone already. `token` comes back from take_done().
  struct Delete {
    uint64_t token;
    std::string name;
    int after_dir_fd = -1;
    std::string after;
  };
  // Queues a batch's deletes at once: one lock, and each thread woken once
  // (a wake-up per delete cost more CPU than the deletes' own bookkeeping).
  void submit_all(std::vector<Delete> deletes);
  // Tokens of the deletes done since the last call (a file already gone
  // counts as done). Throws SpoolError for a delete that failed otherwise.
  std::vector<uint64_t> take_done();
  // Blocks until a delete is done or `max_wait` seconds pass.
  void wait_some(double max_wait);
  // Submitted and not yet taken back by take_done().
  size_t pending() const { return pending_; }

 private:
  void work();
  // Carries out a delete; the errno of its failure, 0 when done.
  int perform(const Delete& task);

  const int dir_fd_;
  const std::string dir_path_;
  std::mutex mutex_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<Delete> todo_;
  std::vector<uint64_t> done_;
  std::string error_;  // the first failed delete or move, "path: why"
  bool stopping_ = false;
  size_t pending_ = 0;  // touched by the caller's thread only
  std::vector<std::thread> threads_;
};

}  // namespace mcpr
