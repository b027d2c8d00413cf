// Publishing a new event into queue/: the recording path. It takes no lock,
// never reads the queue folder, and its cost does not grow with the spool.
#pragma once

#include <string>
#include <vector>

#include "spool/event_name.h"
#include "spool/spool.h"

namespace mcpr {

// Writes `body` as a queued event named after `name` (its `unique` part is
// filled in here, unique across processes and sorting in recording order
// within this process): tmp/ with O_EXCL|O_NOFOLLOW and mode 0600, write,
// fsync, rename into queue/ without replacing, fsync queue/. `sync = false`
// skips both fsyncs. On any failure nothing is left behind and SpoolError
// is thrown. Returns the file name.
std::string enqueue(const Spool& spool, EventName& name, const std::string& body, bool sync);

// One event of a group commit: `name` (its `unique` part filled in by
// enqueue_all) and `body`; `file_name` is set once it is queued.
struct PendingEvent {
  EventName name;
  std::string body;
  std::string file_name;
};

// Group commit: queues every event of `events` as enqueue() does, in order,
// but writes them all to tmp/ first, makes them durable together (one
// syncfs(2) of the spool's filesystem for a batch, an fsync for a single
// event), renames each into queue/ and fsyncs queue/ once. Each event is
// durable when this returns. Throws SpoolError; the events durably queued
// before that (none of those renamed before a failed fsync of queue/) have
// their `file_name` set.
void enqueue_all(const Spool& spool, std::vector<PendingEvent>& events, bool sync);

// The same with `name.unique` already chosen by the caller (import derives it
// from the event's bytes): returns "" instead of picking another when a file
// of that name is already queued.
std::string enqueue_as_named(const Spool& spool, const EventName& name, const std::string& body,
                             bool sync);

// 12 lowercase hex characters derived from `bytes` (64-bit FNV-1a, 48 bits
// kept): the same event always gets the same event id.
std::string content_unique(const std::string& bytes);

// 12 lowercase hex characters: 32 random bits fixed for this process, then a
// 16-bit counter, so names made here keep their order.
std::string next_unique();

}  // namespace mcpr
