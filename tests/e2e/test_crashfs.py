"""crashfs's own test: a power loss there really drops what was not synced
(a write, a create, a rename, an unlink, a folder) and keeps what was; the
power goes after the k-th operation; syncfs reaches it through crashfs-run.
The power-loss tests of the spool (test_power_loss.py) rest on this."""
import errno
import os
import subprocess
import sys
import unittest

from crashfs import Mount, missing
from harness import Case


def write_file(path, data, sync_file=True, sync_dir=False):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, data)
    if sync_file:
        os.fsync(fd)
    os.close(fd)
    if sync_dir:
        sync_folder(os.path.dirname(path))


def sync_folder(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    os.fsync(fd)
    os.close(fd)


class CrashFsCase(Case):
    def setUp(self):
        super().setUp()
        why = missing()
        if why:
            self.fail(why)
        self.backing = os.path.join(self.dir, "backing")
        self.mnt = os.path.join(self.dir, "mnt")
        os.makedirs(self.backing)
        with open(os.path.join(self.backing, "old"), "wb") as f:
            f.write(b"old contents")

    def mount(self, **kw):
        m = Mount(self.backing, self.mnt, **kw)
        self.addCleanup(m.power_off)
        return m

    def m(self, *names):
        return os.path.join(self.mnt, *names)

    def listing(self, *names):
        return sorted(os.listdir(os.path.join(self.backing, *names)))

    def contents(self, *names):
        path = os.path.join(self.backing, *names)
        if not os.path.exists(path):
            return None
        with open(path, "rb") as f:
            return f.read()


class PowerLossTest(CrashFsCase):
    def test_an_unsynced_write_is_lost_and_a_synced_one_kept(self):
        m = self.mount()
        write_file(self.m("synced"), b"whole", sync_dir=True)
        write_file(self.m("name-only"), b"lost data", sync_file=False, sync_dir=True)
        # After the last fsync of the folder (which makes all its names durable):
        write_file(self.m("never"), b"lost", sync_file=False)
        write_file(self.m("data-only"), b"no name", sync_file=True)
        with open(self.m("old"), "ab") as f:
            f.write(b" and more, unsynced")
        self.assertEqual(m.power_off()["cut"], False)
        self.assertEqual(self.contents("synced"), b"whole")
        self.assertIsNone(self.contents("never"))
        self.assertEqual(self.contents("name-only"), b"")  # the name was synced, not the data
        self.assertIsNone(self.contents("data-only"))  # the data was synced, not the name
        self.assertEqual(self.contents("old"), b"old contents")

    def test_an_unsynced_rename_is_undone_and_a_synced_one_is_whole(self):
        os.makedirs(os.path.join(self.backing, "a"))
        os.makedirs(os.path.join(self.backing, "b"))
        for name in ("one", "two", "three", "four"):
            with open(os.path.join(self.backing, "a", name), "w") as f:
                f.write(name)
        m = self.mount()
        os.rename(self.m("a", "one"), self.m("a", "one-renamed"))
        os.rename(self.m("a", "two"), self.m("b", "two"))
        sync_folder(self.m("b"))  # the destination only: the rename is whole
        os.unlink(self.m("a", "three"))
        os.rename(self.m("a", "four"), self.m("b", "four"))
        m.power_off()
        self.assertEqual(self.listing("a"), ["four", "one", "three"])
        self.assertEqual(self.listing("b"), ["two"])
        self.assertEqual(self.contents("b", "two"), b"two")

    def test_a_synced_unlink_and_a_rename_over_a_file_are_kept(self):
        with open(os.path.join(self.backing, "gone"), "w") as f:
            f.write("x")
        m = self.mount()
        write_file(self.m("new"), b"new", sync_dir=False)
        os.rename(self.m("new"), self.m("old"))
        os.unlink(self.m("gone"))
        sync_folder(self.mnt)
        m.power_off()
        self.assertEqual(self.listing(), ["old"])
        self.assertEqual(self.contents("old"), b"new")

    def test_a_new_folder_with_its_name_synced_keeps_what_was_synced_in_it(self):
        m = self.mount()
        os.mkdir(self.m("e"))
        write_file(self.m("e", "f"), b"synced", sync_dir=True)
        sync_folder(self.mnt)
        os.mkdir(self.m("late"))
        m.power_off()
        self.assertEqual(self.contents("e", "f"), b"synced")
        self.assertFalse(os.path.exists(os.path.join(self.backing, "late")))

    def test_a_new_folder_without_its_parent_synced_is_lost_with_what_it_holds(self):
        m = self.mount()
        os.mkdir(self.m("d"))
        write_file(self.m("d", "f"), b"synced", sync_dir=True)
        m.power_off()
        self.assertFalse(os.path.exists(os.path.join(self.backing, "d")))


class CutTest(CrashFsCase):
    def test_the_power_goes_right_after_the_kth_operation(self):
        trace = os.path.join(self.dir, "trace")
        m = self.mount(cut_after=3, trace=trace)
        fd = os.open(self.m("f"), os.O_WRONLY | os.O_CREAT, 0o600)  # 1 create
        os.write(fd, b"data")  # 2 write
        os.fsync(fd)  # 3 fsync: succeeds, then the power goes
        with self.assertRaises(OSError) as e:
            sync_folder(self.mnt)
        self.assertEqual(e.exception.errno, errno.EIO)
        with self.assertRaises(OSError):
            os.write(fd, b"more")
        os.close(fd)
        self.assertEqual(m.power_off(), {"operations": 3, "cut": True})
        self.assertIsNone(self.contents("f"))  # its name was never synced
        with open(trace) as f:
            self.assertEqual([l.split()[1] for l in f][:4], ["create", "write", "fsync", "after"])

    def test_the_power_goes_after_the_operation_named(self):
        m = self.mount(cut_at="fsync ./")
        write_file(self.m("f"), b"x", sync_dir=True)  # create, write, fsync, fsync of the folder
        with self.assertRaises(OSError):
            os.rename(self.m("f"), self.m("g"))
        self.assertEqual(m.power_off(), {"operations": 4, "cut": True})
        self.assertEqual(self.contents("f"), b"x")

    def test_operations_are_counted_without_a_cut(self):
        m = self.mount()
        write_file(self.m("f"), b"x", sync_dir=True)  # create, write, fsync, fsync of the folder
        os.rename(self.m("f"), self.m("g"))
        self.assertEqual(m.power_off(), {"operations": 5, "cut": False})


class SyncfsTest(CrashFsCase):
    SCRIPT = ("import ctypes, os, sys\n"
              "fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o600)\n"
              "os.write(fd, b'data')\n"
              "if ctypes.CDLL(None, use_errno=True).syncfs(fd) != 0:\n"
              "    sys.exit('syncfs: %s' % os.strerror(ctypes.get_errno()))\n")

    def test_syncfs_makes_everything_durable_through_crashfs_run(self):
        m = self.mount()
        r = m.run([sys.executable, "-c", self.SCRIPT, self.m("f")], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(m.power_off()["operations"], 3)  # create, write, syncfs
        self.assertEqual(self.contents("f"), b"data")

    def test_without_crashfs_run_syncfs_is_not_seen(self):
        # Why crashfs-run exists: FUSE never passes syncfs on.
        m = self.mount()
        r = subprocess.run([sys.executable, "-c", self.SCRIPT, self.m("f")])
        self.assertEqual(r.returncode, 0)
        m.power_off()
        self.assertIsNone(self.contents("f"))

    def test_syncfs_after_the_cut_fails(self):
        m = self.mount(cut_after=2)
        r = m.run([sys.executable, "-c", self.SCRIPT, self.m("f")], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Input/output error", r.stderr)
        m.power_off()
        self.assertIsNone(self.contents("f"))


class CommitPrefixTest(CrashFsCase):
    def test_a_periodic_commit_may_keep_a_name_without_its_data(self):
        outcomes = set()
        for seed in range(12):
            m = self.mount(commit_prefix=seed)
            write_file(self.m("f"), b"never synced", sync_file=False)
            m.power_off()
            outcomes.add(self.contents("f"))
            if os.path.exists(os.path.join(self.backing, "f")):
                os.unlink(os.path.join(self.backing, "f"))
        self.assertEqual(outcomes, {None, b""})


if __name__ == "__main__":
    unittest.main()
