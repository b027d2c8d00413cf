"""Operating the tool through the real binary: run, import (and the
migration from the old SQLite cache), list/show/delete/cleanup, status with
its histogram and Prometheus output, flush --follow and --splay."""
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
import unittest

from harness import BIN, SOURCE, Case, wait_until, wait_until_it_catches
from test_flush import free_port


class RunTest(Case):
    def test_data_too_large_to_record_is_65_and_cmd_does_not_run(self):
        marker = os.path.join(self.dir, "ran")
        cfg = self.write_config("[interaction_logging]\nmax_event_kb = 4\n")
        r = self.fails(65, "-c", cfg, "run", "k=" + "x" * 5000, "--", "touch", marker)
        self.assertIn("over max_event_kb", r.stderr)
        self.assertFalse(os.path.exists(marker))
        self.assertEqual(self.files(), [])

    def test_success_records_start_and_complete_and_passes_status(self):
        r = self.run_cli("run", "user=u1", "--", "sh", "-c",
                         'echo "out:$MCP_REPORT_INTERACTION_ID"; echo err >&2; exit 0')
        self.assertEqual(r.returncode, 0, r.stderr)
        iid = r.stdout.strip().split(":", 1)[1]
        self.assertEqual(r.stderr, "err\n")  # stdio untouched
        start, done = self.bodies()
        self.assertEqual((start["action"], start["interaction_id"], start["request_data"]),
                         ("interaction_start", iid, {"user": "u1"}))
        self.assertEqual(done["action"], "interaction_complete")
        self.assertEqual(done["result_data"]["success"], True)
        self.assertEqual(done["result_data"]["exit_code"], 0)
        self.assertIsInstance(done["result_data"]["processing_time"], float)

    def test_exit_status_is_passed_through_and_recorded(self):
        r = self.run_cli("run", "--id", "j3", "--", "sh", "-c", "exit 3")
        self.assertEqual(r.returncode, 3)
        done = self.bodies()[-1]
        self.assertEqual(done["action"], "interaction_error")
        self.assertEqual(done["error_data"]["error_type"], "ExitStatus")
        self.assertEqual(done["error_data"]["error_code"], 3)
        self.assertIn("processing_time", done["error_data"])

    def test_signal_death_is_128_plus_n(self):
        r = self.run_cli("run", "--id", "sig", "--", "sh", "-c", "kill -KILL $$")
        self.assertEqual(r.returncode, 128 + 9)
        err = self.bodies()[-1]["error_data"]
        self.assertEqual((err["error_type"], err["error_code"]), ("Signal", 9))
        self.assertIn("SIGKILL", err["error_message"])

    def test_signals_are_forwarded_to_the_command(self):
        marker = os.path.join(self.dir, "got-term")
        ready = os.path.join(self.dir, "trap-set")
        p = subprocess.Popen([BIN, "run", "--id", "fw", "--", "sh", "-c",
                              "trap 'touch %s; exit 7' TERM; touch %s; while :; do sleep 0.05; done"
                              % (marker, ready)],
                             env=self.env, cwd=self.cwd)
        # Signal once the command has set its trap (run forwards only to a
        # command it has started; under the sanitizers on a loaded machine
        # that takes seconds).
        deadline = time.monotonic() + 60
        while not os.path.exists(ready) and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertTrue(os.path.exists(ready), "the command never started")
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(10), 7)
        self.assertTrue(os.path.exists(marker))
        self.assertEqual(self.bodies()[-1]["error_data"]["error_code"], 7)

    def test_missing_command_is_127(self):
        r = self.run_cli("run", "--", "/no/such/cmd")
        self.assertEqual(r.returncode, 127)
        self.assertIn("cannot run", r.stderr)
        self.assertEqual(self.bodies()[-1]["error_data"]["error_code"], 127)

    def test_reporting_failure_only_warns_unless_strict(self):
        bad = {"MCP_REPORT_SPOOL_DIR": "/proc/nope"}
        r = self.run_cli("run", "--", "sh", "-c", "echo ran; exit 4", env=bad)
        self.assertEqual(r.returncode, 4)
        self.assertEqual(r.stdout, "ran\n")
        self.assertIn("warning", r.stderr)
        r = self.run_cli("run", "--strict", "--", "sh", "-c", "echo ran", env=bad)
        self.assertEqual(r.returncode, 73)
        self.assertEqual(r.stdout, "")
        r = self.run_cli("run", "--", "true", env={"MCP_REPORT_MCP_ID": None})
        self.assertEqual(r.returncode, 0)

    def test_progress_from_inside_the_wrapped_command(self):
        self.ok("run", "--id", "in", "--", "sh", "-c",
                '"$BIN" progress "$MCP_REPORT_INTERACTION_ID" step:=1', env={"BIN": BIN})
        self.assertEqual([b["action"] for b in self.bodies()],
                         ["interaction_start", "interaction_progress", "interaction_complete"])

    def test_the_command_gets_the_effective_spool_config_and_mcp_id(self):
        # run's own flags, not the environment, say where events go: a nested
        # call must land in the same spool under the same mcp_id.
        cfg = self.write_config('[interaction_logging]\nmax_retries = 2\n')
        other = os.path.join(self.dir, "other-spool")
        env = {"MCP_REPORT_SPOOL_DIR": None, "MCP_REPORT_MCP_ID": None, "BIN": BIN}
        r = self.ok("-c", cfg, "--spool", other, "--mcp-id", "flag_mcp", "run", "--id", "n", "--",
                    "sh", "-c", '"$BIN" progress "$MCP_REPORT_INTERACTION_ID" step:=1 && '
                    'echo "$MCP_REPORT_CONFIG|$MCP_REPORT_SPOOL_DIR|$MCP_REPORT_MCP_ID"',
                    env=env)
        self.assertEqual(r.stdout, "%s|%s|flag_mcp\n" % (cfg, other))
        self.spool = other
        bodies = self.bodies()
        self.assertEqual([b["action"] for b in bodies],
                         ["interaction_start", "interaction_progress", "interaction_complete"])
        self.assertEqual({b["mcp_id"] for b in bodies}, {"flag_mcp"})
        # A relative --spool is made absolute, so the command may change folder;
        # the config file the search found is named absolutely too.
        r = self.ok("--spool", "rel", "run", "--", "sh", "-c",
                    'cd / && echo "[$MCP_REPORT_CONFIG]$MCP_REPORT_SPOOL_DIR"',
                    env={"MCP_REPORT_CONFIG": None})
        self.assertEqual(r.stdout, "[%s]%s\n" % (self.user_config, os.path.join(self.cwd, "rel")))

    def test_arguments_after_dashdash_are_the_commands(self):
        r = self.ok("run", "--", "echo", "--id", "x", "-v", "--", "a=b")
        self.assertEqual(r.stdout, "--id x -v -- a=b\n")
        self.assertEqual(self.fails(64, "run").returncode, 64)

    def test_disabled_still_runs_the_command(self):
        r = self.run_cli("run", "--", "sh", "-c", "exit 5", env={"MCP_REPORT_ENABLED": "false"})
        self.assertEqual(r.returncode, 5)
        self.assertEqual(self.files(), [])


OLD_EVENTS = [
    {"action": "interaction_start", "interaction_id": "int_1700000000_0a1b2c3d",
     "mcp_id": "old_mcp", "timestamp": 1700000000.123456, "request_data": {"user_id": "u"}},
    {"action": "interaction_complete", "interaction_id": "int_1700000000_0a1b2c3d",
     "mcp_id": "old_mcp", "timestamp": 1700000001.5, "result_data": {"success": True}},
]


class ImportTest(Case):
    def test_migration_from_the_old_sqlite_cache(self):
        db = os.path.join(self.dir, "interaction_cache.db")
        conn = sqlite3.connect(db)
        conn.execute("""CREATE TABLE IF NOT EXISTS failed_interactions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                interaction_data TEXT NOT NULL,
                timestamp REAL NOT NULL,
                retry_count INTEGER DEFAULT 0)""")
        for e in OLD_EVENTS:
            conn.execute("INSERT INTO failed_interactions (interaction_data, timestamp) VALUES (?, ?)",
                         (json.dumps(e), time.time()))
        conn.commit()
        conn.close()
        if not shutil.which("sqlite3"):
            self.skipTest("the sqlite3 command is not installed")
        r = subprocess.run(["bash", "-c", "sqlite3 %s 'SELECT interaction_data FROM "
                            "failed_interactions' | \"$BIN\" import -" % db],
                           env=dict(self.env, BIN=BIN), cwd=self.cwd, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        # Spooled unchanged: same bytes, timestamps and mcp_id kept.
        got = []
        for n in self.files():
            with open(os.path.join(self.spool, "queue", n)) as f:
                got.append(f.read())
        self.assertEqual(got, [json.dumps(e) for e in OLD_EVENTS])
        c = self.coordinator()
        self.ok("flush")
        self.assertEqual(c.received(), OLD_EVENTS)

    def test_pythons_nan_and_infinity_are_kept_byte_for_byte(self):
        """json.dumps writes NaN, Infinity and -Infinity, and the old reporter
        sent them: import takes such lines unchanged, and flush sends them so."""
        line = json.dumps({"action": "interaction_progress", "interaction_id": "int_1_a",
                           "mcp_id": "old_mcp", "timestamp": 1700000000.5,
                           "progress_data": {"ratio": float("nan"), "hi": float("inf"),
                                             "lo": [float("-inf"), 1.5]}})
        self.assertIn("NaN", line)
        self.ok("import", "-", input=line + "\n")
        [name] = self.files()
        with open(os.path.join(self.spool, "queue", name)) as f:
            self.assertEqual(f.read(), line)
        # Other spellings are not Python's: refused, as any invalid JSON.
        r = self.fails(65, "import", "-", input=line.replace("Infinity", "Inf") + "\n")
        self.assertIn("stdin:1: invalid JSON", r.stderr)
        # The recording commands stay strict: JSON as RFC 8259 has it.
        self.fails(65, "progress", "int_1_a", "ratio:=NaN")
        c = self.coordinator()
        self.ok("flush")
        self.assertEqual(c.received_raw(), [line])

    def test_the_ids_the_old_reporter_took_are_kept(self):
        """The old reporter took any interaction id: import keeps each line
        byte for byte, the file name carries the id escaped (or hashed when
        too long), and every command that shows ids shows the id itself."""
        ids = ["task 42/\u03b1", "a,b%c", "\u4efb\u52a1 #7", 'say "hi"\\', "\u00e9" * 100]
        lines = []
        for k, iid in enumerate(ids):
            for step, (action, member) in enumerate([("interaction_start", "request_data"),
                                                     ("interaction_complete", "result_data")]):
                lines.append(json.dumps({"action": action, "interaction_id": iid,
                                         "mcp_id": "old_mcp", "timestamp": 1700000000 + k + step / 10,
                                         member: {"k": k}}))
        lines.append(json.dumps({"action": "interaction_start", "interaction_id": "open/1",
                                 "mcp_id": "old_mcp", "timestamp": round(time.time(), 6),
                                 "request_data": {}}))
        self.ok("import", "-", input="\n".join(lines) + "\n")
        names = self.files()
        self.assertEqual(len(names), len(lines))
        for n in names:
            self.assertNotIn("/", n)
            self.assertLessEqual(len(n.encode()), 255)
        self.assertIn("1700000000000000-", names[0])
        self.assertTrue(names[0].endswith(".s.task%2042%2F%CE%B1"), names[0])
        bodies = []
        for n in names:
            with open(os.path.join(self.spool, "queue", n)) as f:
                bodies.append(f.read())
        self.assertEqual(sorted(bodies), sorted(lines))  # byte for byte
        # list, list --json and status show the ids themselves.
        listed = [json.loads(l) for l in self.ok("list", "--json").stdout.splitlines()]
        self.assertEqual(sorted({e["interaction_id"] for e in listed}), sorted(ids + ["open/1"]))
        self.assertIn("task 42/\u03b1", self.ok("list").stdout)
        status = json.loads(self.ok("status", "--json").stdout)
        self.assertEqual(status["open_interaction_ids"], ["open/1"])
        c = self.coordinator()
        dry = [json.loads(l) for l in self.ok("flush", "--dry-run", "--json").stdout.splitlines()
               if "would_send" in l]
        self.assertEqual(len(dry), len(lines))
        self.assertIn('say "hi"\\', {d["interaction_id"] for d in dry})
        # Delivered unchanged, each interaction in order.
        self.ok("flush")
        self.assertEqual(sorted(c.received_raw()), sorted(lines))
        got = {}
        for b in c.received():
            got.setdefault(b["interaction_id"], []).append(b["action"])
        for iid in ids:
            self.assertEqual(got[iid], ["interaction_start", "interaction_complete"], iid)
        self.assertEqual(self.files("corrupt"), [])
        # The delivered start of "open/1" is still open for status.
        self.assertEqual(json.loads(self.ok("status", "--json").stdout)["open_interaction_ids"],
                         ["open/1"])

    def test_bad_lines_are_reported_by_number_and_skipped(self):
        src = os.path.join(self.dir, "events.ndjson")
        with open(src, "w") as f:
            f.write(json.dumps(OLD_EVENTS[0]) + "\n")
            f.write("not json\n")
            f.write("\n")
            f.write(json.dumps(dict(OLD_EVENTS[1], interaction_id="a\x07b")) + "\n")
            f.write(json.dumps(OLD_EVENTS[1]) + "\r\n")
            # The mcp_id rules of every other source hold for imported lines.
            f.write(json.dumps(dict(OLD_EVENTS[1], mcp_id="x\x1b[2Jy")) + "\n")
            f.write(json.dumps(dict(OLD_EVENTS[1], mcp_id="m" * 129)) + "\n")
        r = self.fails(65, "import", src)
        self.assertRegex(r.stderr, r"events.ndjson:2: invalid JSON")
        self.assertRegex(r.stderr, r"events.ndjson:4: 'interaction_id' holds a control character")
        self.assertRegex(r.stderr, r"events.ndjson:6: 'mcp_id' holds a control character")
        self.assertRegex(r.stderr, r"events.ndjson:7: 'mcp_id' is longer than 128 bytes")
        self.assertEqual(len(r.stderr.splitlines()), 4)
        self.assertEqual(len(self.files()), 2)

    def test_import_spools_even_with_logging_disabled(self):
        """An explicit migration: a script that checks $? and then deletes the
        old cache must find the events in the spool, whatever
        enable_interaction_logging says (flush sends them once it is on)."""
        src = os.path.join(self.dir, "events.ndjson")
        with open(src, "w") as f:
            for e in OLD_EVENTS:
                f.write(json.dumps(e) + "\n")
        r = self.run_cli("-q", "import", src, env={"MCP_REPORT_ENABLED": "false"})
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(len(self.files()), 2)
        # Without -q, a warning says that flush will not send them yet.
        self.ok("delete", "--state", "queue")
        r = self.run_cli("import", src, env={"MCP_REPORT_ENABLED": "false"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.files()), 2)
        self.assertEqual(r.stderr.splitlines(), [
            "mcp-report: warning: import: logging is disabled (enable_interaction_logging = "
            "false): the events are spooled, and flush sends them once it is enabled"])
        c = self.coordinator()
        self.ok("flush")
        self.assertEqual(c.received(), OLD_EVENTS)

    def test_a_byte_order_mark_before_the_first_line_is_not_spooled(self):
        src = os.path.join(self.dir, "events.ndjson")
        lines = [json.dumps(e) for e in OLD_EVENTS]
        with open(src, "wb") as f:
            f.write(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n")
        self.ok("import", src)
        spooled = []
        for n in self.files():
            with open(os.path.join(self.spool, "queue", n), "rb") as f:
                spooled.append(f.read())
        self.assertEqual(sorted(spooled), sorted(l.encode() for l in lines))

    def test_rejects_gets_the_lines_import_cannot_take_byte_for_byte(self):
        src = os.path.join(self.dir, "events.ndjson")
        rejects = os.path.join(self.dir, "rejects.ndjson")
        bad = [b"not json\n",
               # RapidJSON took it as the event after it (a byte it skipped).
               b"\xbb" + json.dumps(OLD_EVENTS[0]).encode() + b"\n",
               json.dumps(dict(OLD_EVENTS[1], interaction_id="a\x07b")).encode() + b"\r\n",
               b'{"action": "interaction_start", "x": "\xff\xfe"}  \n',
               json.dumps(dict(OLD_EVENTS[0], mcp_id="")).encode()]  # no newline at the end
        with open(src, "wb") as f:
            f.write(json.dumps(OLD_EVENTS[0]).encode() + b"\n")
            f.write(bad[0] + b"\n" + bad[1] + bad[2] + bad[3])
            f.write(json.dumps(OLD_EVENTS[1]).encode() + b"\n")
            f.write(bad[4])
        r = self.fails(65, "import", "--rejects", rejects, src)
        self.assertEqual(len(self.files()), 2)
        with open(rejects, "rb") as f:
            self.assertEqual(f.read(), b"".join(bad[:4]) + bad[4] + b"\n")
        self.assertEqual(os.stat(rejects).st_mode & 0o777, 0o600)
        self.assertIn("events.ndjson:2: invalid JSON", r.stderr)
        # Run again: a file that holds something is never overwritten (it
        # may be the old cache itself), and nothing is imported.
        self.ok("delete", "--state", "queue")
        r = self.fails(73, "import", "--rejects", rejects, src)
        self.assertIn("not empty", r.stderr)
        with open(rejects, "rb") as f:
            self.assertEqual(f.read().count(b"\n"), 5)
        self.assertEqual(self.files(), [])
        # The cache named as the rejects file (meant as the input; the input
        # is then an empty stdin), or named twice, is left whole.
        with open(src, "rb") as f:
            cache = f.read()
        self.fails(73, "import", "--rejects", src)
        self.fails(73, "import", "--rejects", src, src)
        with open(src, "rb") as f:
            self.assertEqual(f.read(), cache)
        # A rejects file that cannot be written stops the import before it spools.
        self.ok("delete", "--state", "queue")
        r = self.fails(73, "import", "--rejects", os.path.join(self.dir, "no", "such"), src)
        self.assertIn("--rejects", r.stderr)
        self.assertEqual(self.files(), [])

    def run_on_a_terminal(self, *args):
        """Runs with stderr on a terminal (a person at a shell); returns
        (exit status, what the terminal showed)."""
        import pty
        master, slave = pty.openpty()
        p = subprocess.Popen([BIN, *args], env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        return p.wait(30), out.decode().replace("\r\n", "\n")

    def test_the_summary_is_said_to_a_person_and_not_to_cron(self):
        src = os.path.join(self.dir, "events.ndjson")
        with open(src, "w") as f:
            f.write(json.dumps(OLD_EVENTS[0]) + "\nbad line\n" + json.dumps(OLD_EVENTS[0]) + "\n")
        rejects = os.path.join(self.dir, "rejects.ndjson")
        code, shown = self.run_on_a_terminal("import", "--rejects", rejects, src)
        self.assertEqual(code, 65, shown)
        self.assertIn("mcp-report: import: spooled 1 event, 1 already in the spool, 1 rejected "
                      "(set aside in %s)\n" % rejects, shown)
        # Not on a terminal (cron, a script): only the bad line, unless -v.
        r = self.fails(65, "import", src)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        r = self.fails(65, "-v", "import", src)
        self.assertIn("spooled 0 events, 2 already in the spool, 1 rejected\n", r.stderr)
        # -q on a terminal says nothing but the bad line.
        code, shown = self.run_on_a_terminal("-q", "import", src)
        self.assertEqual(shown.count("\n"), 1, shown)

    def test_missing_file_is_66(self):
        self.fails(66, "import", os.path.join(self.dir, "none.ndjson"))

    def test_an_input_with_no_lines_is_66_so_a_failed_dump_is_not_a_migration(self):
        """`sqlite3 … | mcp-report import -` where sqlite3 failed feeds import
        nothing: exit 0 would let "delete the old cache if $? is 0" lose it."""
        empty = os.path.join(self.dir, "empty.ndjson")
        with open(empty, "w") as f:
            f.write("\n\n")
        rejects = os.path.join(self.dir, "rejects.ndjson")
        for args, inp, label in [(("import", "-"), "", "stdin"),
                                 (("import",), "\ufeff\n", "stdin"),
                                 (("import", empty), None, empty),
                                 (("-q", "import", "--rejects", rejects, "-"), "", "stdin")]:
            r = self.fails(66, *args, input=inp)
            self.assertEqual(r.stderr.splitlines(),
                             ["mcp-report: import: %s: holds no lines to import (did the "
                              "command that feeds it fail?)" % label], args)
        self.assertEqual(self.files(), [])
        # One event is a migration, however small.
        self.ok("import", "-", input=json.dumps(OLD_EVENTS[0]) + "\n")

    def test_importing_the_same_lines_again_spools_them_once(self):
        src = os.path.join(self.dir, "events.ndjson")
        with open(src, "w") as f:
            for e in OLD_EVENTS:
                f.write(json.dumps(e) + "\n")
            f.write(json.dumps(OLD_EVENTS[0]) + "\n")  # twice in one file, too
        self.ok("import", src)
        first = self.files()
        self.assertEqual(len(first), 2)
        r = self.ok("-v", "import", src)
        self.assertIn("spooled 0 events, 3 already in the spool", r.stderr)
        self.assertEqual(self.files(), first)
        # Also while dead: the same event id, not a new one.
        c = self.coordinator()
        c.control(always=422)
        self.fails(65, "flush")
        # The first dies; the second is held behind it (order survives dead letters).
        self.assertEqual(len(self.files("dead")), 1)
        held = self.files()
        self.assertEqual(len(held), 1)
        self.ok("import", src)
        self.assertEqual(self.files(), held)
        # Delivered and gone, it comes back under the same event id, so the
        # coordinator sees the same Idempotency-Key again.
        self.ok("delete", "--state", "dead")
        self.ok("import", src)
        self.assertEqual(self.files(), first)

    def test_a_wrong_file_shows_ten_bad_lines_then_a_count(self):
        src = os.path.join(self.dir, "wrong.txt")
        with open(src, "w") as f:
            f.write("".join("line %d\n" % i for i in range(25)))
        r = self.fails(65, "import", src)
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 11, r.stderr)
        self.assertIn("wrong.txt:10: invalid JSON", lines[9])
        self.assertIn("15 more bad lines not shown (25 in all)", lines[10])


class InspectTest(Case):
    def test_list_show_delete(self):
        c = self.coordinator()
        self.ok("start", "--id", "a", "k=v")
        self.ok("complete", "a")
        lines = self.ok("list").stdout.splitlines()
        self.assertEqual(len(lines), 2)
        handle = lines[0].split()[0]
        self.assertRegex(handle, r"^\d{16}-[0-9a-f]{12}$")
        shown = self.ok("show", handle).stdout
        self.assertIn("state:  queue", shown)
        self.assertIn('"request_data": {"k": "v"}', shown)
        listed = [json.loads(l) for l in self.ok("list", "--json").stdout.splitlines()]
        self.assertEqual([e["action"] for e in listed], ["interaction_start", "interaction_complete"])
        self.assertEqual(listed[0]["event"], handle)
        self.fails(66, "show", "0000000000000000-000000000000")
        self.fails(64, "list", "--state", "bogus")
        self.ok("delete", handle)
        self.assertEqual(len(self.files()), 1)
        c.control(always=422)
        self.fails(65, "flush")
        self.assertEqual(len(self.files("dead")), 1)
        self.ok("delete", "--state", "dead")
        self.assertEqual(os.listdir(os.path.join(self.spool, "dead")), [])

    def test_every_handle_list_prints_works(self):
        corrupt = os.path.join(self.spool, "corrupt")
        self.ok("start", "--id", "fine")
        os.makedirs(corrupt, exist_ok=True)
        for name in ("junk.txt", "junk.other"):
            with open(os.path.join(corrupt, name), "w") as f:
                f.write(name)
        # Names no terminal or JSON should get raw: listed escaped, and the
        # escaped handle works.
        for name in (b"bad\x1b[31mname\nline", b"nonutf\xff"):
            with open(os.path.join(corrupt.encode(), name), "wb") as f:
                f.write(b"x")
        handles = [l.split()[0] for l in self.ok("list").stdout.splitlines()]
        self.assertEqual(len(set(handles)), 5, handles)
        self.assertIn("bad\\x1b[31mname\\nline", handles)
        self.assertIn("nonutf\\xff", handles)
        self.assertIn("junk.txt", handles)
        self.assertIn("junk.other", handles)
        for h in handles:
            self.ok("show", h)
        listed = [json.loads(l)["event"] for l in self.ok("list", "--json").stdout.splitlines()]
        self.assertEqual(sorted(listed), sorted(handles))
        for h in handles:
            self.ok("delete", h)
        self.assertEqual(self.ok("list").stdout, "")

    def test_a_mended_corrupt_file_can_be_requeued(self):
        c = self.coordinator()
        self.ok("start", "--id", "m")
        [name] = self.files()
        path = os.path.join(self.spool, "queue", name)
        with open(path) as f:
            good = f.read()
        with open(path, "w") as f:
            f.write(good[:20])  # truncated
        self.fails(65, "flush")
        self.assertEqual(self.files("corrupt"), [name])
        self.assertIn("invalid JSON", self.ok("show", name.split(".")[0]).stdout)
        with open(os.path.join(self.spool, "corrupt", name), "w") as f:
            f.write(good)  # mended
        self.ok("requeue", name.split(".")[0])
        self.ok("flush")
        self.assertEqual([b["interaction_id"] for b in c.received()], ["m"])
        self.assertEqual(os.listdir(os.path.join(self.spool, "corrupt")), [])

    def test_cleanup_sweeps_stale_tmp_and_expires(self):
        self.ok("start", "--id", "new")
        long_ago = time.time() - 8 * 86400
        name = "%016d-aaaaaaaaaaaa.s.old" % int(long_ago * 1e6)
        path = os.path.join(self.spool, "queue", name)
        with open(path, "w") as f:
            f.write("{}")
        os.utime(path, (long_ago, long_ago))
        # A killed writer's temp file goes; a file someone else left in tmp/
        # (a folder given as the spool by mistake) stays, however old.
        stale = os.path.join(self.spool, "tmp", "%016d-bbbbbbbbbbbb.s.killed" % int(time.time() * 1e6))
        foreign = os.path.join(self.spool, "tmp", "important.txt")
        for p in (stale, foreign):
            with open(p, "w") as f:
                f.write("partial")
            os.utime(p, (time.time() - 7200,) * 2)
        self.ok("cleanup")
        self.assertFalse(os.path.exists(stale))
        self.assertTrue(os.path.exists(foreign))
        self.assertEqual(len(self.files()), 1)  # the fresh one stays
        [dead] = self.files("dead")
        self.assertEqual(dead, name)
        self.assertIn("expired", self.ok("show", dead.split(".")[0]).stdout)


class StatusTest(Case):
    def test_json_has_the_documented_members(self):
        self.ok("start", "--id", "open1")
        self.ok("start", "--id", "closed")
        self.ok("complete", "closed")
        st = json.loads(self.ok("status", "--json").stdout)
        for key in ["queued", "due", "dead", "corrupt", "tmp", "bytes", "oldest_queued_age_s",
                    "next_attempt_at", "last_flush", "age_buckets", "open_interactions"]:
            self.assertIn(key, st)
        self.assertEqual((st["queued"], st["due"], st["dead"]), (3, 3, 0))
        self.assertEqual(st["open_interactions"], 1)
        self.assertEqual(st["open_interaction_ids"], ["open1"])
        self.assertGreater(st["bytes"], 0)
        self.assertIsNone(st["last_flush"])
        self.assertEqual(sum(st["age_buckets"].values()), 3)

    def test_open_interactions_outlive_their_delivered_start(self):
        self.coordinator()
        self.ok("start", "--id", "long-job")
        self.ok("start", "--id", "short-job")
        self.ok("complete", "short-job")
        self.ok("flush")
        self.assertEqual(self.files(), [])
        st = json.loads(self.ok("status", "--json").stdout)
        self.assertEqual(st["open_interaction_ids"], ["long-job"])
        self.ok("progress", "long-job")
        self.ok("flush")
        self.assertEqual(json.loads(self.ok("status", "--json").stdout)["open_interactions"], 1)
        self.ok("error", "long-job", "error_type=Timeout")
        self.assertEqual(json.loads(self.ok("status", "--json").stdout)["open_interactions"], 0)
        self.ok("flush")
        self.assertEqual(json.loads(self.ok("status", "--json").stdout)["open_interactions"], 0)

    def test_ages_in_human_units_in_text_and_seconds_in_json(self):
        q = os.path.join(self.spool, "queue")
        os.makedirs(q, mode=0o700)
        os.chmod(self.spool, 0o700)
        ts_us = int((time.time() - (3 * 86400 + 2 * 3600 + 100)) * 1e6) + 123456
        name = "%016d-aaaaaaaaaaaa.s.old,1,%d" % (ts_us, int(time.time()) + 320)
        with open(os.path.join(q, name), "w") as f:
            f.write("{}")
        os.utime(os.path.join(q, name), (ts_us / 1e6, ts_us / 1e6))  # spooled when recorded
        line = self.ok("list").stdout
        self.assertIn("age 3 d 2 h, 1 failed, next in 5 min", line)
        self.assertIn("oldest:       3 d 2 h\n", self.ok("status").stdout)
        [listed] = [json.loads(l) for l in self.ok("list", "--json").stdout.splitlines()]
        self.assertIsInstance(listed["timestamp"], float)
        self.assertAlmostEqual(listed["timestamp"], ts_us / 1e6, places=6)
        st = json.loads(self.ok("status", "--json").stdout)
        self.assertAlmostEqual(st["oldest_queued_age_s"], 3 * 86400 + 2 * 3600 + 100, delta=5)

    def test_the_oldest_age_after_an_import_of_old_lines_is_their_time_in_the_spool(self):
        """An age alert (oldest_queued_age > 1 h) must not fire the minute an
        old cache is imported: the age is time in the spool; when the
        events were recorded is kept beside it."""
        day_ago = time.time() - 86400
        self.ok("import", "-", input=json.dumps(
            {"action": "interaction_start", "interaction_id": "old", "mcp_id": "m",
             "timestamp": day_ago, "request_data": {}}) + "\n")
        st = json.loads(self.ok("status", "--json").stdout)
        self.assertLess(st["oldest_queued_age_s"], 600)
        self.assertAlmostEqual(st["oldest_queued_recorded_age_s"], 86400, delta=600)
        self.assertEqual(st["age_buckets"]["5m"], 1)
        metrics = parse_prometheus(self, self.ok("status", "--prometheus").stdout, self.spool)
        self.assertLess(metrics["mcp_report_oldest_queued_age_seconds"], 600)

    def test_age_histogram_buckets(self):
        q = os.path.join(self.spool, "queue")
        os.makedirs(q, mode=0o700)
        os.chmod(self.spool, 0o700)
        now = time.time()
        for age_min in (1, 7, 30, 2000):
            ts = int((now - age_min * 60) * 1e6)
            with open(os.path.join(q, "%016d-aaaaaaaaaaaa.s.x%d" % (ts, age_min)), "w") as f:
                f.write("{}")
            os.utime(os.path.join(q, "%016d-aaaaaaaaaaaa.s.x%d" % (ts, age_min)), (ts / 1e6, ts / 1e6))
        st = json.loads(self.ok("status", "--json").stdout)
        b = st["age_buckets"]
        self.assertEqual((b["5m"], b["10m"], b["40m"], b["1280+m"]), (1, 1, 1, 1))
        self.assertAlmostEqual(st["oldest_queued_age_s"], 2000 * 60, delta=5)
        text = self.ok("status").stdout
        self.assertIn("queued:       4", text)

    def test_prometheus_textfile_format(self):
        c = self.coordinator()
        self.ok("start", "--id", "p")
        self.ok("flush")
        self.ok("start", "--id", "q")
        out = self.ok("status", "--prometheus").stdout
        metrics = parse_prometheus(self, out, self.spool)
        self.assertEqual(metrics['mcp_report_events{state="queued"}'], 1)
        for state in ("dead", "corrupt", "tmp"):
            self.assertEqual(metrics['mcp_report_events{state="%s"}' % state], 0)
        self.assertGreater(metrics["mcp_report_spool_bytes"], 0)
        self.assertIn("mcp_report_oldest_queued_age_seconds", metrics)
        self.assertEqual(metrics["mcp_report_last_flush_success"], 1)
        self.assertEqual(metrics["mcp_report_last_flush_sent"], 1)
        self.assertAlmostEqual(metrics["mcp_report_last_flush_timestamp_seconds"], time.time(),
                               delta=60)
        promtool = shutil.which("promtool") or os.environ.get("MCP_REPORT_PROMTOOL")
        if promtool and os.access(promtool, os.X_OK):
            r = subprocess.run([promtool, "check", "metrics"], input=out, text=True,
                               capture_output=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            print("\nprometheus: promtool check metrics: clean")

    def test_a_clean_run_after_dead_letters_and_a_hold_do_not_look_healthy(self):
        """After a run that dead-lettered, the next clean run reads ok, but
        the gauges and the last flush's line still say events are dead; a
        Retry-After hold does not make due events read 0."""
        c = self.coordinator()
        self.ok("start", "--id", "poison")
        c.control(script=[400])
        self.fails(65, "flush")
        self.ok("start", "--id", "fine")
        self.ok("flush")
        text = self.ok("status").stdout
        self.assertRegex(text, r"dead: +1 \(1 dead-lettered in all, the last at ")
        self.assertRegex(text, r"last flush: .*, ok \(exit 0\): sent 1, .*; 1 dead event waits "
                               r"\(list --state dead\)\n")
        metrics = parse_prometheus(self, self.ok("status", "--prometheus").stdout, self.spool)
        self.assertEqual(metrics["mcp_report_last_flush_success"], 1)
        self.assertEqual(metrics['mcp_report_events{state="dead"}'], 1)
        self.assertEqual(metrics["mcp_report_dead_lettered_events_total"], 1)
        self.assertAlmostEqual(metrics["mcp_report_last_dead_letter_timestamp_seconds"],
                               time.time(), delta=60)
        # A later event of the dead one's interaction is held behind it.
        self.ok("complete", "poison")
        self.ok("start", "--id", "later")
        c.control(script=[429], retry_after="600")
        self.fails(75, "flush", "--max-time", "1")
        out = self.ok("status", "--prometheus").stdout
        metrics = parse_prometheus(self, out, self.spool)
        self.assertEqual(metrics["mcp_report_held_events"], 1)
        self.assertEqual(metrics["mcp_report_due_events"], 1)  # "later", waiting for the hold
        self.assertEqual(metrics["mcp_report_hold_waiting_events"], 1)
        self.assertGreater(metrics["mcp_report_hold_until_timestamp_seconds"], time.time() + 500)
        self.assertEqual(metrics["mcp_report_otlp_rejected_records_total"], 0)
        promtool = shutil.which("promtool") or os.environ.get("MCP_REPORT_PROMTOOL")
        if promtool and os.access(promtool, os.X_OK):
            r = subprocess.run([promtool, "check", "metrics"], input=out, text=True,
                               capture_output=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_prometheus_samples_name_their_spool_escaped(self):
        # Two spools on one node must not collide in the textfile collector.
        self.spool = os.path.join(self.dir, 'odd "name" \\ here')
        self.ok("start", "--id", "p", env={"MCP_REPORT_SPOOL_DIR": self.spool})
        out = self.ok("status", "--prometheus", env={"MCP_REPORT_SPOOL_DIR": self.spool}).stdout
        self.assertIn('spool="%s"' % self.spool.replace("\\", "\\\\").replace('"', '\\"'), out)
        metrics = parse_prometheus(self, out, self.spool)
        self.assertEqual(metrics['mcp_report_events{state="queued"}'], 1)


@unittest.skipUnless(os.geteuid() == 0, "needs root to give the spool to another uid")
class ForeignSpoolTest(Case):
    """Root's monitoring cron on the service user's spool: the commands that
    only look read it; those that change it refuse it."""

    STRANGER = 4242

    def setUp(self):
        super().setUp()
        self.ok("start", "--id", "a")
        self.ok("start", "--id", "b")
        for root, dirs, files in os.walk(self.spool):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), self.STRANGER, self.STRANGER)
        os.lchown(self.spool, self.STRANGER, self.STRANGER)

    def owned_by_the_stranger(self):
        for root, dirs, files in os.walk(self.spool):
            for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                self.assertEqual(os.lstat(name).st_uid, self.STRANGER, name)

    def test_looking_works_and_changing_is_refused(self):
        self.assertIn("queued:       2", self.ok("status").stdout)
        self.assertEqual(json.loads(self.ok("status", "--json").stdout)["queued"], 2)
        metrics = parse_prometheus(self, self.ok("status", "--prometheus").stdout, self.spool)
        self.assertEqual(metrics['mcp_report_events{state="queued"}'], 2)
        listed = self.ok("list").stdout.splitlines()
        self.assertEqual(len(listed), 2)
        self.assertIn('"interaction_id": "a"', self.ok("show", listed[0].split()[0]).stdout +
                      self.ok("show", listed[1].split()[0]).stdout)
        for args in (["requeue", "--all"], ["delete", "--state", "dead"], ["cleanup"],
                     ["start", "--id", "c"]):
            with self.subTest(args=args):
                r = self.fails(73, *args)
                self.assertIn("owned by uid %d" % self.STRANGER, r.stderr)
        self.owned_by_the_stranger()  # nothing made or changed in it
        self.assertEqual(len(self.files()), 2)

    def test_the_cron_example_says_whose_crontab_each_line_goes_in(self):
        """flush changes the spool, so its line goes in the owner's crontab
        (root's flush is refused); status only reads, so root's may run it."""
        with open(os.path.join(SOURCE, "scripts", "cron.example")) as f:
            text = f.read()
        flush_at = text.index("flush --splay")
        status_at = text.index("status --prometheus")
        self.assertIn("crontab -u mcp-report -e", text[:flush_at])
        self.assertIn("root's crontab", text[flush_at:status_at])
        r = self.fails(73, "flush", env={"MCP_REPORT_API_KEY": "k",
                                         "MCP_REPORT_URL": "http://127.0.0.1:9"})
        self.assertIn("owned by uid %d" % self.STRANGER, r.stderr)
        self.owned_by_the_stranger()
        self.assertEqual(len(self.files()), 2)

    def test_a_new_empty_spool_is_read_as_empty_and_nothing_is_made_in_it(self):
        """`install -d -o mcp-report -m 0700 SPOOL` and no command run in it
        yet: root's monitoring reads it as empty (not exit 73), and neither
        root nor its owner makes a state folder by looking (man page: status,
        list and show change nothing)."""
        for owner in (os.geteuid(), self.STRANGER):
            fresh = os.path.join(self.dir, "fresh-%d" % owner)
            os.makedirs(fresh, 0o700)
            os.chown(fresh, owner, owner)
            env = {"MCP_REPORT_SPOOL_DIR": fresh}
            with self.subTest(owner=owner):
                self.assertIn("queued:       0", self.ok("status", env=env).stdout)
                self.assertEqual(json.loads(self.ok("status", "--json", env=env).stdout)["queued"], 0)
                metrics = parse_prometheus(self, self.ok("status", "--prometheus", env=env).stdout,
                                           fresh)
                self.assertEqual(metrics['mcp_report_events{state="queued"}'], 0)
                self.assertEqual(self.ok("list", env=env).stdout, "")
                self.assertEqual(self.ok("list", "--json", env=env).stdout, "")
                self.fails(66, "show", "1764000000123456-3fa9c01e0001", env=env)
                self.assertEqual(os.listdir(fresh), [])

    def test_the_cron_example_finds_the_package_and_a_hand_install_on_crons_path(self):
        """cron runs jobs with PATH=/usr/bin:/bin: a hand install's
        /usr/local/bin/mcp-report (cmake's default prefix) is "not found"
        every minute unless the example sets PATH itself."""
        env = {"PATH": "/usr/bin:/bin"}  # Debian cron's own
        with open(os.path.join(SOURCE, "scripts", "cron.example")) as f:
            for line in f:
                m = re.match(r"([A-Z_]+)=(.*)$", line.strip())
                if m:
                    env[m.group(1)] = m.group(2)
        path = env["PATH"].split(":")
        for needed in ("/usr/local/bin", "/usr/bin", "/bin"):
            self.assertIn(needed, path)

    def test_the_cron_example_leaves_no_temp_file_when_status_fails(self):
        with open(os.path.join(SOURCE, "scripts", "cron.example")) as f:
            [line] = [l for l in f if l.startswith("*") and "--prometheus" in l]
        textfiles = os.path.join(self.dir, "textfiles")
        os.makedirs(textfiles)
        command = line.split(None, 5)[5].strip()
        command = command.replace("/var/lib/prometheus/node-exporter", textfiles)
        command = command.replace("mcp-report -c /etc/mcp-report/config.toml", BIN)
        self.assertIn(BIN, command)
        subprocess.run(["sh", "-c", command], env=self.env, cwd=self.cwd, check=False)
        self.assertEqual(os.listdir(textfiles), ["mcp-report.prom"])
        with open(os.path.join(textfiles, "mcp-report.prom")) as f:
            self.assertIn("mcp_report_events", f.read())
        missing = dict(self.env, MCP_REPORT_SPOOL_DIR=os.path.join(self.dir, "no-such-spool"))
        for _ in range(3):
            subprocess.run(["sh", "-c", command], env=missing, cwd=self.cwd, check=False,
                           stderr=subprocess.DEVNULL)
        self.assertEqual(os.listdir(textfiles), ["mcp-report.prom"])  # the last good one kept


def parse_prometheus(test, text, spool):
    """A strict reader of the text exposition format: every sample belongs
    to a family announced by # TYPE, names and labels are well formed, and
    carries spool="<spool>" (taken off the returned keys)."""
    escaped = spool.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    metrics, typed = {}, set()
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        m = re.match(r"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter|untyped)$", line)
        if m:
            test.assertNotIn(m.group(1), typed)
            typed.add(m.group(1))
            continue
        value = r'"(?:[^"\\\n]|\\[\\"n])*"'
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*=' + value +
                     r'(,[a-zA-Z_][a-zA-Z0-9_]*=' + value + r')*\})? (-?[0-9.eE+-]+)$', line)
        test.assertIsNotNone(m, "bad line: %r" % line)
        test.assertIn(m.group(1), typed, "sample before its TYPE: %r" % line)
        labels = m.group(2) or ""
        spool_label = 'spool="%s"' % escaped
        test.assertIn(spool_label, labels, line)
        labels = labels.replace("," + spool_label, "").replace(spool_label, "")
        metrics[m.group(1) + ("" if labels == "{}" else labels)] = float(m.group(4))
    return metrics


class FollowTest(Case):
    def test_follow_sends_new_events_quickly_and_stops_cleanly(self):
        c = self.coordinator()
        self.ok("start", "--id", "before")
        p = subprocess.Popen([BIN, "flush", "--follow"], env=self.env, cwd=self.cwd,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.time() + 10
            while len(c.received()) < 1 and time.time() < deadline:
                time.sleep(0.02)
            for i in range(5):
                self.ok("progress", "live", "i:=%d" % i)
                time.sleep(0.05)
            deadline = time.time() + 10
            while len(c.received()) < 6 and time.time() < deadline:
                time.sleep(0.02)
            received = c.received()
            self.assertEqual(len(received), 6)
            self.assertEqual([b["progress_data"]["i"] for b in received[1:]], list(range(5)))
            lags = [e["start"] - json.loads(e["body"])["timestamp"] for e in c.log()[1:]]
            print("\nfollow: delivery lag max %.0f ms" % (max(lags) * 1000))
            # A second flusher leaves at once: the follower holds the lock.
            self.assertEqual(self.run_cli("flush").returncode, 0)
        finally:
            p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual(self.files(), [])

    def test_follow_retries_when_due_and_outlives_an_outage(self):
        c = self.coordinator()
        c.control(script=[500])
        cfg = self.write_config("[interaction_logging]\nretry_delay = 0.5\nmax_backoff = 1\n")
        p = subprocess.Popen([BIN, "-c", cfg, "flush", "--follow"], env=self.env, cwd=self.cwd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            self.ok("start", "--id", "r")
            deadline = time.time() + 15
            # Delivered means answered and deleted: the coordinator keeps the
            # body before it answers, and stopping it in between is an
            # outage for the answer (the event is sent again, rightly).
            while (len(c.received()) < 1 or self.files()) and time.time() < deadline:
                time.sleep(0.05)
            if len(c.received()) != 1:
                p.send_signal(signal.SIGINT)
                _, err = p.communicate(timeout=10)
                self.fail("the first event was not delivered; flush --follow said: %r, "
                          "the coordinator got %r" % (err, c.log()))
            c.stop()
            self.ok("start", "--id", "during-outage")
            time.sleep(1.5)
            self.assertEqual(len(self.files()), 1)  # kept through the outage
            c2 = self.coordinator(port=c.port)
            deadline = time.time() + 20
            while len(c2.received()) < 1 and time.time() < deadline:
                time.sleep(0.05)
        finally:
            p.send_signal(signal.SIGINT)
            _, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("cannot reach", err)
        self.assertEqual([b["interaction_id"] for b in c.received() + c2.received()],
                         ["r", "during-outage"])
        self.assertEqual(self.files(), [])

    def test_sigterm_finishes_the_request_in_flight(self):
        c = self.coordinator()
        c.control(hold=True)  # the POST waits until released
        p = subprocess.Popen([BIN, "flush", "--follow"], env=self.env, cwd=self.cwd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            wait_until_it_catches(p, signal.SIGTERM)
            self.ok("start", "--id", "in-flight")
            wait_until(lambda: c.stats()["requests"] >= 1, "the POST")
            p.send_signal(signal.SIGTERM)  # the request is on the wire now
            time.sleep(0.2)
            self.assertIsNone(p.poll())  # it waits for the answer
        finally:
            c.control(hold=False)
            _, err = p.communicate(timeout=15)
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual([b["interaction_id"] for b in c.received()], ["in-flight"])
        self.assertEqual(self.files(), [])  # and recorded it: no resend later

    def test_splay_sleeps_at_most_n_seconds(self):
        # -vv says which sleep the splay chose: no timing, and an ignored
        # --splay (no line) or one not bounded by N fails.
        self.coordinator()
        self.ok("start", "--id", "s")
        r = self.ok("flush", "-vv", "--splay", "0.5")
        m = re.search(r"splay: sleeping ([0-9.]+) s of at most 0.5 s", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        self.assertLessEqual(float(m.group(1)), 0.5)
        self.assertEqual(self.files(), [])
        self.assertNotIn("splay", self.ok("flush", "-vv").stderr)


class ReadmeTourTest(Case):
    """The README's tour, pasted line by line into a fresh shell, works and
    says what it claims (the coordinator on a free port instead of 8080)."""

    def tour_lines(self):
        with open(os.path.join(SOURCE, "README.md")) as f:
            text = f.read()
        tour = text[text.index("## A 30-second tour"):]
        block = tour[tour.index("```sh\n") + 6:]
        return block[:block.index("```")].splitlines()

    def test_the_readme_tour_works_pasted_into_a_fresh_shell(self):
        port = free_port()
        build = os.path.dirname(os.path.abspath(BIN))
        lines = self.tour_lines()
        script = ["set -e"]
        for line in lines:
            self.assertNotRegex(line, r"\./\w+\.sh\b(?!.*scripts/)", "a script that does not exist")
            if "dev-coordinator.py &" in line:
                line = line.replace("dev-coordinator.py &", "dev-coordinator.py --port %d &" % port)
                # A person pasting is slower than bash: wait until it listens.
                line += ("\nfor i in $(seq 200); do (echo > /dev/tcp/127.0.0.1/%d) 2>/dev/null "
                         "&& break; sleep 0.05; done" % port)
            script.append(line.replace("127.0.0.1:8080", "127.0.0.1:%d" % port)
                          .replace("$PWD/build", build))
        self.assertTrue(any("dev-coordinator.py --port" in l for l in script), "no coordinator")
        env = {"PATH": "/usr/bin:/bin", "HOME": self.home, "LC_ALL": "C"}
        p = subprocess.Popen(["bash", "-c", "\n".join(script)], cwd=SOURCE, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
        try:
            out, err = p.communicate(timeout=120)
        finally:
            try:
                os.killpg(p.pid, signal.SIGTERM)  # the coordinator, if the tour stopped early
            except ProcessLookupError:
                pass
        r = subprocess.CompletedProcess(p.args, p.returncode, out, err)
        self.assertEqual(r.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))
        # The comments' claims hold.
        [flush_line] = [l for l in lines if l.startswith("mcp-report flush -v")]
        claim = flush_line.split("# ", 1)[1]
        claimed = claim[:claim.index(" in ")]
        self.assertIn(claimed, r.stderr + r.stdout)
        [status_line] = [l for l in lines if l.startswith("mcp-report status")]
        queued = re.search(r"(\d+) queued", status_line).group(1)
        self.assertIn("queued:       %s " % queued, r.stdout)
        self.assertNotIn("Traceback", r.stderr)


class DevCoordinatorTest(Case):
    """The development coordinator the README tour starts: its help names
    the faults and /_control, a busy port is one line, a typo in /_control
    is refused."""

    def test_help_busy_port_and_unknown_control_keys(self):
        script = os.path.join(SOURCE, "scripts", "dev-coordinator.py")
        out = subprocess.run([script, "--help"], capture_output=True, text=True).stdout
        for word in ("/_control", "--fail-first N", "fail_first", "script", "--slow S"):
            self.assertIn(word, out)
        c = self.coordinator()
        port = int(c.url.rsplit(":", 1)[1])
        r = subprocess.run([script, "--port", str(port)], capture_output=True, text=True,
                           timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertIn("cannot listen on 127.0.0.1:%d" % port, r.stderr)
        import urllib.error
        import urllib.request
        req = urllib.request.Request(c.url + "/_control", data=b'{"fail_frist": 3}', method="POST")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(e.exception.code, 400)
        self.assertIn(b"fail_frist", e.exception.read())
        c.control(fail_first=1)  # known names still work
