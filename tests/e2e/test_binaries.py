"""The two executables (README.md, Layout): mcp-report records a plain
recording command line itself and execs mcp-report-cli, which runs every
command (CLI11, libcurl, libmicrohttpd), for anything else. Both are position
independent (ASLR); mcp-report is static outside the sanitizer builds and
carries neither CLI11, nor iostreams, nor delivery code; a binary copied on
its own says where it looked for the other one."""
import os
import re
import shutil
import subprocess
import unittest

from harness import BIN, Case

BUILD = os.environ.get("MCP_REPORT_BUILD") or os.path.dirname(BIN)
FULL = os.path.join(os.path.dirname(BIN), "mcp-report-cli")


def cache(name):
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        m = re.search(r"^%s:\w+=(.*)$" % re.escape(name), f.read(), re.M)
    return m.group(1) if m else ""


SANITIZED = cache("MCPR_SANITIZE").upper() in ("ON", "1", "TRUE", "YES")
INSTALLED_CLI = os.path.join(cache("CMAKE_INSTALL_PREFIX"), cache("CMAKE_INSTALL_LIBEXECDIR"),
                             "mcp-report", "mcp-report-cli")


def readelf(*args):
    return subprocess.run(["readelf", *args], capture_output=True, text=True, check=True).stdout


def symbols(path):
    return subprocess.run(["nm", "-C", path], capture_output=True, text=True, check=True).stdout


class BinariesTest(Case):
    def test_every_executable_is_position_independent(self):
        for exe in (BIN, FULL):
            with self.subTest(exe=exe):
                self.assertRegex(readelf("-h", exe), r"Type:\s+DYN ")

    def test_mcp_report_is_static_outside_the_sanitizers(self):
        program_headers = readelf("-l", BIN)
        if SANITIZED:  # ASan cannot link statically: a dynamic PIE, the same exec
            self.assertIn("INTERP", program_headers)
        else:
            self.assertNotIn("INTERP", program_headers)
            self.assertNotIn("NEEDED", readelf("-d", BIN))

    def test_mcp_report_carries_no_cli11_iostreams_or_delivery(self):
        only_in_full = ["CLI::App::", "std::ios_base::Init::Init()", "mcpr::flush_spool(",
                        "mcpr::make_curl_transport(", "OtlpSink::", "CoordinatorSink::",
                        " deflate\n"]
        front, full = symbols(BIN), symbols(FULL)
        for name in only_in_full:
            with self.subTest(name=name):
                self.assertFalse(name in front, "mcp-report carries " + name)
                self.assertTrue(name in full, "mcp-report-cli lacks " + name)
        self.assertRegex(readelf("-d", FULL), r"NEEDED.*\[libcurl")

    def test_a_copy_alone_records_and_hands_everything_else_over(self):
        alone = self.copied_alone()
        folder = os.path.dirname(alone)
        for args in (["start", "--id", "a1", "k=v"], ["progress", "a1"], ["complete", "a1"],
                     ["-q", "-c", "/dev/null", "error", "a1", "--data", "{}"]):
            with self.subTest(args=args):
                r = subprocess.run([alone, *args], env=self.env, capture_output=True, text=True)
                self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(len(self.files()), 4)
        table = self.ok("--help").stdout.split("Subcommands:\n")[1].split("\n\n")[0]
        commands = re.findall(r"^  ([a-z-]+) ", table, re.M)
        self.assertEqual(len(commands), 17, table)
        for args in [[c, "--help"] for c in commands] + [["--version"], ["start", "--id=x"]]:
            with self.subTest(args=args):
                r = subprocess.run([alone, *args], env=self.env, capture_output=True, text=True)
                self.assertEqual(r.returncode, 69, r.stdout + r.stderr)
                self.assert_looked_for_cli(r, args[0] if args[0][0] != "-" else "mcp-report",
                                           folder)

    def test_health_from_a_copy_alone_names_every_path_it_tried(self):
        # An operator's first check on a node where only mcp-report was
        # copied: one line naming each full path tried, and 69.
        alone = self.copied_alone()
        r = subprocess.run([alone, "health"], env=self.env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 69, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "")
        self.assert_looked_for_cli(r, "health", os.path.dirname(alone))

    def assert_looked_for_cli(self, r, what, folder):
        """The line of a copy alone: the full paths (no "..") it tried."""
        first, hint = r.stderr.splitlines()
        parent = os.path.dirname(folder)
        self.assertEqual(first, "mcp-report: %s: mcp-report-cli, which runs every command "
                         "but the plain recording ones, is not installed: looked for "
                         "%s/mcp-report-cli, %s/libexec/mcp-report/mcp-report-cli, %s"
                         % (what, folder, parent, INSTALLED_CLI))
        self.assertTrue(hint.startswith("mcp-report: hint: "), hint)

    def test_both_executables_say_the_same_help(self):
        for args in (["--help"], ["start", "--help"], ["flush", "--help"], ["--version"]):
            with self.subTest(args=args):
                front = self.ok(*args)
                full = subprocess.run([FULL, *args], env=self.env, capture_output=True, text=True)
                self.assertEqual((full.returncode, full.stdout, full.stderr),
                                 (0, front.stdout, front.stderr))

    def copied_alone(self):
        if os.path.exists(INSTALLED_CLI):
            self.skipTest("mcp-report-cli is installed in %s on this machine" % INSTALLED_CLI)
        folder = os.path.join(self.dir, "alone")
        os.makedirs(folder)
        shutil.copy(BIN, folder)
        return os.path.join(folder, "mcp-report")


if __name__ == "__main__":
    unittest.main()
