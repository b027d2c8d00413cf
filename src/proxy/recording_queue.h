// The hand-overs between the forwarding threads, the thread that tracks
// interactions and the thread that writes the spool: bounded, and never
// blocking the producer. A full queue or a failed consumer drops the item
// and counts it. Its timed waits (poll, gather, finish's grace) are on a
// Clock, so tests drive them with a fake one.
#pragma once

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "src/proxy/interaction_tracker.h"
#include "src/util/clock.h"

namespace mcpr {

// An Item says what it holds with `size_t bytes() const`, for the byte
// bound: the queue knows nothing of the items its users put in it.
template <typename Item>
class BoundedQueue {
 public:
  // `consume` handles one item on the queue's own thread and throws (any
  // std::exception) when it cannot.
  using Consume = std::function<void(Item&)>;
  // `consume_run` handles a run of queued items at once (oldest first, at
  // most kMaxRun), so that a spool writer can commit them together; it
  // returns how many it handled and, when fewer, says why in `error`.
  using ConsumeRun = std::function<size_t(std::vector<Item>&, std::string& error)>;
  static constexpr size_t kMaxRun = 256;

  // At most `max_items` items holding `max_bytes` wait at once. With
  // `poll`, a push wakes the consumer only when it has gone idle (nothing
  // came for a whole `poll`) or kMaxRun items wait: while items keep coming
  // it looks every `poll` by itself, so the producer (a forwarding thread)
  // makes no wake-up per item and no thread is made runnable beside it.
  BoundedQueue(size_t max_items, size_t max_bytes, Consume consume,
               std::chrono::milliseconds poll = std::chrono::milliseconds(0),
               Clock& clock = system_clock())
      : BoundedQueue(max_items, max_bytes, one_at_a_time(std::move(consume)),
                     std::chrono::milliseconds(0), poll, clock) {}
  // With `gather`, the consumer waits that long after the first item of a
  // run (unless kMaxRun queue up first, or the queue finishes) so that one
  // commit takes a burst whole.
  BoundedQueue(size_t max_items, size_t max_bytes, ConsumeRun consume_run,
               std::chrono::milliseconds gather = std::chrono::milliseconds(0),
               std::chrono::milliseconds poll = std::chrono::milliseconds(0),
               Clock& clock = system_clock())
      : clock_(clock),
        max_items_(max_items),
        max_bytes_(max_bytes),
        gather_(gather),
        poll_(poll),
        consume_(std::move(consume_run)),
        thread_([this] {
          // SCHED_BATCH: a fair share of the CPU, but no preempting on
          // wake-up, so the client, the server and the forwarding threads
          // keep their cores when a line arrives here.
          sched_param none{};
          (void)::sched_setscheduler(0, SCHED_BATCH, &none);
          run();
        }) {}
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;
  ~BoundedQueue() {
    if (abandoned_ || !finish(std::chrono::milliseconds::max())) thread_.detach();
  }

  // Queues `item`; false (and counted as dropped) when full or finishing.
  // Unless `wake`, the consumer is not woken yet: wake() must follow. An
  // `expendable` item (an interaction's progress) is refused once only a
  // quarter of the room is left, which stays for the others (the starts and
  // ends of interactions): a flood of progress costs progress, never an
  // outcome.
  bool push(Item item, bool wake = true, bool expendable = false) {
    const size_t bytes = item.bytes();
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      ++dropped_at_end_;  // after finish() began (an abandoned producer still at it)
      return false;
    }
    const size_t items = expendable ? max_items_ - max_items_ / 4 : max_items_;
    const size_t room = expendable ? max_bytes_ - max_bytes_ / 4 : max_bytes_;
    if (queue_.size() >= items || queued_bytes_ + bytes > room) {
      ++dropped_full_;
      if (expendable) ++dropped_expendable_;
      return false;
    }
    queued_bytes_ += bytes;
    queue_.push_back(std::move(item));
    if (wake && queue_.size() == 1 && consumer_sleeps()) wake_.notify_one();
    if (queue_.size() == kMaxRun) {
      gather_cv_.notify_one();
      if (poll_.count() > 0) wake_.notify_one();
    }
    return true;
  }

  // Whether an expendable item would be refused now (only a quarter of the
  // room is left): a producer need not tell its items apart before.
  bool crowded() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.size() >= max_items_ - max_items_ / 4 ||
           queued_bytes_ > max_bytes_ - max_bytes_ / 4;
  }

  // Wakes the consumer for what push(item, false) queued.
  void wake() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!queue_.empty() && consumer_sleeps()) wake_.notify_one();
  }

  // Consumes what is queued, waiting at most `grace` (or until cut_short());
  // whatever is left then is counted as dropped at the end, with the run the
  // consumer is still in, if any: it returns false then (the consumer is
  // stuck in a write or still at it), the thread cannot be joined and the
  // caller must leave with _exit. (Some of that run may still reach the
  // spool before the exit: it is counted as dropped all the same, as nothing
  // tells which.)
  bool finish(std::chrono::milliseconds grace) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (abandoned_) return false;
    if (!thread_.joinable()) return true;
    stopping_ = true;
    wake_.notify_one();
    gather_cv_.notify_one();
    auto done = [this] {
      return (queue_.empty() && !busy_) || (cut_ && (!busy_ || !cut_waits_for_run_));
    };
    if (grace == std::chrono::milliseconds::max()) idle_.wait(lock, done);
    else clock_.wait_until(idle_, lock, deadline(grace), done);
    if (!queue_.empty() || busy_) {
      dropped_at_end_ += queue_.size();
      queue_.clear();
      queued_bytes_ = 0;
      wake_.notify_one();
      if (busy_) {
        dropped_at_end_ += in_flight_;
        abandoned_ = true;
      }
      if (abandoned_) return false;
    }
    lock.unlock();
    thread_.join();
    return true;
  }

  // Ends finish()'s wait now, as if its grace had passed (from any thread;
  // before finish() too: it then waits for nothing). The consumer takes no
  // new run; with `wait_for_run`, finish() still lets it end the run it is
  // in (for a consumer that cannot hang, such as the tracker).
  void cut_short(bool wait_for_run = false) {
    std::lock_guard<std::mutex> lock(mutex_);
    cut_ = true;
    cut_waits_for_run_ = wait_for_run;
    idle_.notify_all();
    gather_cv_.notify_one();
  }

  // Counts an item dropped before it was offered (one that would be
  // useless without another the queue refused).
  void drop() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++(stopping_ ? dropped_at_end_ : dropped_full_);
  }

  uint64_t consumed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return consumed_;
  }
  uint64_t dropped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_full_ + dropped_failed_ + dropped_at_end_;
  }
  // Of dropped(): refused because the queue was full...
  uint64_t dropped_full() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_full_;
  }
  // ...expendable ones among them...
  uint64_t dropped_expendable() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_expendable_;
  }
  // ...and still queued or being written when finish() stopped waiting (or
  // pushed after it began).
  uint64_t dropped_at_end() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_at_end_;
  }
  // Why the first failed item failed, "" when none did.
  std::string first_error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return first_error_;
  }

 private:
  static ConsumeRun one_at_a_time(Consume consume) {
    return [consume = std::move(consume)](std::vector<Item>& items, std::string& error) {
      size_t done = 0;
      for (Item& item : items) {
        try {
          consume(item);
          ++done;
        } catch (const std::exception& e) {
          if (error.empty()) error = *e.what() ? e.what() : "unknown error";
        }
      }
      return done;
    };
  }

  // The clock's time `wait` from now.
  double deadline(std::chrono::milliseconds wait) const {
    return clock_.mono() + std::chrono::duration<double>(wait).count();
  }

  // Whether a push must wake the consumer: always, unless it polls and is
  // still in its polling stretch.
  bool consumer_sleeps() const { return poll_.count() == 0 || consumer_idle_; }

  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    std::vector<Item> items;
    auto work = [this] { return stopping_ || !queue_.empty(); };
    bool polling = false;  // in a busy stretch: it looks again after poll_
    for (;;) {
      if (!polling || !clock_.wait_until(wake_, lock, deadline(poll_), work)) {
        consumer_idle_ = true;
        wake_.wait(lock, work);
        consumer_idle_ = false;
      }
      polling = poll_.count() > 0;
      if (queue_.empty() || cut_) break;
      if (gather_.count() > 0)
        clock_.wait_until(gather_cv_, lock, deadline(gather_),
                          [this] { return stopping_ || queue_.size() >= kMaxRun; });
      if (queue_.empty() || cut_) break;
      items.clear();
      while (!queue_.empty() && items.size() < kMaxRun) {
        queued_bytes_ -= queue_.front().bytes();
        items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      busy_ = true;
      in_flight_ = items.size();
      lock.unlock();
      std::string error;
      size_t done = 0;
      try {
        done = consume_(items, error);
      } catch (const std::exception& e) {
        error = *e.what() ? e.what() : "unknown error";
      }
      lock.lock();
      if (abandoned_) return;  // finish() counted the run as dropped; we are exiting
      busy_ = false;
      consumed_ += done;
      dropped_failed_ += items.size() - std::min(done, items.size());
      if (!error.empty() && first_error_.empty()) first_error_ = error;
      if (queue_.empty()) idle_.notify_all();
    }
    idle_.notify_all();
  }

  Clock& clock_;
  const size_t max_items_;
  const size_t max_bytes_;
  const std::chrono::milliseconds gather_;
  const std::chrono::milliseconds poll_;
  ConsumeRun consume_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable gather_cv_;  // a full run or finish() ends a gather early
  std::condition_variable idle_;
  std::deque<Item> queue_;
  size_t queued_bytes_ = 0;
  bool stopping_ = false;
  bool busy_ = false;
  bool consumer_idle_ = true;  // the consumer waits for a wake-up, not for its next poll
  bool abandoned_ = false;  // finish() gave up on a stuck consumer
  bool cut_ = false;        // cut_short(): finish() waits no longer
  bool cut_waits_for_run_ = false;
  size_t in_flight_ = 0;    // the items of the run being consumed
  uint64_t consumed_ = 0;
  // Dropped: refused by push, failed in the consumer, left at finish().
  uint64_t dropped_full_ = 0;
  uint64_t dropped_expendable_ = 0;  // of dropped_full_
  uint64_t dropped_failed_ = 0;
  uint64_t dropped_at_end_ = 0;
  std::string first_error_;
  std::thread thread_;
};

// Events on their way to the spool writer.
using RecordingQueue = BoundedQueue<ProxyEvent>;

// The interactions whose start was not recorded (refused by the queue, or
// not written to the spool): their later events are dropped and counted
// too, for an end without its start names no call. Its end forgets one.
class Unstarted {
 public:
  // Whether `e` belongs to such an interaction (and is to be dropped).
  bool drops(Action action, const std::string& interaction_id) {
    auto it = ids_.find(interaction_id);
    if (it == ids_.end()) return false;
    if (action != Action::kStart && action != Action::kProgress) ids_.erase(it);  // its end
    return true;
  }
  // An event that was not recorded: a start makes its interaction one of
  // these; an end (its start not recorded either, in the same run) ends it.
  void not_recorded(Action action, const std::string& interaction_id) {
    if (action == Action::kStart) ids_.insert(interaction_id);
    else if (action != Action::kProgress) ids_.erase(interaction_id);
  }

 private:
  std::set<std::string> ids_;
};

// A tracker's sink into `events`: an interaction whose start the queue
// refused is not recorded at all (Unstarted). One per tracker (its thread).
inline InteractionTracker::Sink queue_sink(RecordingQueue* events) {
  return [events, unstarted = Unstarted()](ProxyEvent e) mutable {
    if (unstarted.drops(e.action, e.interaction_id)) {
      events->drop();
      return;
    }
    const Action action = e.action;
    std::string id = action == Action::kStart ? e.interaction_id : std::string();
    if (!events->push(std::move(e), true, action == Action::kProgress) && action == Action::kStart)
      unstarted.not_recorded(action, id);
  };
}

// Writes a run of events to the spool and says which it wrote (`written`,
// one flag each) and, for those it did not, why the first failed (`error`).
using WriteEvents =
    std::function<void(std::vector<ProxyEvent>& run, std::string& error, std::vector<bool>& written)>;

// The spool writer's consumer: `write` for each run, but an interaction
// whose start it could not write (a full disk, a while) has its later events
// dropped too (Unstarted), counted as failed, in this run and the next ones,
// as the queue's sink does for a start it refused. One per queue.
inline RecordingQueue::ConsumeRun started_only(WriteEvents write) {
  return [write = std::move(write), unstarted = Unstarted()](std::vector<ProxyEvent>& run,
                                                            std::string& error) mutable {
    std::vector<ProxyEvent> kept;
    kept.reserve(run.size());
    for (ProxyEvent& e : run)
      if (!unstarted.drops(e.action, e.interaction_id)) kept.push_back(std::move(e));
    std::vector<bool> written(kept.size(), false);
    if (!kept.empty()) write(kept, error, written);
    size_t done = 0;
    for (size_t i = 0; i < kept.size(); ++i) {
      if (written[i]) ++done;
      else unstarted.not_recorded(kept[i].action, kept[i].interaction_id);
    }
    return done;
  };
}

}  // namespace mcpr
