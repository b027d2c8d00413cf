#include "spool/cleanup.h"

#include <unistd.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "spool/event_name.h"
#include "spool/operations.h"

namespace mcpr {
namespace {

// Only what the spool's own writers leave in tmp/: an event's file, an
// event's reason file, a root file's "<name>#<pid>". Anything else was put
// there by someone else (a folder taken for a spool by mistake) and is never
// touched.
bool is_spool_temp_name(std::string_view name) {
  if (EventName::parse(name)) return true;
  const size_t hash = name.rfind('#');
  if (hash == std::string_view::npos || hash == 0 || hash + 1 == name.size()) return false;
  const std::string_view tail = name.substr(hash + 1);
  if (tail == "reason") return EventName::parse(name.substr(0, hash)).has_value();
  return std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void sweep_tmp(const Spool& spool, const CleanupPolicy& policy, CleanupResult& result) {
  for (bool reasons : {false, true}) {
    for (const std::string& name : list_names(spool, SpoolState::kTmp, reasons)) {
      if (!is_spool_temp_name(name)) continue;
      auto info = stat_file(spool, SpoolState::kTmp, name);
      if (info && info->mtime < policy.now - policy.tmp_max_age &&
          ::unlinkat(spool.dir_fd(SpoolState::kTmp), name.c_str(), 0) == 0)
        ++result.tmp_removed;
    }
  }
}

void expire_queue(const Spool& spool, const CleanupPolicy& policy, CleanupResult& result) {
  const int64_t cutoff = policy.now - policy.max_age;
  // A file is written no earlier than its event's timestamp, so only names
  // older than the cutoff need a look; the rest of a large queue is not held.
  std::vector<std::string> old;
  for_each_name(spool, SpoolState::kQueue, false, [&](std::string_view name) {
    auto parsed = EventName::parse(name);
    if (parsed && parsed->timestamp_us / 1000000 < cutoff) old.emplace_back(name);
  });
  for (const std::string& name : old) {
    auto info = stat_file(spool, SpoolState::kQueue, name);
    if (!info || info->mtime >= cutoff) continue;
    if (bury(spool, name,
             "expired: queued for more than " + std::to_string(policy.max_age / 86400) + " days",
             policy.sync) == SpoolOutcome::kDone)
      ++result.expired;
  }
}

void sweep_dead(const Spool& spool, const CleanupPolicy& policy, CleanupResult& result) {
  const int64_t cutoff = policy.now - policy.max_age;
  std::unordered_set<std::string> events;
  for (std::string& name : list_names(spool, SpoolState::kDead)) {
    // When it died: its reason file's time (the event's own, without one).
    auto info = stat_file(spool, SpoolState::kDead, name + kReasonSuffix);
    if (!info) info = stat_file(spool, SpoolState::kDead, name);
    const int64_t died = info ? info->mtime : policy.now;
    if (died < cutoff && remove_file(spool, SpoolState::kDead, name) == SpoolOutcome::kDone) {
      ++result.dead_removed;
    } else {
      events.insert(std::move(name));
    }
  }
  // Reason files whose event never arrived (a crash between the two renames).
  constexpr size_t suffix = sizeof(kReasonSuffix) - 1;
  for (const std::string& reason : list_names(spool, SpoolState::kDead, true)) {
    if (events.count(reason.substr(0, reason.size() - suffix))) continue;
    auto info = stat_file(spool, SpoolState::kDead, reason);
    if (info && info->mtime < policy.now - policy.tmp_max_age)
      ::unlinkat(spool.dir_fd(SpoolState::kDead), reason.c_str(), 0);
  }
}

}  // namespace

CleanupResult cleanup_spool(const Spool& spool, const CleanupPolicy& policy) {
  CleanupResult result;
  sweep_tmp(spool, policy, result);
  expire_queue(spool, policy, result);
  sweep_dead(spool, policy, result);
  return result;
}

}  // namespace mcpr
