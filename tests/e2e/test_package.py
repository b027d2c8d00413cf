"""Installing: `cmake --install` puts the two executables, the man page, the
bash completion and the examples in place, and the installed binary
delivers; CPack's .deb holds the same and declares its dependencies."""
import glob
import os
import shutil
import subprocess
import unittest

from harness import Case

BUILD = os.environ.get("MCP_REPORT_BUILD") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build")


class PackageTest(Case):
    def check_tree(self, prefix):
        binary = os.path.join(prefix, "bin", "mcp-report")
        for rel in ["bin/mcp-report", "libexec/mcp-report/mcp-report-cli",
                    "share/man/man1/mcp-report.1", "share/bash-completion/completions/mcp-report",
                    "share/doc/mcp-report/examples/mcp-report-flush.timer",
                    "share/doc/mcp-report/examples/mcp-report-follow.service",
                    "share/doc/mcp-report/examples/cron.example"]:
            self.assertTrue(os.path.exists(os.path.join(prefix, rel)), rel)
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
        out = os.path.join(self.dir, "deb")
        r = subprocess.run(["cpack", "-G", "DEB", "-B", out], cwd=BUILD, capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        [deb] = glob.glob(os.path.join(out, "mcp-report_*.deb"))
        depends = subprocess.run(["dpkg-deb", "-f", deb, "Depends"], capture_output=True,
                                 text=True, check=True).stdout
        self.assertIn("libcurl4", depends)
        root = os.path.join(self.dir, "root")
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
        self.check_tree(os.path.join(root, "usr"))
        # Every dependency it declares is a package this machine has.
        for dep in depends.split(","):
            name = dep.strip().split()[0].split(":")[0]
            alternatives = [a.strip().split()[0] for a in dep.split("|")]
            ok = any(subprocess.run(["dpkg", "-s", a], capture_output=True).returncode == 0
                     for a in alternatives)
            self.assertTrue(ok, dep)
