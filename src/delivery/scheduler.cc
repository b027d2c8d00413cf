#include "src/delivery/scheduler.h"

#include <algorithm>
#include <numeric>

#include "spool/event_name.h"

namespace mcpr {

bool Scheduler::add(std::string_view file_name) {
  std::optional<EventName> parsed = EventName::parse(file_name);
  if (!parsed || file_name.size() > UINT16_MAX || !valid_interaction_key(parsed->interaction_key))
    return false;
  Entry e;
  e.due_ms = parsed->due_ms;
  e.attempts = parsed->attempts;
  set_name(e, file_name);
  entries_.push_back(e);
  return true;
}

void Scheduler::add_dead(std::string_view file_name) {
  if (!EventName::parse(file_name)) return;
  auto [it, added] = first_dead_.emplace(std::string(interaction_key_of(file_name)), file_name);
  if (!added && file_name < it->second) it->second = std::string(file_name);
}

void Scheduler::build() {
  built_ = true;
  std::sort(entries_.begin(), entries_.end(), [this](const Entry& a, const Entry& b) {
    return std::string_view(names_).substr(a.name_at, a.name_size) <
           std::string_view(names_).substr(b.name_at, b.name_size);
  });
  // Link each interaction's events in order; the first of each is a head.
  std::vector<Id> order(entries_.size());
  std::iota(order.begin(), order.end(), 0);
  // Each name's key found once, not at every comparison.
  std::vector<std::string_view> keys(entries_.size());
  for (Id i = 0; i < keys.size(); ++i) keys[i] = interaction(i);
  std::stable_sort(order.begin(), order.end(), [&keys](Id a, Id b) { return keys[a] < keys[b]; });
  for (size_t k = 0; k < order.size(); ++k) {
    if (k == 0 || keys[order[k - 1]] != keys[order[k]])
      heads_.push_back(order[k]);
    else
      entries_[order[k - 1]].next_same = order[k], entries_[order[k]].prev_same = order[k - 1];
  }
  for (Id head : heads_) {
    auto dead = first_dead_.find(interaction(head));
    if (dead != first_dead_.end())
      for (Id i = head; i != kNone; i = entries_[i].next_same)
        if (name(i) > dead->second) hold_from(i);
    if (entries_[head].state == Entry::kQueued) offer(head);
  }
}

void Scheduler::hold_from(Id id) {
  for (Id i = id; i != kNone; i = entries_[i].next_same) entries_[i].state = Entry::kHeldByDead;
}

void Scheduler::buried(Id id) {
  Entry& e = entries_[id];
  if (e.state == Entry::kInFlight) --in_flight_;
  e.state = Entry::kDone;
  // In a batch, later events of the interaction may be in flight with it:
  // their answer decides for them; the ones still queued are held.
  Id next = e.next_same;
  while (next != kNone && entries_[next].state != Entry::kQueued) next = entries_[next].next_same;
  if (next != kNone) hold_from(next);
}

template <typename Visit>
void Scheduler::walk(int64_t now_ms, Visit visit) const {
  for (Id head : heads_) {
    bool waiting = false;  // an earlier event of the interaction is not yet due
    for (Id i = head; i != kNone; i = entries_[i].next_same) {
      const Entry& e = entries_[i];
      if (e.state == Entry::kDone)
        visit(i, Standing::kGone);
      else if (e.state == Entry::kHeldByDead)
        visit(i, Standing::kHeldByDead);
      else if (waiting)
        visit(i, Standing::kBlocked);
      else if (e.state == Entry::kFailed || e.due_ms > now_ms)
        visit(i, Standing::kNotYetDue), waiting = true;
      else
        visit(i, Standing::kDue);
    }
  }
}

std::vector<Scheduler::Standing> Scheduler::standings(int64_t now_ms) {
  finish_adding();
  std::vector<Standing> out(entries_.size(), Standing::kGone);
  walk(now_ms, [&out](Id i, Standing s) { out[i] = s; });
  return out;
}

std::string_view Scheduler::held_by(Id id) const {
  if (entries_[id].state != Entry::kHeldByDead) return {};
  auto dead = first_dead_.find(interaction(id));
  return dead == first_dead_.end() ? std::string_view() : std::string_view(dead->second);
}

void Scheduler::offer(Id id) { waiting_.push({entries_[id].due_ms, id}); }

void Scheduler::promote(int64_t now_ms) {
  finish_adding();
  while (!waiting_.empty() && waiting_.top().first <= now_ms) {
    ready_.push(waiting_.top().second);
    waiting_.pop();
  }
}

bool Scheduler::has_ready(int64_t now_ms) {
  promote(now_ms);
  return !ready_.empty();
}

std::optional<Scheduler::Id> Scheduler::pop_ready(int64_t now_ms) {
  promote(now_ms);
  if (ready_.empty()) return std::nullopt;
  Id id = ready_.top();
  ready_.pop();
  entries_[id].state = Entry::kInFlight;
  ++in_flight_;
  return id;
}

std::vector<Scheduler::Id> Scheduler::pop_batch(int64_t now_ms, size_t max) {
  std::vector<Id> batch;
  while (batch.size() < max) {
    std::optional<Id> id = pop_ready(now_ms);
    if (!id) break;
    batch.push_back(*id);
    // The events of its interaction that follow, while they are due.
    for (Id next = entries_[*id].next_same;
         next != kNone && batch.size() < max && entries_[next].state == Entry::kQueued &&
         entries_[next].due_ms <= now_ms;
         next = entries_[next].next_same) {
      entries_[next].state = Entry::kInFlight;
      ++in_flight_;
      batch.push_back(next);
    }
  }
  return batch;
}

void Scheduler::delivered(Id id) {
  Entry& e = entries_[id];
  if (e.state == Entry::kInFlight) --in_flight_;
  e.state = Entry::kDone;
  // In a batch, the next event may be in flight with this one already.
  if (e.next_same != kNone && entries_[e.next_same].state == Entry::kQueued) offer(e.next_same);
}

void Scheduler::failed(Id id, unsigned attempts, int64_t due_ms, std::string_view new_name) {
  Entry& e = entries_[id];
  if (e.state == Entry::kInFlight) --in_flight_;
  e.state = Entry::kFailed;
  e.attempts = attempts;
  e.due_ms = due_ms;
  set_name(e, new_name);
}

void Scheduler::held(Id id) {
  Entry& e = entries_[id];
  if (e.state == Entry::kInFlight) --in_flight_;
  e.state = Entry::kQueued;
  // Only the first of its interaction goes back in line; in a batch, the
  // later ones follow it again once it is delivered.
  if (e.prev_same == kNone || entries_[e.prev_same].state == Entry::kDone) ready_.push(id);
}

int64_t Scheduler::next_due(int64_t now_ms) const {
  int64_t best = 0;
  // A retry failed in this pass counts even when its jittered backoff has
  // already ended, and so does an event that became due while the pass ran
  // (a pass sends only what was due when it began): each is work for the
  // next pass, due now.
  walk(now_ms, [&](Id i, Standing s) {
    const Entry& e = entries_[i];
    int64_t due;
    if (s == Standing::kNotYetDue)
      due = e.due_ms;
    else if (s == Standing::kDue && e.state != Entry::kInFlight)
      due = e.due_ms > 0 ? std::min(e.due_ms, now_ms) : now_ms;
    else
      return;
    if (best == 0 || due < best) best = due;
  });
  return best;
}

size_t Scheduler::left(int64_t now_ms) const {
  size_t n = 0;
  walk(now_ms, [&n](Id, Standing s) { n += s == Standing::kDue; });
  return n;
}

std::string_view Scheduler::name(Id id) const {
  return std::string_view(names_).substr(entries_[id].name_at, entries_[id].name_size);
}

std::string_view Scheduler::interaction(Id id) const { return interaction_key_of(name(id)); }

void Scheduler::set_name(Entry& e, std::string_view file) {
  e.name_at = static_cast<uint32_t>(names_.size());
  e.name_size = static_cast<uint16_t>(file.size());
  names_ += file;
}

}  // namespace mcpr
