#include "spool/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <iterator>
#include <string_view>

#include "spool/spool_error.h"
#include "src/util/text.h"
#include "src/util/unique_fd.h"

namespace mcpr {
namespace {

// A spool's root folder, when this makes it: never shared (see Spool::open).
constexpr mode_t kDirMode = 0700;

[[noreturn]] void fail(const std::string& what, int err) {
  throw SpoolError(SpoolError::Kind::kIo, what, std::strerror(err), err);
}

// A new folder is only as durable as its name in its parent: after a power
// loss, events fsynced into a queue/ whose own name was never synced are
// gone with it. Folders are made rarely, so this costs nothing per event.
void sync_dir(int fd, const std::string& path) {
  if (::fsync(fd) != 0) fail(path, errno);
}

void sync_dir(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) fail(path, errno);
  sync_dir(fd.get(), path);
}

// mkdir -p, each folder made here 0700 whatever the umask, and durable.
void make_dirs(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return;
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) make_dirs(path.substr(0, slash));
  if (::mkdir(path.c_str(), kDirMode) != 0) {
    if (errno == EEXIST) return;
    fail(path, errno);
  }
  ::chmod(path.c_str(), kDirMode);
  sync_dir(slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash));
}

bool has_queue(int fd) {
  struct stat st;
  return ::fstatat(fd, state_name(SpoolState::kQueue), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISDIR(st.st_mode);
}

// True when the folder open as `fd` is a spool or may become one: it has a
// spool's queue/, or is empty, or holds nothing but a spool's own folders
// and files with at least one that is not tmp/ (a spool whose queue/ was
// removed by hand or by a temp cleaner). A tmp/ alone proves nothing: a home
// folder has one.
bool is_spool_or_empty(int fd) {
  if (has_queue(fd)) return true;
  int dup_fd = ::dup(fd);
  if (dup_fd < 0) return true;  // cannot tell: the mkdirs below will say
  DIR* dir = ::fdopendir(dup_fd);
  if (!dir) {
    ::close(dup_fd);
    return true;
  }
  static const std::string_view kOwn[] = {state_name(SpoolState::kDead),
                                          state_name(SpoolState::kCorrupt),
                                          state_name(SpoolState::kStarted), kStateFile, kLockFile,
                                          kStateLockFile, kProxyDroppedFile};
  bool empty = true, own = true, beyond_tmp = false;
  while (struct dirent* e = ::readdir(dir)) {
    const std::string_view n = e->d_name;
    if (n == "." || n == "..") continue;
    empty = false;
    if (n == state_name(SpoolState::kTmp)) continue;
    if (std::find(std::begin(kOwn), std::end(kOwn), n) == std::end(kOwn)) {
      own = false;
      break;
    }
    beyond_tmp = true;
  }
  ::closedir(dir);
  // Another mcp-report making this spool now makes queue/ before anything
  // else: one that did so since the first look is seen here.
  return empty || (own && beyond_tmp) || has_queue(fd);
}

int open_dir_at(int at, const char* name) {
  return ::openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

// A spool folder its owner shares with a group: writable by the group, not
// by others, and set-group-ID, so that what each member makes belongs to the
// group (man page FILES, "A spool shared by a group").
bool shared_mode(mode_t mode) {
  return (mode & S_IWGRP) && (mode & S_ISGID) && !(mode & S_IWOTH);
}

bool in_group(gid_t gid) {
  if (gid == ::getegid()) return true;
  gid_t groups[256];
  const int n = ::getgroups(256, groups);
  return std::find(groups, groups + std::max(n, 0), gid) != groups + std::max(n, 0);
}

// mkdirat, then the mode exactly (the umask takes bits off; setgid is
// inherited in a shared folder only when asked).
bool make_dir_at(int at, const char* name, mode_t mode) {
  if (::mkdirat(at, name, mode) != 0) return false;
  ::fchmodat(at, name, mode, 0);
  return true;
}

}  // namespace

const char* state_name(SpoolState state) {
  switch (state) {
    case SpoolState::kQueue:
      return "queue";
    case SpoolState::kDead:
      return "dead";
    case SpoolState::kCorrupt:
      return "corrupt";
    case SpoolState::kTmp:
      return "tmp";
    case SpoolState::kStarted:
      return "started";
  }
  return "?";
}

bool spool_exists(const std::string& root) {
  struct stat st;
  return ::lstat(root.c_str(), &st) == 0 || errno != ENOENT;
}

bool is_reason_file(std::string_view name) {
  constexpr size_t n = sizeof(kReasonSuffix) - 1;
  return name.size() > n && name.substr(name.size() - n) == kReasonSuffix;
}

int Spool::open_root(const std::string& root, bool create) {
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && create) {
    make_dirs(root);
    fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0) {
    if (errno == ELOOP || errno == ENOTDIR) {
      // Say which: a symlink, a file, or a file standing where a folder of
      // the path should be.
      struct stat st;
      const bool exists = ::lstat(root.c_str(), &st) == 0;
      throw SpoolError(SpoolError::Kind::kRefused, "spool " + root,
                       exists && S_ISLNK(st.st_mode) ? "a symbolic link (refused: the spool must "
                                                       "be a real directory)"
                       : exists ? "not a directory"
                                : "a part of the path is not a directory");
    }
    fail("spool " + root, errno);
  }
  return fd;
}

Spool Spool::open_to_look(const std::string& root) {
  Spool spool(root, open_root(root, false));
  struct stat st;
  if (::fstat(spool.root_fd_, &st) != 0) fail("spool " + root, errno);
  // Whoever's it is, nothing is made in it: a state folder not made yet (a
  // spool just made by install -d) is read as empty.
  spool.shared_ = shared_mode(st.st_mode);
  return spool;
}

Spool Spool::open(const std::string& root, bool create) {
  Spool spool(root, open_root(root, create));
  const int fd = spool.root_fd_;
  struct stat st;
  if (::fstat(fd, &st) != 0) fail("spool " + root, errno);
  spool.shared_ = shared_mode(st.st_mode);
  if (st.st_uid != ::geteuid() && !(spool.shared_ && in_group(st.st_gid)))
    throw SpoolError(SpoolError::Kind::kRefused, "spool " + root,
                     "owned by uid " + std::to_string(st.st_uid) + ", not by uid " +
                         std::to_string(::geteuid()) +
                         ": refusing to use it (a spool shared with a group is mode 2770 and "
                         "the group one of ours)");
  spool.create_ = create;
  if (create && !is_spool_or_empty(fd)) {
    // A folder of other things (a mistyped --spool /etc, ~): not made into a
    // spool, and nothing of it is ever touched.
    throw SpoolError(SpoolError::Kind::kRefused, "spool " + root,
                     "holds other files and no queue/: not a spool (give mcp-report a folder "
                     "of its own)");
  }
  if (create) {
    bool made = false;
    for (SpoolState s : kAllStates) {
      if (make_dir_at(fd, state_name(s), spool.dir_mode())) {
        made = true;
      } else if (errno != EEXIST) {
        fail(spool.path(s, ""), errno);
      }
    }
    if (made) sync_dir(fd, root);
  }
  return spool;
}

Spool::Spool(std::string root, int root_fd) : root_(std::move(root)), root_fd_(root_fd) {
  umask_ = ::umask(0);
  ::umask(umask_);
}

Spool::Spool(Spool&& other) noexcept
    : root_(std::move(other.root_)),
      root_fd_(other.root_fd_),
      create_(other.create_),
      shared_(other.shared_),
      umask_(other.umask_) {
  other.root_fd_ = -1;
  for (size_t i = 0; i < std::size(dir_fds_); ++i) {
    dir_fds_[i] = other.dir_fds_[i];
    other.dir_fds_[i] = -1;
  }
}

Spool::~Spool() {
  for (int fd : dir_fds_)
    if (fd >= 0) ::close(fd);
  if (root_fd_ >= 0) ::close(root_fd_);
}

int Spool::dir_fd(SpoolState state) const {
  int& fd = dir_fds_[static_cast<int>(state)];
  if (fd < 0) {
    fd = open_dir_at(root_fd_, state_name(state));
    // Removed since the spool was opened (by hand): make it again.
    if (fd < 0 && errno == ENOENT && create_) {
      if (make_dir_at(root_fd_, state_name(state), dir_mode())) sync_dir(root_fd_, root_);
      fd = open_dir_at(root_fd_, state_name(state));
    }
    if (fd < 0) fail(path(state, ""), errno);
  }
  return fd;
}

int Spool::existing_dir_fd(SpoolState state) const {
  int& fd = dir_fds_[static_cast<int>(state)];
  if (fd < 0 && !create_) {
    fd = open_dir_at(root_fd_, state_name(state));
    if (fd < 0 && errno == ENOENT) return -1;
  }
  return dir_fd(state);
}

std::string Spool::path(SpoolState state, const std::string& name) const {
  return root_ + "/" + state_name(state) + "/" + name;
}

uint64_t Spool::free_bytes() const {
  struct statvfs vfs;
  if (::fstatvfs(root_fd_, &vfs) != 0) fail("spool " + root_, errno);
  return static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
}

AtomicFile::AtomicFile(const Spool& spool, std::string name)
    : spool_(spool), name_(std::move(name)) {
  fd_ = ::openat(spool.dir_fd(SpoolState::kTmp), name_.c_str(),
                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, spool.file_mode());
  if (fd_ < 0) {
    int err = errno;
    fail(spool.path(SpoolState::kTmp, name_), err);
  }
  exact_mode(fd_, spool.file_mode(), spool.umask());
}

void exact_mode(int fd, mode_t mode, mode_t umask) {
  // The umask may have taken bits off the mode (0600 and 0200, a shared
  // spool's 0660 and the usual 022): then set it exactly. Only then: an
  // fchmod is one more journalled change to the new inode.
  if (umask & mode) ::fchmod(fd, mode);
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlinkat(spool_.dir_fd(SpoolState::kTmp), name_.c_str(), 0);
}

void AtomicFile::write(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(spool_.path(SpoolState::kTmp, name_), errno);
    }
    done += static_cast<size_t>(n);
  }
}

void AtomicFile::sync() {
  if (fd_ >= 0 && ::fsync(fd_) != 0) fail(spool_.path(SpoolState::kTmp, name_), errno);
}

bool AtomicFile::commit(int dir_fd, const std::string& final_name, bool sync, bool replace) {
  const std::string tmp_path = spool_.path(SpoolState::kTmp, name_);
  if (fd_ >= 0) {
    if (sync && ::fsync(fd_) != 0) fail(tmp_path, errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail(tmp_path, errno);
  }
  if (::renameat2(spool_.dir_fd(SpoolState::kTmp), name_.c_str(), dir_fd, final_name.c_str(),
                  replace ? 0 : RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST && !replace) return false;
    fail(tmp_path, errno);
  }
  committed_ = true;
  if (sync && ::fsync(dir_fd) != 0) fail(spool_.root(), errno);
  return true;
}

void for_each_name(const Spool& spool, SpoolState state, bool reason_files,
                   const std::function<void(std::string_view)>& visit) {
  const int dir_fd = spool.existing_dir_fd(state);
  if (dir_fd < 0) return;  // not made yet, in a spool opened only to look: empty
  UniqueFd fd(::dup(dir_fd));
  if (!fd) fail(spool.path(state, ""), errno);
  // Closed however this ends, a visitor that throws included.
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd.get()), ::closedir);
  if (!dir) fail(spool.path(state, ""), errno);
  fd.release();  // the DIR owns it now
  ::rewinddir(dir.get());
  while (struct dirent* ent = ::readdir(dir.get())) {
    if (ent->d_name[0] == '.') continue;
    std::string_view name = ent->d_name;
    if (is_reason_file(name) != reason_files) continue;
    visit(name);
  }
}

std::vector<std::string> list_names(const Spool& spool, SpoolState state, bool reason_files) {
  std::vector<std::string> names;
  for_each_name(spool, state, reason_files,
                [&names](std::string_view name) { names.emplace_back(name); });
  return names;
}

std::optional<std::string> read_file(const Spool& spool, SpoolState state,
                                     const std::string& name) {
  UniqueFd fd(
      ::openat(spool.dir_fd(state), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd) {
    if (errno == ENOENT) return std::nullopt;
    fail(spool.path(state, name), errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw SpoolError(SpoolError::Kind::kRefused, spool.path(state, name), "not a regular file");
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::read(fd.get(), &data[done], data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  data.resize(done);
  return data;
}

SpoolOutcome move_file(const Spool& spool, SpoolState from, const std::string& name,
                       SpoolState to, const std::string& new_name, bool sync) {
  if (::renameat(spool.dir_fd(from), name.c_str(), spool.dir_fd(to), new_name.c_str()) != 0) {
    if (errno == ENOENT) return SpoolOutcome::kGone;
    fail(spool.path(from, name), errno);
  }
  if (sync) ::fsync(spool.dir_fd(to));
  return SpoolOutcome::kDone;
}

SpoolOutcome remove_file(const Spool& spool, SpoolState state, const std::string& name) {
  // Reasons live beside dead and corrupt events only (requeue drops them):
  // in the queue this would be one failing syscall per delivered event.
  if (state != SpoolState::kQueue)
    ::unlinkat(spool.dir_fd(state), (name + kReasonSuffix).c_str(), 0);
  if (::unlinkat(spool.dir_fd(state), name.c_str(), 0) != 0) {
    if (errno == ENOENT) return SpoolOutcome::kGone;
    fail(spool.path(state, name), errno);
  }
  return SpoolOutcome::kDone;
}

std::string read_reason(const Spool& spool, SpoolState state, const std::string& name) {
  std::optional<std::string> text;
  try {
    text = read_file(spool, state, name + kReasonSuffix);
  } catch (const SpoolError&) {
    return "";
  }
  return text ? std::string(trim_right(*text, "\r\n")) : std::string();
}

std::optional<FileInfo> stat_file(const Spool& spool, SpoolState state, const std::string& name) {
  struct stat st;
  if (::fstatat(spool.dir_fd(state), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return std::nullopt;
  return FileInfo{static_cast<int64_t>(st.st_mtime), static_cast<uint64_t>(st.st_size)};
}

void write_root_file(const Spool& spool, const std::string& name, const std::string& data) {
  // Cleanup knows "#<pid>". A file of that name now is a dead process's (a
  // power loss before its rename; pids repeat after a reboot): no live one
  // has our pid.
  const std::string temp = name + "#" + std::to_string(::getpid());
  ::unlinkat(spool.dir_fd(SpoolState::kTmp), temp.c_str(), 0);
  AtomicFile file(spool, temp);
  file.write(data);
  file.commit(spool.root_fd(), name, true, /*replace=*/true);
}

std::optional<std::string> read_root_file(const Spool& spool, const std::string& name) {
  UniqueFd fd(::openat(spool.root_fd(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string data;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) data.append(buf, static_cast<size_t>(n));
  return data;
}

void remove_root_file(const Spool& spool, const std::string& name) {
  if (::unlinkat(spool.root_fd(), name.c_str(), 0) != 0 && errno != ENOENT)
    fail(spool.root() + "/" + name, errno);
}

}  // namespace mcpr
