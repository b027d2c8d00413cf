#include "spool/writer.h"

#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "spool/spool_error.h"
#include "src/util/random.h"

namespace mcpr {
namespace {

uint32_t random_base() {
  return static_cast<uint32_t>(random_u64());
}

uint32_t g_base = 0;
uint32_t g_counter = 0;
bool g_seeded = false;

// A forked child must not reuse its parent's base: it draws its own (told
// by fork itself, not by a getpid(2) for every name).
void draw_again_in_child() { g_seeded = false; }

}  // namespace

std::string next_unique() {
  static const bool watching_forks = ::pthread_atfork(nullptr, nullptr, draw_again_in_child) == 0;
  if (!g_seeded || g_counter > 0xffff || !watching_forks) {
    g_base = random_base();
    g_counter = 0;
    g_seeded = true;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x%04x", g_base, g_counter++);
  return buf;
}

namespace {

// A temp file for `name` under a unique name not yet in tmp/ (the unique part
// is drawn here; a collision draws another random base).
std::unique_ptr<AtomicFile> create_unique(const Spool& spool, EventName& name) {
  for (int tries = 0;; ++tries) {
    name.unique = next_unique();
    try {
      return std::make_unique<AtomicFile>(spool, name.format());
    } catch (const SpoolError& e) {
      if (e.error_number() != EEXIST || tries >= 8) throw;
    }
    g_seeded = false;
  }
}

}  // namespace

std::string enqueue(const Spool& spool, EventName& name, const std::string& body, bool sync) {
  const int queue_fd = spool.dir_fd(SpoolState::kQueue);
  for (int tries = 0; tries <= 8; ++tries) {
    std::unique_ptr<AtomicFile> file = create_unique(spool, name);
    file->write(body);
    std::string file_name = name.format();
    if (file->commit(queue_fd, file_name, sync)) return file_name;
    g_seeded = false;  // the name is taken in queue/: draw another random base
  }
  throw SpoolError(SpoolError::Kind::kNoUniqueName, spool.root(), "cannot find a unique file name");
}

void enqueue_all(const Spool& spool, std::vector<PendingEvent>& events, bool sync) {
  const int queue_fd = spool.dir_fd(SpoolState::kQueue);
  std::vector<std::unique_ptr<AtomicFile>> files;
  files.reserve(events.size());
  for (PendingEvent& e : events) {
    files.push_back(create_unique(spool, e.name));
    files.back()->write(e.body);
  }
  if (sync && files.size() == 1) {
    files[0]->sync();
  } else if (sync && files.size() > 1 && ::syncfs(spool.dir_fd(SpoolState::kTmp)) != 0) {
    // One syncfs makes every file of the batch durable for one journal
    // commit and one cache flush, where an fsync each costs a flush each.
    int err = errno;
    throw SpoolError(SpoolError::Kind::kIo, spool.path(SpoolState::kTmp, ""), std::strerror(err),
                     err);
  }
  // Events renamed here are durable only once queue/ is synced below: until
  // then they are not reported as queued (a power loss would undo them).
  std::vector<std::string> renamed(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    std::string file_name = events[i].name.format();
    if (files[i]->commit(queue_fd, file_name, false)) {
      renamed[i] = std::move(file_name);
    } else {
      files[i].reset();  // the name is taken in queue/ (vanishingly rare)
      g_seeded = false;
      events[i].file_name = enqueue(spool, events[i].name, events[i].body, sync);
    }
  }
  if (sync && !events.empty() && ::fsync(queue_fd) != 0) {
    int err = errno;
    throw SpoolError(SpoolError::Kind::kIo, spool.path(SpoolState::kQueue, ""), std::strerror(err),
                     err);
  }
  for (size_t i = 0; i < events.size(); ++i)
    if (!renamed[i].empty()) events[i].file_name = std::move(renamed[i]);
}

std::string enqueue_as_named(const Spool& spool, const EventName& name, const std::string& body,
                             bool sync) {
  std::string file_name = name.format();
  AtomicFile file(spool, file_name);
  file.write(body);
  return file.commit(spool.dir_fd(SpoolState::kQueue), file_name, sync) ? file_name : "";
}

std::string content_unique(const std::string& bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%012llx",
                static_cast<unsigned long long>(hash & 0xffffffffffffull));
  return buf;
}

}  // namespace mcpr
