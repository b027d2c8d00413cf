// crashfs: a file system that can lose power, for the power-loss tests
// (tests/e2e/test_power_loss.py; its own test is tests/e2e/test_crashfs.py).
//
//   crashfs [--cut-after K | --cut-at TEXT] [--commit-prefix SEED] [--trace FILE]
//           [--report FILE] BACKING MOUNTPOINT
//
// Mounted over MOUNTPOINT (FUSE, in the foreground, one thread), it passes
// every operation through to the folder BACKING at once, and keeps beside it,
// in memory, what a power loss would leave: the durable image. SIGTERM or
// SIGINT "loses power": the file system is unmounted and BACKING is rewritten
// to hold exactly the durable image. It prints "mounted" on stdout once
// mounted.
//
// It counts the operations that change something (a write, create, mkdir,
// rename, unlink, rmdir, link, symlink, truncate, chmod, chown, utimens,
// fsync, fsyncdir, syncfs) that succeeded. With --cut-after K the power goes
// right after the K-th: that operation completes and succeeds, and from then
// on every operation fails with EIO and the durable image no longer changes.
// --cut-at cuts after the first operation whose trace line holds TEXT
// (e.g. "fsync spool/queue/"), which names a crash point that stays put when
// operations before it come or go.
// --trace writes one line per counted operation ("7 rename a -> b"); --report
// writes "operations N" and "cut 0|1" when it ends.
//
// syncfs(2) and sync(2) never reach a FUSE file system (the kernel sends
// FUSE_SYNCFS to virtiofs only): crashfs-run traps them in the program under
// test and writes "syncfs" to the control file /.crashfs at the mount's root
// first. The control file is in no listing; reading it gives the same text as
// --report; writing "cut" cuts the power at once.
//
// The model: what the program asked to be durable survives, nothing else.
//  - BACKING as it is at mount time is durable.
//  - A file's contents, mode and times become durable when it is fsynced or
//    fdatasynced (through any descriptor), or at syncfs/sync. After a power
//    loss a file has its last durable contents; a new file's are empty.
//  - A change of names (create, mkdir, link, symlink, unlink, rmdir, rename)
//    becomes durable when its folder is fsynced, or at syncfs/sync. Until
//    then a power loss undoes it: a new name vanishes, a removed name is back.
//  - A rename is atomic: an fsync of either of its folders makes it durable
//    as a whole, as every journalling file system (ext4, XFS, btrfs) does; it
//    is never left in both folders or in neither.
//  - A name's changes become durable in the order they were made: making one
//    durable makes the earlier changes to the same names durable too (the
//    create of a file before the rename that moves it), as a journal would.
//  - A name is only as durable as the path to it: a new folder whose own name
//    is not durable (no fsync of its parent) is lost with all it holds.
// This is the adversarial but legal case, as SQLite's crash VFS and RocksDB's
// FaultInjectionTestFS model it: unsynced writes dropped, unsynced creates,
// renames and unlinks undone. Real file systems keep more: ext4 data=ordered
// commits its whole journal on any fsync and every 5 s on its own. Such a
// periodic commit is what --commit-prefix adds: at the power loss, a prefix
// (of a length drawn from SEED) of the name changes not yet durable is kept
// as well, while their files' unsynced data is still lost (delayed
// allocation): a renamed file may survive with its name and no contents, as
// on ext4. Writes are not torn inside a file and durable data is never
// damaged: those are disk failures, not power loss.
#define FUSE_USE_VERSION 31
#include <dirent.h>
#include <fcntl.h>
#include <fuse.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

using NodeId = uint64_t;
constexpr char kControl[] = "/.crashfs";

// What a power loss would leave of one inode.
struct Durable {
  mode_t mode = 0;
  std::string data;                     // a file's contents, a symlink's target
  std::map<std::string, NodeId> names;  // a folder's entries
  timespec mtime{};
};

// A change of names not yet durable: `node` leaves from_dir/from_name (when
// from_dir is set) and arrives at to_dir/to_name (when to_dir is set).
struct NameChange {
  NodeId from_dir = 0, to_dir = 0;
  std::string from_name, to_name;
  NodeId node = 0;
};

// An open file or folder: the backing descriptor and the node it is.
struct Handle {
  int fd = -1;
  NodeId node = 0;
  DIR* dir = nullptr;
  bool control = false;
  std::string path;  // as opened, for the trace
};

struct State {
  int backing = -1;
  std::unordered_map<ino_t, NodeId> live;       // backing inode -> node
  std::unordered_map<NodeId, Durable> born;     // each node as made (no data)
  std::unordered_map<NodeId, Durable> durable;  // the durable image, by node
  std::vector<NameChange> pending;              // in the order they were made
  NodeId next_node = 1, root = 0;
  uint64_t ops = 0, cut_after = UINT64_MAX;
  std::string cut_at;
  bool cut = false;
  bool commit_prefix = false;
  uint64_t seed = 0;
  FILE* trace = nullptr;
} g;

std::string rel(const char* path) { return path[1] ? path + 1 : "."; }
std::string parent_of(const std::string& r) {
  size_t slash = r.rfind('/');
  return slash == std::string::npos ? "." : r.substr(0, slash);
}
std::string base_of(const std::string& r) { return r.substr(r.rfind('/') + 1); }

Durable attributes(const struct stat& st) {
  Durable d;
  d.mode = st.st_mode;
  d.mtime = st.st_mtim;
  return d;
}

NodeId adopt(const struct stat& st) {
  NodeId id = g.next_node++;
  g.live[st.st_ino] = id;
  g.born[id] = attributes(st);
  return id;
}

NodeId node_of(const struct stat& st) {
  auto it = g.live.find(st.st_ino);
  return it != g.live.end() ? it->second : adopt(st);
}

// The node at a path relative to BACKING (0 when there is none), and its stat.
NodeId node_at(const std::string& r, struct stat* out = nullptr) {
  struct stat st;
  if (::fstatat(g.backing, r.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return 0;
  if (out) *out = st;
  return node_of(st);
}

Durable& durable_of(NodeId node) {
  auto it = g.durable.find(node);
  if (it == g.durable.end()) it = g.durable.emplace(node, g.born[node]).first;
  return it->second;
}

// Counts a change that succeeded; the power goes after the --cut-after'th.
void count(const std::string& what) {
  ++g.ops;
  if (g.trace)
    std::fprintf(g.trace, "%llu %s\n", static_cast<unsigned long long>(g.ops), what.c_str());
  const bool at = !g.cut_at.empty() && what.find(g.cut_at) != std::string::npos;
  if ((g.ops >= g.cut_after || at) && !g.cut) {
    g.cut = true;
    if (g.trace) std::fprintf(g.trace, "cut after %llu\n", static_cast<unsigned long long>(g.ops));
  }
}

void apply(const NameChange& c) {
  if (c.from_dir) {
    auto& names = durable_of(c.from_dir).names;
    auto it = names.find(c.from_name);
    if (it != names.end() && it->second == c.node) names.erase(it);
  }
  if (c.to_dir) {
    durable_of(c.to_dir).names[c.to_name] = c.node;
    durable_of(c.node);
  }
}

// fsync of a folder: its pending changes become durable, with every earlier
// change to the same names (walking back, the set of names only grows): a
// name's changes are made durable in the order they were made.
void sync_names(NodeId dir) {
  std::set<std::pair<NodeId, std::string>> names;
  std::vector<bool> take(g.pending.size());
  for (size_t i = g.pending.size(); i-- > 0;) {
    const NameChange& c = g.pending[i];
    const std::pair<NodeId, std::string> from{c.from_dir, c.from_name}, to{c.to_dir, c.to_name};
    if (c.from_dir == dir || c.to_dir == dir || names.count(from) || names.count(to)) {
      take[i] = true;
      if (c.from_dir) names.insert(from);
      if (c.to_dir) names.insert(to);
    }
  }
  std::vector<NameChange> rest;
  for (size_t i = 0; i < g.pending.size(); ++i) {
    if (take[i])
      apply(g.pending[i]);
    else
      rest.push_back(g.pending[i]);
  }
  g.pending.swap(rest);
}

void note(NameChange c) { g.pending.push_back(std::move(c)); }

// A listing of the folder open as `dir_fd` from its start (a dup shares the
// offset, which an earlier listing left at the end).
DIR* list_dir(int dir_fd) {
  DIR* dir = ::fdopendir(::dup(dir_fd));
  if (dir) ::rewinddir(dir);
  return dir;
}

std::string read_all(int fd) {
  std::string data;
  char buf[65536];
  for (off_t off = 0;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
    off += n;
  }
  return data;
}

// fsync of a file: its contents and attributes as they are now. `fd` may be
// write-only: the file is read through a new descriptor of the same inode.
int sync_data(NodeId node, int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return -errno;
  Durable& d = durable_of(node);
  d.mode = st.st_mode;
  d.mtime = st.st_mtim;
  if (S_ISREG(st.st_mode)) {
    int rfd = ::open(("/proc/self/fd/" + std::to_string(fd)).c_str(), O_RDONLY | O_CLOEXEC);
    if (rfd < 0) return -errno;
    d.data = read_all(rfd);
    ::close(rfd);
  }
  return 0;
}

// syncfs: every change so far, every file's contents.
void sync_all(int dir_fd) {
  for (const NameChange& c : g.pending) apply(c);
  g.pending.clear();
  DIR* dir = list_dir(dir_fd);
  if (!dir) return;
  while (struct dirent* e = ::readdir(dir)) {
    if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
    int fd = ::openat(dir_fd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) continue;  // a symlink: its target is durable with its name
    struct stat st;
    if (::fstat(fd, &st) == 0) {
      sync_data(node_of(st), fd);
      if (S_ISDIR(st.st_mode)) sync_all(fd);
    }
    ::close(fd);
  }
  ::closedir(dir);
}

// --- the power loss: BACKING becomes the durable image ---------------------

void remove_tree(int dir_fd) {
  DIR* dir = list_dir(dir_fd);
  if (!dir) return;
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(dir))
    if (std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..")) names.push_back(e->d_name);
  ::closedir(dir);
  for (const std::string& n : names) {
    if (::unlinkat(dir_fd, n.c_str(), 0) == 0) continue;
    int sub = ::openat(dir_fd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub >= 0) {
      remove_tree(sub);
      ::close(sub);
    }
    ::unlinkat(dir_fd, n.c_str(), AT_REMOVEDIR);
  }
}

// Writes folder `dir`'s durable names into `dir_fd`; a node met twice (hard
// links) is linked to where it was first written.
void write_tree(NodeId dir, int dir_fd, const std::string& path,
                std::unordered_map<NodeId, std::string>& written) {
  for (const auto& [name, node] : durable_of(dir).names) {
    const Durable& d = durable_of(node);
    const std::string full = path + "/" + name;
    auto seen = written.find(node);
    if (seen != written.end()) {
      ::linkat(AT_FDCWD, seen->second.c_str(), dir_fd, name.c_str(), 0);
    } else if (S_ISDIR(d.mode)) {
      written[node] = full;
      ::mkdirat(dir_fd, name.c_str(), 0700);
      int sub = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (sub >= 0) {
        write_tree(node, sub, full, written);
        ::fchmod(sub, d.mode & 07777);
        ::close(sub);
      }
    } else if (S_ISLNK(d.mode)) {
      ::symlinkat(d.data.c_str(), dir_fd, name.c_str());
    } else {
      written[node] = full;
      int fd = ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0) continue;
      if (!d.data.empty() && ::write(fd, d.data.data(), d.data.size()) < 0) std::perror("crashfs");
      ::fchmod(fd, d.mode & 07777);
      const timespec times[2] = {d.mtime, d.mtime};
      ::futimens(fd, times);
      ::close(fd);
    }
  }
}

void lose_power(const char* backing_path) {
  if (g.commit_prefix && !g.pending.empty()) {
    // A periodic journal commit got this far (data still not written).
    std::mt19937_64 rng(g.seed);
    size_t kept = std::uniform_int_distribution<size_t>(0, g.pending.size())(rng);
    for (size_t i = 0; i < kept; ++i) apply(g.pending[i]);
  }
  remove_tree(g.backing);
  std::unordered_map<NodeId, std::string> written;
  write_tree(g.root, g.backing, backing_path, written);
}

// Everything in BACKING at mount time is durable.
void scan(NodeId dir, int dir_fd) {
  DIR* d = list_dir(dir_fd);
  if (!d) return;
  while (struct dirent* e = ::readdir(d)) {
    if (!std::strcmp(e->d_name, ".") || !std::strcmp(e->d_name, "..")) continue;
    int fd = ::openat(dir_fd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_PATH);
    struct stat st;
    if (fd < 0 || ::fstat(fd, &st) != 0) continue;
    NodeId node = node_of(st);
    durable_of(dir).names[e->d_name] = node;
    Durable& nd = durable_of(node);
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = ::readlinkat(dir_fd, e->d_name, target, sizeof target);
      nd.data.assign(target, n > 0 ? static_cast<size_t>(n) : 0);
    } else if (S_ISREG(st.st_mode)) {
      int rfd = ::openat(dir_fd, e->d_name, O_RDONLY | O_CLOEXEC);
      if (rfd >= 0) nd.data = read_all(rfd), ::close(rfd);
    } else if (S_ISDIR(st.st_mode)) {
      int sub = ::openat(dir_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (sub >= 0) scan(node, sub), ::close(sub);
    }
    ::close(fd);
  }
  ::closedir(d);
}

// --- the file system --------------------------------------------------------

#define POWER_CHECK() \
  if (g.cut) return -EIO

Handle* handle(fuse_file_info* fi) { return fi ? reinterpret_cast<Handle*>(fi->fh) : nullptr; }

// What the trace calls a file: its path, or the one it was opened by.
std::string name_of(const char* path, fuse_file_info* fi) {
  if (path) return rel(path);
  Handle* h = handle(fi);
  return h ? h->path : "?";
}

int cfs_getattr(const char* path, struct stat* st, fuse_file_info* fi) {
  if (path && !std::strcmp(path, kControl)) {
    std::memset(st, 0, sizeof *st);
    st->st_mode = S_IFREG | 0600;
    st->st_uid = ::geteuid();
    return 0;
  }
  POWER_CHECK();
  Handle* h = handle(fi);
  int r = h && h->fd >= 0 ? ::fstat(h->fd, st)
                          : ::fstatat(g.backing, rel(path).c_str(), st, AT_SYMLINK_NOFOLLOW);
  return r == 0 ? 0 : -errno;
}

int cfs_readlink(const char* path, char* buf, size_t size) {
  POWER_CHECK();
  ssize_t n = ::readlinkat(g.backing, rel(path).c_str(), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

// A new name made at `path` (mkdir, mknod, symlink, create).
void made(const char* path, const char* what) {
  const std::string r = rel(path);
  struct stat st;
  if (::fstatat(g.backing, r.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  NodeId node = adopt(st);
  if (S_ISLNK(st.st_mode)) {
    char target[4096];
    ssize_t n = ::readlinkat(g.backing, r.c_str(), target, sizeof target);
    g.born[node].data.assign(target, n > 0 ? static_cast<size_t>(n) : 0);
  }
  note({0, node_at(parent_of(r)), "", base_of(r), node});
  count(std::string(what) + " " + r);
}

int cfs_mknod(const char* path, mode_t mode, dev_t rdev) {
  POWER_CHECK();
  if (::mknodat(g.backing, rel(path).c_str(), mode, rdev) != 0) return -errno;
  made(path, "mknod");
  return 0;
}

int cfs_mkdir(const char* path, mode_t mode) {
  POWER_CHECK();
  if (::mkdirat(g.backing, rel(path).c_str(), mode) != 0) return -errno;
  made(path, "mkdir");
  return 0;
}

int cfs_symlink(const char* target, const char* path) {
  POWER_CHECK();
  if (::symlinkat(target, g.backing, rel(path).c_str()) != 0) return -errno;
  made(path, "symlink");
  return 0;
}

// A name that goes away: the inode leaves the live map with its last link.
void forget_if_last(const struct stat& st) {
  if (S_ISDIR(st.st_mode) || st.st_nlink <= 1) g.live.erase(st.st_ino);
}

int remove_name(const char* path, int flags, const char* what) {
  POWER_CHECK();
  const std::string r = rel(path);
  struct stat st;
  NodeId node = node_at(r, &st);
  NodeId dir = node_at(parent_of(r));
  if (::unlinkat(g.backing, r.c_str(), flags) != 0) return -errno;
  forget_if_last(st);
  note({dir, 0, base_of(r), "", node});
  count(std::string(what) + " " + r);
  return 0;
}

int cfs_unlink(const char* path) { return remove_name(path, 0, "unlink"); }
int cfs_rmdir(const char* path) { return remove_name(path, AT_REMOVEDIR, "rmdir"); }

int cfs_rename(const char* from, const char* to, unsigned int flags) {
  POWER_CHECK();
  if (flags & RENAME_EXCHANGE) return -EINVAL;
  const std::string rf = rel(from), rt = rel(to);
  struct stat st, old;
  NodeId node = node_at(rf, &st);
  const bool replaces = ::fstatat(g.backing, rt.c_str(), &old, AT_SYMLINK_NOFOLLOW) == 0;
  NodeId from_dir = node_at(parent_of(rf)), to_dir = node_at(parent_of(rt));
  if (::renameat2(g.backing, rf.c_str(), g.backing, rt.c_str(), flags) != 0) return -errno;
  if (replaces && old.st_ino != st.st_ino) forget_if_last(old);
  note({from_dir, to_dir, base_of(rf), base_of(rt), node});
  count("rename " + rf + " -> " + rt);
  return 0;
}

int cfs_link(const char* from, const char* to) {
  POWER_CHECK();
  const std::string rf = rel(from), rt = rel(to);
  if (::linkat(g.backing, rf.c_str(), g.backing, rt.c_str(), 0) != 0) return -errno;
  note({0, node_at(parent_of(rt)), "", base_of(rt), node_at(rf)});
  count("link " + rf + " -> " + rt);
  return 0;
}

int cfs_chmod(const char* path, mode_t mode, fuse_file_info* fi) {
  POWER_CHECK();
  Handle* h = handle(fi);
  int r = h ? ::fchmod(h->fd, mode) : ::fchmodat(g.backing, rel(path).c_str(), mode, 0);
  if (r != 0) return -errno;
  count("chmod " + name_of(path, fi));
  return 0;
}

int cfs_chown(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
  POWER_CHECK();
  Handle* h = handle(fi);
  int r = h ? ::fchown(h->fd, uid, gid)
            : ::fchownat(g.backing, rel(path).c_str(), uid, gid, AT_SYMLINK_NOFOLLOW);
  if (r != 0) return -errno;
  count("chown " + name_of(path, fi));
  return 0;
}

int cfs_truncate(const char* path, off_t size, fuse_file_info* fi) {
  if (path && !std::strcmp(path, kControl)) return 0;
  POWER_CHECK();
  Handle* h = handle(fi);
  int r;
  if (h) {
    r = ::ftruncate(h->fd, size);
  } else {
    int fd = ::openat(g.backing, rel(path).c_str(), O_WRONLY | O_CLOEXEC);
    r = fd < 0 ? -1 : ::ftruncate(fd, size);
    if (fd >= 0) ::close(fd);
  }
  if (r != 0) return -errno;
  count("truncate " + name_of(path, fi));
  return 0;
}

int cfs_utimens(const char* path, const timespec tv[2], fuse_file_info* fi) {
  POWER_CHECK();
  Handle* h = handle(fi);
  int r = h ? ::futimens(h->fd, tv)
            : ::utimensat(g.backing, rel(path).c_str(), tv, AT_SYMLINK_NOFOLLOW);
  if (r != 0) return -errno;
  count("utimens " + name_of(path, fi));
  return 0;
}

int opened(int fd, const char* path, fuse_file_info* fi) {
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return -err;
  }
  fi->fh = reinterpret_cast<uint64_t>(new Handle{fd, node_of(st), nullptr, false, rel(path)});
  return 0;
}

int cfs_open(const char* path, fuse_file_info* fi) {
  if (!std::strcmp(path, kControl)) {
    fi->fh = reinterpret_cast<uint64_t>(new Handle{-1, 0, nullptr, true, kControl});
    fi->direct_io = 1;
    return 0;
  }
  POWER_CHECK();
  int fd = ::openat(g.backing, rel(path).c_str(), fi->flags | O_CLOEXEC);
  if (fd < 0) return -errno;
  if (fi->flags & O_TRUNC) count("open O_TRUNC " + rel(path));
  return opened(fd, path, fi);
}

int cfs_create(const char* path, mode_t mode, fuse_file_info* fi) {
  POWER_CHECK();
  const std::string r = rel(path);
  int fd = ::openat(g.backing, r.c_str(), fi->flags | O_CREAT | O_CLOEXEC, mode);
  if (fd < 0) return -errno;
  struct stat st;
  ::fstat(fd, &st);
  NodeId node = adopt(st);
  note({0, node_at(parent_of(r)), "", base_of(r), node});
  count("create " + r);
  fi->fh = reinterpret_cast<uint64_t>(new Handle{fd, node, nullptr, false, r});
  return 0;
}

std::string report() {
  return "operations " + std::to_string(g.ops) + "\ncut " + (g.cut ? "1" : "0") + "\n";
}

int cfs_read(const char*, char* buf, size_t size, off_t off, fuse_file_info* fi) {
  Handle* h = handle(fi);
  if (h->control) {
    const std::string text = report();
    if (off >= static_cast<off_t>(text.size())) return 0;
    size_t n = std::min(size, text.size() - static_cast<size_t>(off));
    std::memcpy(buf, text.data() + off, n);
    return static_cast<int>(n);
  }
  POWER_CHECK();
  ssize_t n = ::pread(h->fd, buf, size, off);
  return n < 0 ? -errno : static_cast<int>(n);
}

int control(const std::string& command) {
  if (command == "cut") {
    g.cut = true;
    return 0;
  }
  if (command != "syncfs" && command != "sync") return -EINVAL;
  POWER_CHECK();
  sync_all(g.backing);
  count(command);
  return 0;
}

int cfs_write(const char* path, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
  Handle* h = handle(fi);
  if (h->control) {
    std::string command(buf, size);
    while (!command.empty() && (command.back() == '\n' || command.back() == ' '))
      command.pop_back();
    int r = control(command);
    return r < 0 ? r : static_cast<int>(size);
  }
  POWER_CHECK();
  ssize_t n = ::pwrite(h->fd, buf, size, off);
  if (n < 0) return -errno;
  count("write " + name_of(path, fi) + " " + std::to_string(n) + " bytes");
  return static_cast<int>(n);
}

int cfs_statfs(const char*, struct statvfs* st) {
  POWER_CHECK();
  return ::fstatvfs(g.backing, st) == 0 ? 0 : -errno;
}

int cfs_release(const char*, fuse_file_info* fi) {
  Handle* h = handle(fi);
  if (h->fd >= 0) ::close(h->fd);
  delete h;
  return 0;
}

int cfs_fsync(const char* path, int datasync, fuse_file_info* fi) {
  POWER_CHECK();
  Handle* h = handle(fi);
  int r = sync_data(h->node, h->fd);
  if (r != 0) return r;
  count(std::string(datasync ? "fdatasync " : "fsync ") + name_of(path, fi));
  return 0;
}

int cfs_opendir(const char* path, fuse_file_info* fi) {
  POWER_CHECK();
  int fd = ::openat(g.backing, rel(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -errno;
  int r = opened(fd, path, fi);
  if (r != 0) return r;
  Handle* h = handle(fi);
  h->dir = ::fdopendir(::dup(fd));
  return 0;
}

int cfs_readdir(const char*, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info* fi,
                fuse_readdir_flags) {
  POWER_CHECK();
  Handle* h = handle(fi);
  if (!h->dir) return -EIO;
  ::rewinddir(h->dir);
  while (struct dirent* e = ::readdir(h->dir))
    fill(buf, e->d_name, nullptr, 0, fuse_fill_dir_flags(0));
  return 0;
}

int cfs_releasedir(const char*, fuse_file_info* fi) {
  Handle* h = handle(fi);
  if (h->dir) ::closedir(h->dir);
  ::close(h->fd);
  delete h;
  return 0;
}

int cfs_fsyncdir(const char* path, int, fuse_file_info* fi) {
  POWER_CHECK();
  Handle* h = handle(fi);
  sync_names(h->node);
  sync_data(h->node, h->fd);
  count("fsync " + name_of(path, fi) + "/");
  return 0;
}

int cfs_fallocate(const char*, int, off_t, off_t, fuse_file_info*) { return -EOPNOTSUPP; }

void* cfs_init(fuse_conn_info*, fuse_config* cfg) {
  cfg->use_ino = 1;
  cfg->nullpath_ok = 1;
  cfg->hard_remove = 1;  // an unlinked open file is really unlinked
  cfg->entry_timeout = cfg->attr_timeout = cfg->negative_timeout = 0;
  cfg->direct_io = 1;  // every read and write reaches us, none is cached
  return nullptr;
}

fuse_operations operations() {
  fuse_operations ops{};
  ops.getattr = cfs_getattr;
  ops.readlink = cfs_readlink;
  ops.mknod = cfs_mknod;
  ops.mkdir = cfs_mkdir;
  ops.unlink = cfs_unlink;
  ops.rmdir = cfs_rmdir;
  ops.symlink = cfs_symlink;
  ops.rename = cfs_rename;
  ops.link = cfs_link;
  ops.chmod = cfs_chmod;
  ops.chown = cfs_chown;
  ops.truncate = cfs_truncate;
  ops.open = cfs_open;
  ops.read = cfs_read;
  ops.write = cfs_write;
  ops.statfs = cfs_statfs;
  ops.release = cfs_release;
  ops.fsync = cfs_fsync;
  ops.opendir = cfs_opendir;
  ops.readdir = cfs_readdir;
  ops.releasedir = cfs_releasedir;
  ops.fsyncdir = cfs_fsyncdir;
  ops.init = cfs_init;
  ops.create = cfs_create;
  ops.utimens = cfs_utimens;
  ops.fallocate = cfs_fallocate;
  return ops;
}

int usage() {
  std::fprintf(stderr,
               "usage: crashfs [--cut-after K | --cut-at TEXT] [--commit-prefix SEED] "
               "[--trace FILE] [--report FILE] BACKING MOUNTPOINT\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const char* report_path = nullptr;
  std::vector<const char*> paths;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--cut-after" && i + 1 < argc) {
      g.cut_after = std::strtoull(argv[++i], nullptr, 10);
      if (g.cut_after == 0) g.cut = true;
    } else if (a == "--cut-at" && i + 1 < argc) {
      g.cut_at = argv[++i];
    } else if (a == "--commit-prefix" && i + 1 < argc) {
      g.commit_prefix = true;
      g.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--trace" && i + 1 < argc) {
      g.trace = std::fopen(argv[++i], "w");
      if (g.trace) std::setvbuf(g.trace, nullptr, _IOLBF, 0);
    } else if (a == "--report" && i + 1 < argc) {
      report_path = argv[++i];
    } else if (a.rfind("--", 0) == 0) {
      return usage();
    } else {
      paths.push_back(argv[i]);
    }
  }
  if (paths.size() != 2) return usage();
  g.backing = ::open(paths[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  if (g.backing < 0 || ::fstat(g.backing, &st) != 0) {
    std::fprintf(stderr, "crashfs: %s: %s\n", paths[0], std::strerror(errno));
    return 1;
  }
  g.root = adopt(st);
  durable_of(g.root);
  scan(g.root, g.backing);

  char* fuse_argv[] = {argv[0], const_cast<char*>("-o"), const_cast<char*>("fsname=crashfs")};
  fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
  const fuse_operations ops = operations();
  struct fuse* fs = fuse_new(&args, &ops, sizeof ops, nullptr);
  if (!fs || fuse_mount(fs, paths[1]) != 0) {
    std::fprintf(stderr, "crashfs: cannot mount %s (is /dev/fuse there?)\n", paths[1]);
    return 1;
  }
  fuse_set_signal_handlers(fuse_get_session(fs));
  std::printf("mounted\n");
  std::fflush(stdout);
  fuse_loop(fs);
  fuse_remove_signal_handlers(fuse_get_session(fs));
  fuse_unmount(fs);
  fuse_destroy(fs);
  lose_power(paths[0]);
  if (report_path) {
    FILE* f = std::fopen(report_path, "w");
    if (f) std::fputs(report().c_str(), f), std::fclose(f);
  }
  return 0;
}
