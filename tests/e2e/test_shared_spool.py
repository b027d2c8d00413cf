"""Two users on one machine (man page FILES, "A spool shared by a group"):
one spool owned by the service user and shared with a group. Its members
record into it, the owner's flusher delivers and removes what they recorded,
and a user outside the group is refused. Real processes under other uids
(setpriv), so the test needs root."""
import os
import re
import shutil
import stat
import subprocess
import tempfile
import unittest

from harness import BIN, KEY, SOURCE, Case

OWNER, ALICE, BOB, STRANGER = 61001, 61002, 61003, 61004
GROUP = 61000


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("setpriv"), "needs root and setpriv")
class SharedSpoolTest(Case):
    def setUp(self):
        super().setUp()
        # The other uids reach the spool, the binary and a working folder.
        os.chmod(self.dir, 0o711)
        os.chmod(self.cwd, 0o777)
        # The build folder may sit where only root can reach it (a clone in
        # root's home, or under mktemp -d): the other uids run copies of both
        # executables from a folder they can enter.
        self.bin_dir = tempfile.mkdtemp(prefix="mcpr-shared-bin-")
        self.addCleanup(shutil.rmtree, self.bin_dir, True)
        os.chmod(self.bin_dir, 0o755)
        for name in ("mcp-report", "mcp-report-cli"):
            shutil.copy2(os.path.join(os.path.dirname(BIN), name), self.bin_dir)
        self.bin = os.path.join(self.bin_dir, "mcp-report")
        # An empty config they can read: never the machine's /etc one.
        self.empty_config = os.path.join(self.bin_dir, "config.toml")
        with open(self.empty_config, "w"):
            pass
        os.chmod(self.empty_config, 0o644)

    def as_user(self, uid, *args, groups=(GROUP,)):
        """mcp-report as `uid` in `groups`; each user its own umask (Alice's
        077 would make owner-only files of anything not set exactly)."""
        env = dict(self.env, HOME="/nonexistent", MCP_REPORT_CONFIG=self.empty_config)
        umask = {ALICE: "077", BOB: "002"}.get(uid, "022")
        ids = ["--reuid", str(uid), "--regid", str(uid)]
        ids += ["--groups", ",".join(map(str, groups))] if groups else ["--clear-groups"]
        return subprocess.run(
            ["setpriv", *ids, "--", "sh", "-c", 'umask %s && exec "$0" "$@"' % umask, self.bin, *args],
            env=env, cwd=self.cwd, capture_output=True, text=True, timeout=60)

    def ok_as(self, uid, *args, **kw):
        r = self.as_user(uid, *args, **kw)
        self.assertEqual(r.returncode, 0, "uid %d %s: %s" % (uid, args, r.stderr))
        return r

    def share(self):
        """The man page's commands for sharing a spool the owner already used."""
        subprocess.run(["sh", "-c", 'chgrp -R %d "$1" && chmod -R g+rwX "$1" && '
                        'find "$1" -type d -exec chmod g+s {} +' % GROUP, "sh", self.spool],
                       check=True)

    def test_members_record_the_owner_flushes(self):
        c = self.coordinator()
        # The owner's spool (made as the package's postinst makes it), used
        # before it was shared (0700, 0600).
        os.makedirs(self.spool)
        os.chown(self.spool, OWNER, OWNER)
        os.chmod(self.spool, 0o700)
        self.ok_as(OWNER, "start", "--id", "o1")
        self.assertEqual(stat.S_IMODE(os.stat(self.spool).st_mode), 0o700)
        self.share()
        self.ok_as(ALICE, "start", "--id", "a1")
        self.ok_as(BOB, "start", "--id", "b1")
        self.ok_as(ALICE, "complete", "a1")
        # What the members made is the group's, readable and removable by
        # the owner, whatever their umask.
        for name in self.files():
            st = os.stat(os.path.join(self.spool, "queue", name))
            self.assertEqual((st.st_gid, stat.S_IMODE(st.st_mode)), (GROUP, 0o660), name)
        r = self.as_user(STRANGER, "start", "--id", "s1", groups=())
        self.assertEqual(r.returncode, 73, r.stderr)
        self.assertIn("spool %s: Permission denied" % self.spool, r.stderr)
        self.ok_as(OWNER, "flush")
        self.assertEqual(sorted(b["interaction_id"] for b in c.received()),
                         ["a1", "a1", "b1", "o1"])
        self.assertEqual(self.files(), [])
        # The owner's flush wrote the root state; a member still reads and
        # records after it.
        self.ok_as(ALICE, "status")
        self.ok_as(ALICE, "start", "--id", "a2")
        self.ok_as(OWNER, "flush")
        self.assertEqual(len(c.received()), 5)

    def test_a_new_folder_in_a_shared_spool_is_the_groups(self):
        os.makedirs(self.spool)
        os.chown(self.spool, OWNER, GROUP)
        os.chmod(self.spool, 0o2770)
        self.ok_as(ALICE, "start", "--id", "a1")
        for sub in ["queue", "tmp", "dead", "corrupt"]:
            st = os.stat(os.path.join(self.spool, sub))
            self.assertEqual((st.st_gid, stat.S_IMODE(st.st_mode)), (GROUP, 0o2770), sub)
        # Without the set-group-ID bit it is not shared: refused, saying how.
        os.chmod(self.spool, 0o770)
        r = self.as_user(BOB, "start", "--id", "b1")
        self.assertEqual(r.returncode, 73, r.stderr)
        self.assertIn("mode 2770", r.stderr)

    def test_the_documented_key_file_is_the_service_users_alone(self):
        """The example config's key recipe, with the README's sharing recipe
        (members join the service user's group mcp-report): a member records
        but can neither read the key nor flush with it."""
        with open(os.path.join(SOURCE, "packaging", "config.toml")) as f:
            recipe = re.search(r"install (-m \S+ -o \S+ -g \S+) /dev/stdin "
                               r"/etc/mcp-report/api-key", f.read())
        self.assertIsNotNone(recipe)
        names = {"-o": {"root": "0", "mcp-report": str(OWNER)},
                 "-g": {"root": "0", "mcp-report": str(GROUP)}}
        args = recipe.group(1).split()
        for i in (3, 5):
            args[i] = names[args[i - 1]][args[i]]
        key_file = os.path.join(self.dir, "api-key")
        subprocess.run(["install", *args, "/dev/stdin", key_file], input=KEY, text=True,
                       check=True)
        cfg = os.path.join(self.dir, "config.toml")
        with open(cfg, "w") as f:
            f.write('[interaction_logging]\napi_key_file = "%s"\n' % key_file)
        os.chmod(cfg, 0o644)
        c = self.coordinator()
        del self.env["MCP_REPORT_API_KEY"]
        os.makedirs(self.spool)
        os.chown(self.spool, OWNER, GROUP)
        os.chmod(self.spool, 0o2770)
        self.ok_as(ALICE, "-c", cfg, "start", "--id", "a1")
        r = self.as_user(ALICE, "-c", cfg, "flush")
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertIn("api_key_file %s: Permission denied" % key_file, r.stderr)
        self.assertEqual(c.received(), [])
        self.ok_as(OWNER, "-c", cfg, "flush")
        self.assertEqual([b["interaction_id"] for b in c.received()], ["a1"])


if __name__ == "__main__":
    unittest.main()
