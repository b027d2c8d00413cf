"""The two executables (README.md, Layout): mcp-report runs every command that
does not use the network and hands flush, health, validate-key and proxy
--listen to mcp-report-net, which links libcurl. Both are position independent (ASLR);
mcp-report is static outside the sanitizer builds and carries no delivery
code; a binary copied on its own says where it looked for the other one."""
import os
import re
import shutil
import subprocess
import unittest

from harness import BIN, Case

BUILD = os.environ.get("MCP_REPORT_BUILD") or os.path.dirname(BIN)
NET = os.path.join(os.path.dirname(BIN), "mcp-report-net")
NETWORK_COMMANDS = ["flush", "health", "validate-key"]


def cache(name):
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        m = re.search(r"^%s:\w+=(.*)$" % re.escape(name), f.read(), re.M)
    return m.group(1) if m else ""


SANITIZED = cache("MCPR_SANITIZE").upper() in ("ON", "1", "TRUE", "YES")
INSTALLED_NET = os.path.join(cache("CMAKE_INSTALL_PREFIX"), cache("CMAKE_INSTALL_LIBEXECDIR"),
                             "mcp-report", "mcp-report-net")


def readelf(*args):
    return subprocess.run(["readelf", *args], capture_output=True, text=True, check=True).stdout


def symbols(path):
    return subprocess.run(["nm", "-C", path], capture_output=True, text=True, check=True).stdout


class BinariesTest(Case):
    def test_every_executable_is_position_independent(self):
        for exe in (BIN, NET):
            with self.subTest(exe=exe):
                self.assertRegex(readelf("-h", exe), r"Type:\s+DYN ")

    def test_mcp_report_is_static_outside_the_sanitizers(self):
        program_headers = readelf("-l", BIN)
        if SANITIZED:  # ASan cannot link statically: a dynamic PIE, the same exec
            self.assertIn("INTERP", program_headers)
        else:
            self.assertNotIn("INTERP", program_headers)
            self.assertNotIn("NEEDED", readelf("-d", BIN))

    def test_only_mcp_report_net_carries_delivery_and_libcurl(self):
        delivery = ["mcpr::flush_spool(", "mcpr::make_curl_transport(", "OtlpSink::",
                    "CoordinatorSink::", " deflate\n"]
        front, net = symbols(BIN), symbols(NET)
        for name in delivery:
            with self.subTest(name=name):
                self.assertFalse(name in front, "mcp-report carries " + name)
                self.assertTrue(name in net, "mcp-report-net lacks " + name)
        self.assertRegex(readelf("-d", NET), r"NEEDED.*\[libcurl")

    def test_each_command_runs_in_the_executable_the_table_names(self):
        alone = self.copied_alone()
        help_text = self.ok("--help").stdout
        # Each executable registers exactly its own commands (or --help fails).
        net = subprocess.run([NET, "--help"], env=self.env, capture_output=True, text=True)
        self.assertEqual((net.returncode, net.stdout), (0, help_text), net.stderr)
        table = help_text.split("Subcommands:\n")[1].split("\n\n")[0]
        listed = re.findall(r"^  ([a-z-]+) ", table, re.M)
        self.assertTrue(set(NETWORK_COMMANDS) < set(listed), listed)
        for command in listed:
            with self.subTest(command=command):
                r = subprocess.run([alone, command, "--help"], env=self.env, capture_output=True,
                                   text=True)
                if command in NETWORK_COMMANDS:
                    self.assertEqual(r.returncode, 69, r.stdout + r.stderr)
                    self.assertIn("mcp-report-net", r.stderr)
                else:
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertIn("mcp-report " + command, r.stdout)
                # mcp-report-net has the same --help for its own commands.
                here = subprocess.run([BIN, command, "--help"], env=self.env,
                                      capture_output=True, text=True)
                self.assertEqual(here.returncode, 0, here.stderr)
                self.assertIn("Usage: mcp-report " + command, here.stdout)

    def test_proxy_over_http_runs_in_mcp_report_net(self):
        alone = self.copied_alone()
        for args, code in [(["proxy", "--help"], 0), (["proxy", "--listen", "127.0.0.1:0",
                                                        "--help"], 69),
                           (["-vc", "/dev/null", "proxy", "--listen=127.0.0.1:0", "--help"], 69)]:
            with self.subTest(args=args):
                r = subprocess.run([alone, *args], env=self.env, capture_output=True, text=True)
                self.assertEqual(r.returncode, code, r.stderr)

    def test_a_binary_copied_alone_says_where_it_looked(self):
        alone = self.copied_alone()
        folder = os.path.dirname(alone)
        r = subprocess.run([alone, "health"], env=self.env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 69, r.stderr)
        first, hint = r.stderr.splitlines()
        self.assertEqual(first, "mcp-report: health: mcp-report-net, which runs flush, health "
                         "and validate-key, is not installed: looked for %s/mcp-report-net, "
                         "%s/../libexec/mcp-report/mcp-report-net, %s"
                         % (folder, folder, INSTALLED_NET))
        self.assertTrue(hint.startswith("mcp-report: hint: "), hint)
        # Recording needs nothing beside it.
        self.assertEqual(subprocess.run([alone, "start"], env=self.env,
                                        capture_output=True).returncode, 0)

    def test_mcp_report_net_run_directly_names_the_right_executable(self):
        r = subprocess.run([NET, "start"], env=self.env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 64, r.stderr)
        self.assertIn("mcp-report: start: run by mcp-report, not by mcp-report-net", r.stderr)

    def copied_alone(self):
        if os.path.exists(INSTALLED_NET):
            self.skipTest("mcp-report-net is installed in %s on this machine" % INSTALLED_NET)
        folder = os.path.join(self.dir, "alone")
        os.makedirs(folder)
        shutil.copy(BIN, folder)
        return os.path.join(folder, "mcp-report")


if __name__ == "__main__":
    unittest.main()
