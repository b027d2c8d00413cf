"""Edges a newcomer found by trying the tool from the README alone: a server
that echoes the key or sends control characters, endless --data sources,
a one-shot flush of a mistyped spool path, and output that cannot be written."""
import os
import subprocess
import unittest

from harness import BIN, KEY, Case

ECHO_BODY = "careless server: you sent {auth}\x1b[31m\nmcp-report: all good"


class EchoingServerTest(Case):
    def setUp(self):
        super().setUp()
        self.c = self.coordinator()
        self.c.control(always=400, error_body=ECHO_BODY, health_status=500)
        self.ok("start", "--id", "i1", "a=1")
        self.fails(65, "flush")

    def assert_clean(self, text):
        self.assertNotIn(KEY, text)
        self.assertNotIn("\x1b", text)

    def test_the_key_never_reaches_the_dead_letter_or_any_output(self):
        [dead] = self.files("dead")
        with open(os.path.join(self.spool, "dead", dead + "#reason")) as f:
            reason = f.read()
        self.assertIn("you sent Bearer ***", reason)
        self.assertNotIn(KEY, reason)
        for args in (["list"], ["list", "--json"], ["show", "i1"], ["status", "--json"]):
            r = self.run_cli(*args)
            self.assert_clean(r.stdout + r.stderr)
        r = self.run_cli("health")
        self.assertEqual(r.returncode, 69, r.stderr)
        self.assert_clean(r.stdout + r.stderr)

    def test_server_text_stays_on_one_line(self):
        r = self.ok("list", "--state", "dead")
        self.assertEqual(len(r.stdout.strip().splitlines()), 1, r.stdout)
        self.assertIn("\\x1b", r.stdout)
        r = self.run_cli("show", "i1")
        self.assertNotIn("\nmcp-report: all good", r.stdout)
        r = self.run_cli("health")
        lines = [l for l in r.stderr.splitlines() if not l.startswith("mcp-report: hint:")]
        self.assertEqual(len(lines), 1, r.stderr)


class EndlessDataTest(Case):
    def test_data_from_an_endless_file_stops_at_max_event_kb(self):
        r = self.fails(65, "start", "--data", "@/dev/zero", timeout=20)
        self.assertIn("max_event_kb", r.stderr)
        self.assertEqual(self.files(), [])

    def test_data_from_an_endless_pipe_stops_at_max_event_kb(self):
        with open("/dev/zero", "rb") as zero:
            r = subprocess.run([BIN, "progress", "i1", "--data", "-"], stdin=zero,
                               capture_output=True, text=True, env=self.env, timeout=20)
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertEqual(self.files(), [])

    def test_run_stops_reading_too_and_does_not_run_the_command(self):
        marker = os.path.join(self.dir, "ran")
        r = self.fails(65, "run", "--data", "@/dev/zero", "--", "touch", marker, timeout=20)
        self.assertFalse(os.path.exists(marker), r.stderr)

    def test_a_large_file_under_the_limit_is_still_taken(self):
        path = os.path.join(self.dir, "big.json")
        with open(path, "w") as f:
            f.write('{"x": "%s"}' % ("y" * 900_000))
        self.ok("start", "--id", "i1", "--data", "@" + path)
        self.assertEqual(len(self.files()), 1)


class FlushMissingSpoolTest(Case):
    def test_a_one_shot_flush_of_a_missing_spool_is_66_and_creates_nothing(self):
        self.coordinator()
        missing = os.path.join(self.dir, "typo", "spool")
        r = self.fails(66, "--spool", missing, "flush")
        self.assertIn("does not exist", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "typo")))

    def test_flush_q_on_a_configured_spool_not_made_yet_is_silent_and_0(self):
        # A fresh node's cron line runs before anything was recorded: no
        # mail, no failed unit, and still nothing made.
        self.coordinator()
        spool = os.path.join(self.dir, "var", "spool", "mcp-report")
        cfg = self.write_config('[interaction_logging]\nspool_dir = "%s"\n' % spool)
        r = self.run_cli("-q", "-c", cfg, "flush", "--splay", "0",
                         env={"MCP_REPORT_SPOOL_DIR": None})
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "var")))

    def test_an_empty_existing_spool_flushes_quietly(self):
        self.coordinator()
        os.makedirs(self.spool)
        r = self.ok("flush")
        self.assertEqual(r.stdout + r.stderr, "")


class MessagesTest(Case):
    def test_a_mistyped_command_is_named_as_unknown(self):
        r = self.fails(64, "flsuh")
        self.assertIn("unknown command 'flsuh'", r.stderr)

    def test_a_stray_option_is_still_a_usage_error(self):
        r = self.fails(64, "start", "--bogus")
        self.assertIn("--bogus", r.stderr)
        self.assertNotIn("unknown command", r.stderr)

    def test_an_empty_global_option_is_a_usage_error_not_the_default(self):
        # `--spool "$UNSET"` must not quietly record into the default spool.
        for option in ("--spool", "-c", "--mcp-id"):
            for command in (["start"], ["status"], ["complete", "x"]):
                with self.subTest(option=option, command=command):
                    r = self.fails(64, option, "", *command)
                    self.assertIn("an empty value", r.stderr)
        self.assertEqual(self.files(), [])

    def test_follow_with_dry_run_is_a_usage_error_not_an_endless_run(self):
        self.coordinator()
        self.ok("start", "--id", "a")
        r = self.fails(64, "flush", "--follow", "--dry-run", timeout=20)
        self.assertIn("--follow", r.stderr)
        self.assertEqual(len(self.files()), 1)

    def test_a_config_that_is_not_a_small_regular_file_is_78_at_once(self):
        fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(fifo)
        big = self.write_config("# x\n" * 300000, name="big.toml")
        for path, why in (("/dev/zero", "not a regular file"), (fifo, "not a regular file"),
                          (big, "over 1024 KiB")):
            with self.subTest(path=path):
                r = self.fails(78, "-c", path, "start", timeout=20)
                self.assertIn(why, r.stderr)
        self.assertEqual(self.files(), [])
        # /dev/null is the usual "no config at all": an empty one.
        self.ok("-c", "/dev/null", "start", "--id", "no-config")
        self.assertEqual(len(self.files()), 1)

    def test_a_key_file_is_held_to_the_same_rules_as_any_key(self):
        self.coordinator()
        key = os.path.join(self.dir, "key")
        for content in (b"sec\rX-Evil: 1\n", b"sec\x01ret\n", b"\xffkey\n"):
            with self.subTest(content=content):
                with open(key, "wb") as f:
                    f.write(content)
                os.chmod(key, 0o600)
                r = self.fails(78, "validate-key", env={"MCP_REPORT_API_KEY": None,
                                                        "MCP_REPORT_API_KEY_FILE": key})
                self.assertIn("api_key_file", r.stderr)
        self.assertEqual(self.coordinators[0].stats()["requests"], 0)
        with open(key, "w") as f:
            f.write(" \n\t\n")
        r = self.fails(78, "validate-key", env={"MCP_REPORT_API_KEY": None,
                                                "MCP_REPORT_API_KEY_FILE": key})
        self.assertIn("api_key_file %s: is empty" % key, r.stderr)
        # Trimmed as a key from the environment is: blank lines and blanks
        # around it are not part of it.
        with open(key, "w") as f:
            f.write("\n\n  %s  \r\n" % self.env["MCP_REPORT_API_KEY"])
        self.ok("validate-key", env={"MCP_REPORT_API_KEY": None, "MCP_REPORT_API_KEY_FILE": key})

    def test_secret_files_others_can_read_are_warned_about(self):
        key = os.path.join(self.dir, "key")
        headers = os.path.join(self.dir, "headers")
        for path, text in ((key, "k\n"), (headers, "X-Api-Key: v\n")):
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o644)
        env = {"MCP_REPORT_API_KEY": None, "MCP_REPORT_API_KEY_FILE": key}
        cfg = self.write_config('[interaction_logging]\notlp_headers_file = "%s"\n' % headers)
        r = self.ok("-c", cfg, "config", env=env)
        self.assertIn("api_key_file %s: others can read it" % key, r.stderr)
        self.assertIn("otlp_headers_file %s: others can read it" % headers, r.stderr)
        os.chmod(key, 0o600)
        os.chmod(headers, 0o600)
        self.assertNotIn("can read it", self.ok("-c", cfg, "config", env=env).stderr)

    def test_a_directory_as_api_key_file_is_said_as_such(self):
        self.coordinator()
        r = self.fails(78, "health", env={"MCP_REPORT_API_KEY": None,
                                          "MCP_REPORT_API_KEY_FILE": self.dir})
        self.assertIn("is a directory", r.stderr)

class OutputErrorTest(Case):
    def test_output_that_cannot_be_written_is_74_not_a_silent_success(self):
        with open("/dev/full", "w") as full:
            r = subprocess.run([BIN, "start", "--id", "lost-id"], env=self.env, cwd=self.cwd,
                               stdout=full, stderr=subprocess.PIPE, text=True)
            self.assertEqual(r.returncode, 74, r.stderr)
            self.assertIn("mcp-report: standard output: No space left on device", r.stderr)
            self.assertEqual(len(self.files()), 1)  # recorded all the same
            for args in [("status", "--prometheus"), ("list",), ("config",)]:
                r = subprocess.run([BIN, *args], env=self.env, cwd=self.cwd, stdout=full,
                                   stderr=subprocess.PIPE, text=True)
                self.assertEqual(r.returncode, 74, (args, r.stderr))
                self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)


if __name__ == "__main__":
    unittest.main()
