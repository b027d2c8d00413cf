// Which queued event may go next: a pure plan of one flush pass, like ninja's
// Plan beside its Builder. Built from the queue's file names (everything it
// needs is in the name); told what became of each event; no clock, no I/O,
// so it is tested by tables.
//
// Rules (man page DELIVERY): oldest first; no event is handed out while an earlier
// event of its interaction is still queued or in flight; an event whose due
// time has not come waits; an event that failed in this pass is not handed
// out again in it, and holds the later events of its interaction; an event
// in dead/ holds the later events of its interaction (not sent, not left)
// until it is requeued.
//
// The same rules answer `status`, `list` and `flush -q` (standings()): which
// queued events are due, which wait for their own next attempt, which are
// blocked behind an earlier event of their interaction not yet due, and
// which are held behind a dead one.
//
// A batch (pop_batch) may hold several consecutive events of one
// interaction, in order, which the sink delivers atomically; events of one
// interaction are never in two batches in flight at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

namespace mcpr {

class Scheduler {
 public:
  using Id = uint32_t;

  // Where a queued event stands at a time.
  enum class Standing : uint8_t {
    kDue,         // may go now, after the earlier events of its interaction that are due
    kNotYetDue,   // waits for its own next attempt (failed before, or in this pass)
    kBlocked,     // waits behind an earlier event of its interaction that is not yet due
    kHeldByDead,  // waits behind an earlier event of its interaction in dead/
    kGone,        // left the queue in this pass
  };

  // Adds a queued event by its file name; false when the name is not an
  // event's, its interaction key included (valid_interaction_key): flush sets
  // such a file aside, status and list do not count it as due. Adds come
  // before the first pop.
  bool add(std::string_view file_name);
  // Notes an event in dead/ by its file name: the queued events of its
  // interaction that are later than it are held.
  void add_dead(std::string_view file_name);
  // Ends the adds (the first pop or question does it otherwise): from then
  // on the Ids name the events in their names' order.
  void finish_adding() {
    if (!built_) build();
  }

  // The oldest event that may go at `now_ms` (epoch milliseconds), marked in
  // flight; nullopt when none may.
  std::optional<Id> pop_ready(int64_t now_ms);
  // Up to `max` events that may go at `now_ms`, in flight together: the
  // oldest, then the events of its interaction that follow it, then the next
  // oldest, and so on. Empty when none may go.
  std::vector<Id> pop_batch(int64_t now_ms, size_t max);

  // The event left the queue (2xx, or set aside, or removed by someone
  // else): the next event of its interaction may go.
  void delivered(Id id);
  // The event was dead-lettered: it left the queue, and the later events of
  // its interaction are held.
  void buried(Id id);
  // The attempt failed; the event stays queued under `new_name` with
  // `attempts` and due at `due_ms`, and it and the rest of its interaction
  // wait for a later pass.
  void failed(Id id, unsigned attempts, int64_t due_ms, std::string_view new_name);
  // The event was not sent after all, or its answer counts for nothing
  // (outage, rejected key, Retry-After): it is first in line again.
  void held(Id id);

  // The earliest due time of an interaction's first queued event that waits
  // for a later pass: due after `now_ms`, failed in this pass (then it may
  // be due already), or due and not sent (it became due after the pass
  // began, or the pass stopped early). 0 for none.
  int64_t next_due(int64_t now_ms) const;
  // Events still queued that are due at `now_ms` (Standing::kDue), in flight
  // or not: what a pass that stops leaves for the next run.
  size_t left(int64_t now_ms) const;
  // How many events are in flight.
  size_t in_flight() const { return in_flight_; }
  size_t size() const { return entries_.size(); }
  bool has_ready(int64_t now_ms);

  // Each event's standing at `now_ms`, by Id (Ids follow the names' order).
  std::vector<Standing> standings(int64_t now_ms);
  // The file name of the dead event that holds `id` back, "" when none
  // (or when it was buried in this pass). Asked once the adds have ended.
  std::string_view held_by(Id id) const;

  std::string_view name(Id id) const;
  unsigned attempts(Id id) const { return entries_[id].attempts; }
  int64_t due_ms(Id id) const { return entries_[id].due_ms; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  // 32 bytes an event beside its name, so 100,000 are planned in a few MiB.
  struct Entry {
    int64_t due_ms = 0;
    uint32_t name_at = 0;  // offset of the name in names_
    uint32_t attempts = 0;
    uint32_t next_same = kNone;  // the next event of the same interaction
    uint32_t prev_same = kNone;  // the one before
    uint16_t name_size = 0;
    enum State : uint8_t { kQueued, kInFlight, kDone, kFailed, kHeldByDead } state = kQueued;
  };
  using MinHeap = std::priority_queue<Id, std::vector<Id>, std::greater<Id>>;
  using DueHeap = std::priority_queue<std::pair<int64_t, Id>, std::vector<std::pair<int64_t, Id>>,
                                      std::greater<std::pair<int64_t, Id>>>;

  void build();
  // Calls visit(id, standing) for every event, interaction by interaction.
  template <typename Visit>
  void walk(int64_t now_ms, Visit visit) const;
  void offer(Id id);      // a first queued event: ready now, or waiting for its due time
  void hold_from(Id id);  // it and the later events of its interaction are held by a dead one
  void promote(int64_t now_ms);
  std::string_view interaction(Id id) const;
  void set_name(Entry& e, std::string_view file);

  std::vector<Entry> entries_;
  std::string names_;  // every entry's file name, back to back
  std::vector<Id> heads_;
  std::map<std::string, std::string, std::less<>> first_dead_;  // by interaction: its oldest dead name
  MinHeap ready_;
  DueHeap waiting_;
  size_t in_flight_ = 0;
  bool built_ = false;
};

}  // namespace mcpr
