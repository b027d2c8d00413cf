"""Installing: `cmake --install` puts the two executables, the man page, the
bash completion and the examples in place, and the installed binary
delivers; CPack's .deb holds the same and declares its dependencies."""
import glob
import os
import re
import shutil
import subprocess
import unittest

from harness import Case

BUILD = os.environ.get("MCP_REPORT_BUILD") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build")


def sanitized():
    """Whether BUILD is a sanitizer build (MCPR_SANITIZE in its cache)."""
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        m = re.search(r"^MCPR_SANITIZE:\w+=(.*)$", f.read(), re.M)
    return bool(m) and m.group(1).upper() in ("ON", "1", "TRUE", "YES")


class PackageTest(Case):
    def check_tree(self, prefix, installed_prefix=None):
        binary = os.path.join(prefix, "bin", "mcp-report")
        for rel in ["bin/mcp-report", "libexec/mcp-report/mcp-report-cli",
                    "share/man/man1/mcp-report.1", "share/bash-completion/completions/mcp-report",
                    "lib/systemd/system/mcp-report-flush.timer",
                    "share/doc/mcp-report/examples/cron.example"]:
            self.assertTrue(os.path.exists(os.path.join(prefix, rel)), rel)
        # The units run the binary where this install put it, as the service
        # user the package (or the hand install's useradd) made.
        for unit in ["mcp-report-flush.service", "mcp-report-follow.service"]:
            with open(os.path.join(prefix, "lib/systemd/system", unit)) as f:
                text = f.read()
            [exec_start] = re.findall(r"(?m)^ExecStart=(\S+)", text)
            self.assertEqual(exec_start, os.path.join(installed_prefix or prefix, "bin/mcp-report"))
            self.assertIn("\nUser=mcp-report\n", text)
            # The timer's run is cron-quiet (-q): config warnings every minute
            # would fill the journal ('mcp-report config' shows them); what
            # goes wrong is still said (flush -q in the man page).
            [args] = re.findall(r"(?m)^ExecStart=\S+ (.*)$", text)
            self.assertEqual(args, "-q flush" if unit == "mcp-report-flush.service"
                             else "flush --follow")
        # The installed binary finds mcp-report-cli and delivers.
        c = self.coordinator()
        env = dict(self.env)
        r = subprocess.run([binary, "start", "--id", "pkg"], env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run([binary, "flush"], env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([b["interaction_id"] for b in c.received()], ["pkg"])
        r = subprocess.run(["bash", "-c", "source %s && complete -p mcp-report" %
                            os.path.join(prefix, "share/bash-completion/completions/mcp-report")],
                           capture_output=True, text=True)
        self.assertIn("_mcp_report", r.stdout)

    def test_cmake_install(self):
        prefix = os.path.join(self.dir, "prefix")
        subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], check=True,
                       capture_output=True)
        self.check_tree(prefix)

    @unittest.skipUnless(shutil.which("cpack") and shutil.which("dpkg-deb"), "cpack/dpkg-deb")
    def test_deb_package(self):
        # The .deb is packed from the release build; the sanitizers' binaries
        # are 50 MB of instrumented code that strip cannot shrink, and packing
        # them took four minutes of the suite for nothing a user installs.
        if sanitized():
            self.skipTest("a sanitizer build is not packaged")
        out = os.path.join(self.dir, "deb")
        r = subprocess.run(["cpack", "-G", "DEB", "-B", out], cwd=BUILD, capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        [deb] = glob.glob(os.path.join(out, "mcp-report_*.deb"))
        depends = subprocess.run(["dpkg-deb", "-f", deb, "Depends"], capture_output=True,
                                 text=True, check=True).stdout
        self.assertIn("libcurl4", depends)
        self.assertIn("passwd", depends)  # useradd, for the postinst
        root = os.path.join(self.dir, "root")
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
        self.check_tree(os.path.join(root, "usr"), "/usr")
        # Every dependency it declares is a package this machine has.
        for dep in depends.split(","):
            name = dep.strip().split()[0].split(":")[0]
            alternatives = [a.strip().split()[0] for a in dep.split("|")]
            ok = any(subprocess.run(["dpkg", "-s", a], capture_output=True).returncode == 0
                     for a in alternatives)
            self.assertTrue(ok, dep)
        self.check_fleet_set_up(deb, root)
        self.check_debug_symbols_split(deb, root)

    def check_debug_symbols_split(self, deb, unpacked):
        """Stripped binaries in the .deb, their debug information in the
        -dbgsym package under the build ids gdb looks for."""
        [ddeb] = glob.glob(os.path.join(os.path.dirname(deb), "mcp-report-dbgsym_*.ddeb"))
        debug = os.path.join(self.dir, "dbgsym")
        subprocess.run(["dpkg-deb", "-x", ddeb, debug], check=True)
        for rel in ["usr/bin/mcp-report", "usr/libexec/mcp-report/mcp-report-cli"]:
            binary = os.path.join(unpacked, rel)
            described = subprocess.run(["file", "-b", binary], capture_output=True, text=True,
                                       check=True).stdout
            self.assertRegex(described, r", stripped$", rel)
            self.assertNotIn("debug_info", described, rel)
            build_id = re.search(r"BuildID\[sha1\]=([0-9a-f]+)", described).group(1)
            split = os.path.join(debug, "usr/lib/debug/.build-id", build_id[:2],
                                 build_id[2:] + ".debug")
            self.assertIn("with debug_info", subprocess.run(
                ["file", "-b", split], capture_output=True, text=True, check=True).stdout, rel)
            sections = subprocess.run(["readelf", "-S", binary], capture_output=True,
                                      text=True, check=True).stdout
            self.assertIn(".gnu_debuglink", sections, rel)
        # Installed-Size is in KiB: the two binaries without their debug
        # information (it was 48 MB with it).
        size = int(subprocess.run(["dpkg-deb", "-f", deb, "Installed-Size"],
                                  capture_output=True, text=True, check=True).stdout)
        self.assertLess(size, 8 * 1024)

    def check_fleet_set_up(self, deb, unpacked):
        """A fleet node: the config names the spool the postinst makes, owned
        by a system user, 0700; the config is a conffile an upgrade keeps."""
        control = os.path.join(self.dir, "control")
        subprocess.run(["dpkg-deb", "-e", deb, control], check=True)
        with open(os.path.join(control, "conffiles")) as f:
            self.assertEqual(f.read().split(), ["/etc/mcp-report/config.toml"])
        with open(os.path.join(unpacked, "etc/mcp-report/config.toml")) as f:
            self.assertRegex(f.read(), r'(?m)^spool_dir = "/var/spool/mcp-report"$')
        self.assertTrue(os.access(os.path.join(control, "postinst"), os.X_OK))
        if os.geteuid() != 0:
            self.skipTest("installing into a throwaway root needs root")
        # dpkg --root with chroot-less scripts: the postinst runs against the
        # throwaway root ($DPKG_ROOT), never this machine's /etc.
        root = os.path.join(self.dir, "node")
        os.makedirs(os.path.join(root, "var/lib/dpkg/info"))
        os.makedirs(os.path.join(root, "var/lib/dpkg/updates"))
        os.makedirs(os.path.join(root, "etc"))
        for name, line in [("passwd", "root:x:0:0:root:/root:/bin/sh"), ("group", "root:x:0:"),
                           ("shadow", "root:*:19000:0:99999:7:::"), ("gshadow", "root:*::"),
                           ("../var/lib/dpkg/status", "")]:
            with open(os.path.join(root, "etc", name), "w") as f:
                f.write(line + "\n" if line else "")

        def install():
            r = subprocess.run(["dpkg", "--root", root, "--force-script-chrootless",
                                "--force-depends", "--force-confold", "--log", "/dev/null",
                                "-i", deb], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        install()
        with open(os.path.join(root, "etc/passwd")) as f:
            users = [l.split(":") for l in f.read().splitlines()]
        [user] = [u for u in users if u[0] == "mcp-report"]
        uid, gid = int(user[2]), int(user[3])
        self.assertTrue(0 < uid < 1000, user)  # a system user
        self.assertEqual(user[6], "/usr/sbin/nologin")
        spool = os.path.join(root, "var/spool/mcp-report")
        st = os.stat(spool)
        self.assertEqual((st.st_uid, st.st_gid, oct(st.st_mode & 0o7777)), (uid, gid, "0o700"))
        # Again over a node its operator set up: the config and the spool's
        # mode stay as they are, and no second user is made.
        config = os.path.join(root, "etc/mcp-report/config.toml")
        with open(config, "a") as f:
            f.write('coordinator_url = "http://coordinator.example:8080"\n')
        os.chmod(spool, 0o2770)
        install()
        with open(config) as f:
            self.assertIn("coordinator.example", f.read())
        self.assertEqual(oct(os.stat(spool).st_mode & 0o7777), "0o2770")
        with open(os.path.join(root, "etc/passwd")) as f:
            self.assertEqual(f.read().count("mcp-report:"), 1)
        # Removed: the units an operator enabled are disabled (no link left to
        # a unit that is gone); the spool with its events, the user and the
        # config stay. Purged: the config goes, the spool and the user stay
        # (Debian policy: a system user's uid may still own files).
        for wants in ("timers.target.wants/mcp-report-flush.timer",
                      "multi-user.target.wants/mcp-report-follow.service"):
            link = os.path.join(root, "etc/systemd/system", wants)
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink("/usr/lib/systemd/system/" + os.path.basename(wants), link)
        with open(os.path.join(spool, "undelivered"), "w") as f:
            f.write("{}")

        def dpkg(action):
            r = subprocess.run(["dpkg", "--root", root, "--force-script-chrootless",
                                "--force-depends", "--log", "/dev/null", action, "mcp-report"],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        dpkg("--remove")
        self.assertEqual(os.listdir(os.path.join(root, "etc/systemd/system/timers.target.wants")),
                         [])
        self.assertEqual(
            os.listdir(os.path.join(root, "etc/systemd/system/multi-user.target.wants")), [])
        self.assertFalse(os.path.exists(os.path.join(root, "usr/bin/mcp-report")))
        self.assertTrue(os.path.exists(config))
        dpkg("--purge")
        self.assertFalse(os.path.exists(config))
        self.assertEqual(os.listdir(spool), ["undelivered"])
        with open(os.path.join(root, "etc/passwd")) as f:
            self.assertEqual(f.read().count("mcp-report:"), 1)
