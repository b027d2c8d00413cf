#include "spool/cleanup.h"

#include <fcntl.h>
#include <sys/stat.h>
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

// A kept start waits for its interaction's end, which may sit in queue/ or
// dead/ (to be requeued) for as long as those keep it. One recorded longer
// than max_age ago with neither holding an event of its interaction waits
// for nothing: its end expired and was removed, or was delivered by a flush
// killed before it removed the start.
void sweep_started(const Spool& spool, const CleanupPolicy& policy, CleanupResult& result) {
  struct stat st;
  if (::fstatat(spool.root_fd(), state_name(SpoolState::kStarted), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return;  // a spool no OTLP sink has kept a start in
  const int64_t cutoff = policy.now - policy.max_age;
  std::unordered_set<std::string> old;
  for_each_name(spool, SpoolState::kStarted, false, [&](std::string_view name) {
    auto info = stat_file(spool, SpoolState::kStarted, std::string(name));
    if (info && info->mtime < cutoff) old.emplace(name);
  });
  if (old.empty()) return;
  for (SpoolState s : {SpoolState::kQueue, SpoolState::kDead})
    for_each_name(spool, s, false, [&](std::string_view name) {
      if (EventName::parse(name)) old.erase(std::string(interaction_key_of(name)));
    });
  for (const std::string& name : old)
    if (::unlinkat(spool.dir_fd(SpoolState::kStarted), name.c_str(), 0) == 0)
      ++result.started_removed;
}

}  // namespace

CleanupResult cleanup_spool(const Spool& spool, const CleanupPolicy& policy) {
  CleanupResult result;
  sweep_tmp(spool, policy, result);
  expire_queue(spool, policy, result);
  sweep_dead(spool, policy, result);
  sweep_started(spool, policy, result);
  return result;
}

}  // namespace mcpr
