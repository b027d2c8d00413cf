"""The suite never reads the machine's configuration (README, Testing): run
inside a mount namespace whose /etc/mcp-report/config.toml is hostile (a
spool owned by another uid, an unreachable coordinator, the OTLP sink), with
a hostile HOME, XDG folders, working folder and MCP_REPORT_*/OTEL_*
variables in the caller's environment, the config unit tests and end-to-end
files pass as they do on a clean machine. Needs root and `unshare --mount`
(CI has both); without them this test fails, saying so, rather than skip.
MCP_REPORT_LONG=1 runs every end-to-end file there, not only a few."""
import glob
import os
import subprocess
import sys
import tempfile
import unittest
import shutil

from harness import BIN, Case

E2E = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("MCP_REPORT_BUILD") or os.path.dirname(BIN)
# The files that run the binary with the fewest flags: the config search,
# recording with no -c, the command table. (test_hermetic itself is left out.)
QUICK = ["test_config", "test_record", "test_commands", "test_newcomer"]

HOSTILE_CONFIG = """[mcp]
mcp_id = "hostile-mcp"
[interaction_logging]
spool_dir = "%s"
coordinator_url = "http://192.0.2.1:9"
coordinator_api_key = "hostile-key"
max_retries = 0
sink = "otlp"
"""


class HermeticTest(Case):
    def hostile(self):
        """The hostile machine: an /etc overlay folder, HOME, working folder
        and environment; returns (etc_overlay, env, cwd)."""
        # The spool the issue saw: the package's, owned by its service user.
        spool = os.path.join(self.dir, "hostile-spool")
        os.makedirs(spool, 0o700)
        os.chown(spool, 1001, 1001)
        text = HOSTILE_CONFIG % spool
        etc = os.path.join(self.dir, "hostile-etc")
        home = os.path.join(self.dir, "hostile-home")
        cwd = os.path.join(self.dir, "hostile-cwd")
        for folder, name in [(os.path.join(etc, "mcp-report"), "config.toml"),
                             (os.path.join(home, ".config", "mcp-report"), "config.toml"),
                             (os.path.join(home, "xdg-config", "mcp-report"), "config.toml"),
                             (cwd, "mcp_config.toml")]:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
            os.chmod(os.path.join(folder, name), 0o600)
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, "xdg-config"),
                   XDG_STATE_HOME=os.path.join(home, "xdg-state"),
                   PYTHONPATH=E2E, PYTHONDONTWRITEBYTECODE="1")
        env.pop("MCP_REPORT_LONG", None)  # the files' short variants, even here
        for name in ["MCP_REPORT_SPOOL_DIR", "MCP_REPORT_MCP_ID", "MCP_REPORT_URL",
                     "MCP_REPORT_API_KEY", "MCP_REPORT_API_KEY_FILE", "MCP_REPORT_SINK",
                     "MCP_REPORT_INTERACTION_ID"]:
            env[name] = spool if name == "MCP_REPORT_SPOOL_DIR" else "hostile"
        env["MCP_REPORT_ENABLED"] = "0"
        env["MCP_REPORT_CONFIG"] = os.path.join(cwd, "mcp_config.toml")
        for name in ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
                     "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]:
            env[name] = "http://192.0.2.1:9"
        for name in ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_LOGS_HEADERS",
                     "OTEL_EXPORTER_OTLP_TRACES_HEADERS"]:
            env[name] = "authorization=hostile"
        return etc, env, cwd

    def in_namespace(self, etc, argv, env, cwd):
        """Starts argv in a mount namespace where /etc shows `etc` over the
        machine's (a read-only overlay: the machine's /etc is not touched)."""
        script = ('mount --make-rprivate / && '
                  'mount -t overlay overlay -o "lowerdir=$0:/etc" /etc && exec "$@"')
        return subprocess.Popen(["unshare", "--mount", "--", "sh", "-c", script, etc, *argv],
                                env=env, cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def finish(self, proc, timeout=1200):
        out, err = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def passes_on_the_hostile_machine(self, argv):
        """argv (a test binary, an end-to-end file) passes on the hostile
        machine, once it is shown that the hostile /etc is in place."""
        if os.geteuid() != 0 or not shutil.which("unshare"):
            self.fail("this test needs root and unshare(1) to put a hostile "
                      "/etc/mcp-report/config.toml in place (CI has both)")
        etc, env, cwd = self.hostile()
        # The hostile /etc is in place: the binary, asked with nothing else
        # around (no -c, no variables, a HOME of its own), reads it.
        bare_home = os.path.join(self.dir, "bare-home")
        os.makedirs(bare_home)
        clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": bare_home}
        r = self.finish(self.in_namespace(etc, [BIN, "config"], clean, self.cwd))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("hostile-mcp", r.stdout, "the hostile /etc is not in place")
        self.assertIn("/etc/mcp-report/config.toml", r.stdout)
        # ... and the suite does not.
        r = self.finish(self.in_namespace(etc, argv, env, cwd))
        self.assertEqual(r.returncode, 0, "%s\n%s\n%s" % (argv, r.stdout[-3000:],
                                                          r.stderr[-6000:]))

    def test_the_config_unit_tests_pass_on_a_machine_with_a_hostile_configuration(self):
        self.passes_on_the_hostile_machine([os.path.join(BUILD, "config_test")])


def files_to_run():
    """The end-to-end files run on the hostile machine: QUICK, or with
    MCP_REPORT_LONG=1 every one but test_hermetic and test_package (whose
    cpack builds the build folder, which ctest runs alone, never beside
    this)."""
    if os.environ.get("MCP_REPORT_LONG") != "1":
        return QUICK
    return sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(E2E, "test_*.py"))
                  if not p.endswith(("test_hermetic.py", "test_package.py")))


# One test per file, so that ctest runs them side by side as shards of this
# file (tests/CMakeLists.txt): they mostly wait on their servers and
# children, and each takes as long as the file it runs.
for _name in files_to_run():
    def _test(self, name=_name):
        self.passes_on_the_hostile_machine([sys.executable, "-m", "unittest", name])
    _test.__name__ = "test_%s_passes_on_a_machine_with_a_hostile_configuration" % _name[5:]
    setattr(HermeticTest, _test.__name__, _test)
del _name, _test


if __name__ == "__main__":
    unittest.main()
