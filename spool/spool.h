// A spool folder: tmp/ (being written), queue/ (waiting to be sent), dead/
// (given up, each beside a "#reason" file) and corrupt/ (unreadable, never
// sent, never cleaned up). Events move between states by rename(2) only, so an
// event is always whole and always in exactly one folder. The lock and state
// files live in the root folder; events never do.
//
// started/ holds delivered interaction_start events that a sink still needs
// (the OTLP sink's span is sent with the interaction's end): one file per
// interaction, named by its interaction's key (interaction_key()), made on
// first use, left out of the states that list and status count (kAllStates).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spool/spool_error.h"

namespace mcpr {

enum class SpoolState { kQueue, kDead, kCorrupt, kTmp, kStarted };
constexpr SpoolState kAllStates[] = {SpoolState::kQueue, SpoolState::kDead, SpoolState::kCorrupt,
                                     SpoolState::kTmp};

const char* state_name(SpoolState state);  // "queue", "dead", ...

// Suffix of the file that holds why an event in dead/ or corrupt/ is there.
constexpr const char kReasonSuffix[] = "#reason";
bool is_reason_file(std::string_view name);

// Whether something is at `root`: false only when nothing is (ENOENT). A
// path that cannot be looked at counts as there, for Spool::open to say why.
// Commands that only look, and a one-shot flush, make no spool.
bool spool_exists(const std::string& root);

class Spool {
 public:
  // Opens the spool at `root`. With `create`, any missing folder is made,
  // mode 0700 whatever the umask. Refuses (SpoolError kRefused) a root that is
  // not a directory, is a symlink, or is owned by another user, unless it is
  // shared: writable by its group (not by others), and that group is one of
  // ours. In a shared spool, folders are made 2770 and files 0660, so that
  // the group's members record and the owner's flusher sends and removes.
  static Spool open(const std::string& root, bool create);
  // Opens an existing spool only to look at it (status, list, show): any
  // user's spool is read, wherever file permissions let this one read it
  // (root's monitoring cron on the service user's spool), and nothing is
  // made in it: a state folder that does not exist is empty. A symlink or a
  // non-directory is refused as by open().
  static Spool open_to_look(const std::string& root);

  Spool(Spool&& other) noexcept;
  Spool& operator=(Spool&&) = delete;
  ~Spool();

  const std::string& root() const { return root_; }
  int root_fd() const { return root_fd_; }
  // The folder of a state, opened on first use (O_NOFOLLOW).
  int dir_fd(SpoolState state) const;
  // As dir_fd(), but -1 for a folder that does not exist in a spool opened
  // without `create` (open_to_look()).
  int existing_dir_fd(SpoolState state) const;
  std::string path(SpoolState state, const std::string& name) const;

  // Bytes available to an unprivileged writer on the spool's filesystem.
  uint64_t free_bytes() const;

  // The mode of the files and folders made in it (see open()).
  mode_t file_mode() const { return shared_ ? 0660 : 0600; }
  mode_t dir_mode() const { return shared_ ? 02770 : 0700; }
  // The process's umask, read once when the spool was opened (reading it
  // means setting it, twice: not for every file made).
  mode_t umask() const { return umask_; }

 private:
  Spool(std::string root, int root_fd);
  // The root folder's descriptor (made first with `create`); SpoolError else.
  static int open_root(const std::string& root, bool create);
  std::string root_;
  int root_fd_;
  bool create_ = false;
  bool shared_ = false;
  mode_t umask_ = 0;
  mutable int dir_fds_[5] = {-1, -1, -1, -1, -1};
};

// Gives the file just created as `fd` exactly `mode`, whatever the umask
// (`umask`, the process's, e.g. Spool::umask()).
void exact_mode(int fd, mode_t mode, mode_t umask);

// A file being written in tmp/ and published into another folder by commit().
// If commit() is never reached, the destructor removes the temp file, so a
// failed write leaves nothing behind.
class AtomicFile {
 public:
  // Creates tmp/<name> with O_EXCL|O_NOFOLLOW, mode 0600. Throws SpoolError,
  // whose error_number() lets callers retry on EEXIST.
  AtomicFile(const Spool& spool, std::string name);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  void write(const std::string& data);
  // fsyncs the data now (group commit: a batch syncs each file, then commits
  // them all with sync = false and syncs the folder once). Throws SpoolError.
  void sync();
  // fsyncs (when `sync`), closes, renames into `dir_fd` under `final_name`
  // and fsyncs that folder (when `sync`). Unless `replace`, an existing file
  // of that name is never overwritten: commit() then returns false and the
  // temp file stays for another try. Throws SpoolError.
  bool commit(int dir_fd, const std::string& final_name, bool sync, bool replace = false);

 private:
  const Spool& spool_;
  std::string name_;
  int fd_ = -1;
  bool committed_ = false;
};

// Names of the files in a state's folder, unsorted: the events, or with
// `reason_files` only the "#reason" files.
std::vector<std::string> list_names(const Spool& spool, SpoolState state,
                                    bool reason_files = false);
// The same, one name at a time, without holding them all.
void for_each_name(const Spool& spool, SpoolState state, bool reason_files,
                   const std::function<void(std::string_view)>& visit);

// Reads a whole file of a state's folder, refusing symlinks. nullopt when the
// file is gone; throws SpoolError for other errors.
std::optional<std::string> read_file(const Spool& spool, SpoolState state,
                                     const std::string& name);

// What a state change found: it was done, or the file was gone (someone else
// moved or deleted it first). Real failures throw SpoolError instead.
enum class SpoolOutcome { kDone, kGone };

// Renames between folders (spool/operations.h has the event-level moves).
SpoolOutcome move_file(const Spool& spool, SpoolState from, const std::string& name,
                       SpoolState to, const std::string& new_name, bool sync);

// Removes a file and its reason file.
SpoolOutcome remove_file(const Spool& spool, SpoolState state, const std::string& name);

// The reason an event in dead/ or corrupt/ is there ("" when none is kept);
// the reason file's mtime is when it was set aside.
std::string read_reason(const Spool& spool, SpoolState state, const std::string& name);

// Modification time in epoch seconds and size, or nullopt when gone.
struct FileInfo {
  int64_t mtime = 0;
  uint64_t size = 0;
};
std::optional<FileInfo> stat_file(const Spool& spool, SpoolState state, const std::string& name);

// The files of a spool's root folder, each named once: the flush lock; the
// root state (the Retry-After deadline, the last run's summary, delivered
// starts, counters: src/state/root_state.h owns it) and the lock every
// change to it is made under (held for one read and one replace, never for
// long, unlike flush.lock, which a flusher holds for its whole run); and
// where `proxy` counted the events it had to drop before the root state
// held that count (read once, folded into the root state and removed).
constexpr const char kLockFile[] = "flush.lock";
constexpr const char kStateFile[] = "state.json";
constexpr const char kStateLockFile[] = "state.lock";
constexpr const char kProxyDroppedFile[] = "proxy-dropped";

// Root-folder state files (written through tmp/, replaced atomically).
void write_root_file(const Spool& spool, const std::string& name, const std::string& data);
std::optional<std::string> read_root_file(const Spool& spool, const std::string& name);
// Removes a root-folder file; one already gone is no error. Throws SpoolError.
void remove_root_file(const Spool& spool, const std::string& name);

}  // namespace mcpr
