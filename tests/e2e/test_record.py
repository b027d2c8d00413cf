"""Recording commands through the real binary: DATA syntax, ids, exit
statuses, disabled mode, the spool's files and their modes."""
import json
import os
import re
import shutil
import stat
import subprocess
import time
import unittest

from harness import BIN, Case


class RecordTest(Case):
    def test_start_prints_generated_id_and_spools_exact_body(self):
        before = time.time()
        r = self.ok("start", "user_id=u1", "n:=12", 'params:={"q": "x", "deep": [1, 2.50]}',
                    "uni=é")
        after = time.time()
        iid = r.stdout.strip()
        self.assertRegex(iid, r"^int_\d{10}_[0-9a-f]{8}$")
        # The id's second and the timestamp fall within the command's run,
        # however long the machine's load made it.
        self.assertTrue(int(before) <= int(iid.split("_")[1]) <= after, (before, iid, after))
        [name] = self.files()
        with open(os.path.join(self.spool, "queue", name)) as f:
            raw = f.read()
        body = json.loads(raw)
        self.assertEqual(list(body), ["action", "interaction_id", "mcp_id", "timestamp",
                                      "request_data"])
        self.assertEqual(body["action"], "interaction_start")
        self.assertEqual(body["interaction_id"], iid)
        self.assertEqual(body["mcp_id"], "test_mcp")
        self.assertIsInstance(body["timestamp"], float)
        self.assertTrue(before - 0.001 <= body["timestamp"] <= after + 0.001,
                        (before, body["timestamp"], after))
        self.assertEqual(body["request_data"],
                         {"user_id": "u1", "n": 12, "params": {"q": "x", "deep": [1, 2.5]},
                          "uni": "é"})
        # Python's json.dumps() formatting, as the old reporter sent it.
        self.assertEqual(raw, json.dumps(body).replace("2.5]", "2.50]"))
        self.assertIn(iid, name)

    def test_each_action_uses_its_data_member(self):
        for cmd, action, member in [("progress", "interaction_progress", "progress_data"),
                                    ("complete", "interaction_complete", "result_data"),
                                    ("error", "interaction_error", "error_data")]:
            self.ok(cmd, "job-1", "k=v")
        bodies = self.bodies()
        self.assertEqual([b["action"] for b in bodies],
                         ["interaction_progress", "interaction_complete", "interaction_error"])
        for b, member in zip(bodies, ["progress_data", "result_data", "error_data"]):
            self.assertEqual(b[member], {"k": "v"})
            self.assertEqual(b["interaction_id"], "job-1")

    def test_field_syntax_edge_cases(self):
        self.ok("start", "--id", "x", "a=b=c", "e=", "u:=null", "s=:=", "z:=-1.5e3")
        self.assertEqual(self.bodies()[0]["request_data"],
                         {"a": "b=c", "e": "", "u": None, "s": ":=", "z": -1500.0})

    def test_data_object_then_fields_override(self):
        self.ok("start", "--id", "x", "--data", '{"a": 1, "b": 2}', "b=two", "c:=3")
        self.assertEqual(self.bodies()[0]["request_data"], {"a": 1, "b": "two", "c": 3})

    def test_data_from_file_and_stdin(self):
        path = os.path.join(self.dir, "req.json")
        with open(path, "w") as f:
            f.write('{"from": "file"}')
        self.ok("start", "--id", "f", "--data", "@" + path)
        self.ok("progress", "f", "--data", "-", input='{"from": "stdin"}')
        self.assertEqual([b.get("request_data", b.get("progress_data")) for b in self.bodies()],
                         [{"from": "file"}, {"from": "stdin"}])

    def test_no_data_gives_empty_object(self):
        self.ok("complete", "x")
        self.assertEqual(self.bodies()[0]["result_data"], {})

    def test_bad_data_is_exit_65_with_nothing_written(self):
        cases = [["start", "novalue"], ["start", "=v"], ["start", "a:="], ["start", ":=1"],
                 ["start", "a:={bad"], ["start", "--data", "[1,2]"], ["start", "--data", "{"],
                 ["start", "--id", "../etc"], ["start", "--id", "a/b"], ["start", "--id", "x" * 129],
                 ["start", "--id", ""], ["progress", "has space"], ["complete", "é"]]
        for args in cases:
            with self.subTest(args=args):
                r = self.fails(65, *args)
                self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertEqual(self.files(), [])
        self.assertEqual(self.files("tmp"), [])

    def test_error_line_names_the_argument(self):
        r = self.fails(65, "start", "ok=1", "broken")
        self.assertIn("'broken'", r.stderr)
        r = self.fails(65, "start", "--id", "a/b")
        self.assertIn("a/b", r.stderr)

    def test_missing_data_file_is_66(self):
        self.fails(66, "start", "--data", "@/nonexistent/file.json")

    def test_oversized_event_is_65(self):
        cfg = self.write_config("[interaction_logging]\nmax_event_kb = 1\n")
        self.fails(65, "-c", cfg, "start", "big=" + "x" * 2000)
        self.assertEqual(self.files(), [])
        self.ok("-c", cfg, "start", "small=" + "x" * 500)

    def test_id_validation_accepts_the_whole_charset(self):
        self.ok("start", "--id", "A-z_0.9:x")
        self.ok("start", "--id", "y" * 128)

    def test_missing_mcp_id_is_78(self):
        r = self.fails(78, "start", env={"MCP_REPORT_MCP_ID": None})
        self.assertIn("mcp_id", r.stderr)
        self.assertIn("MCP_REPORT_MCP_ID", r.stderr)

    def test_usage_errors_are_64(self):
        self.fails(64, "start", "--nope")
        self.fails(64, "progress")
        self.fails(64, "no-such-command")
        self.assertEqual(self.run_cli().returncode, 64)

    def test_global_options_before_or_after_the_command(self):
        other = os.path.join(self.dir, "other-spool")
        self.ok("--spool", other, "--mcp-id", "m9", "start", "--id", "a")
        self.ok("start", "--id", "b", "--spool", other, "--mcp-id", "m9")
        self.assertEqual(len(os.listdir(os.path.join(other, "queue"))), 2)

    def test_disabled_mode_writes_nothing_and_start_still_prints_an_id(self):
        r = self.ok("start", "a=1", env={"MCP_REPORT_ENABLED": "false"})
        self.assertRegex(r.stdout.strip(), r"^int_\d+_[0-9a-f]{8}$")
        self.ok("complete", "x", env={"MCP_REPORT_ENABLED": "0", "MCP_REPORT_MCP_ID": None})
        self.assertEqual(self.files(), [])

    def test_modes_are_0600_and_0700_whatever_the_umask(self):
        def with_umask(mask):
            def preexec():
                os.umask(mask)
            return preexec
        for mask in (0o000, 0o277):
            env = dict(self.env, MCP_REPORT_SPOOL_DIR=os.path.join(self.dir, "s%o" % mask))
            subprocess.run([BIN, "start", "--id", "m"], env=env, cwd=self.cwd, check=True,
                           capture_output=True, preexec_fn=with_umask(mask))
            root = env["MCP_REPORT_SPOOL_DIR"]
            for d in ["", "queue", "tmp", "dead", "corrupt"]:
                self.assertEqual(stat.S_IMODE(os.stat(os.path.join(root, d)).st_mode), 0o700, d)
            [f] = os.listdir(os.path.join(root, "queue"))
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(root, "queue", f)).st_mode), 0o600)

    @unittest.skipUnless(os.geteuid() == 0, "needs root to chown")
    def test_spool_owned_by_another_user_is_refused(self):
        os.makedirs(self.spool)
        os.chown(self.spool, 65534, 65534)
        r = self.fails(73, "start", "a=1")
        self.assertIn("owned by", r.stderr)

    def test_spool_that_is_a_symlink_is_refused(self):
        real = os.path.join(self.dir, "real")
        os.makedirs(real)
        os.symlink(real, self.spool)
        r = self.fails(73, "start", "a=1")
        self.assertIn("a symbolic link", r.stderr)
        self.assertEqual(os.listdir(real), [])

    def test_a_folder_of_other_files_is_not_made_into_a_spool(self):
        other = os.path.join(self.dir, "a-home")
        os.makedirs(os.path.join(other, "tmp"))  # a tmp/ of its own, but not a spool
        with open(os.path.join(other, "notes.txt"), "w") as f:
            f.write("mine")
        for command in (["start", "a=1"], ["cleanup"]):
            with self.subTest(command=command):
                r = self.fails(73, *command, env={"MCP_REPORT_SPOOL_DIR": other})
                self.assertIn("not a spool", r.stderr)
        self.assertEqual(sorted(os.listdir(other)), ["notes.txt", "tmp"])
        # An empty folder is fine: that is how a spool is usually prepared.
        empty = os.path.join(self.dir, "empty")
        os.makedirs(empty)
        self.ok("start", "a=1", env={"MCP_REPORT_SPOOL_DIR": empty})
        self.assertEqual(len(os.listdir(os.path.join(empty, "queue"))), 1)

    def test_a_file_where_the_spool_should_be_is_named_as_such(self):
        path = os.path.join(self.dir, "file")
        with open(path, "w"):
            pass
        for spool, why in ((path, "spool %s: not a directory" % path),
                           (os.path.join(path, "x"), "a part of the path is not a directory")):
            for command in ("start", "status"):
                r = self.fails(73, command, env={"MCP_REPORT_SPOOL_DIR": spool})
                self.assertIn(why, r.stderr)
                self.assertNotIn("symlink", r.stderr)
            # A command that writes into the spool refuses it before it reads
            # its input, whatever the input holds: nothing, or only bad lines.
            for given in ("", "\n", "not json\n"):
                with self.subTest(spool=spool, input=given):
                    r = self.fails(73, "import", "-", input=given,
                                   env={"MCP_REPORT_SPOOL_DIR": spool})
                    self.assertIn(why, r.stderr)
                    self.assertNotIn("invalid JSON", r.stderr)

    def test_unwritable_spool_is_73(self):
        os.makedirs(self.spool)
        with open(os.path.join(self.dir, "file"), "w"):
            pass
        r = self.fails(73, "start", "a=1", env={"MCP_REPORT_SPOOL_DIR": os.path.join(self.dir, "file", "x")})

    def test_min_free_mb_refuses_with_73(self):
        cfg = self.write_config("[interaction_logging]\nmin_free_mb = 999999999\n")
        r = self.fails(73, "-c", cfg, "start", "a=1")
        self.assertIn("min_free_mb", r.stderr)
        self.assertEqual(self.files(), [])
        self.assertEqual(self.files("tmp"), [])

    def test_sync_false_still_writes_whole_events(self):
        cfg = self.write_config("[interaction_logging]\nsync = false\n")
        self.ok("-c", cfg, "start", "--id", "s", "a:=1")
        self.assertEqual(self.bodies()[0]["request_data"], {"a": 1})

    def test_names_sort_by_time_and_carry_the_event_id(self):
        for i in range(5):
            self.ok("progress", "job", "i:=%d" % i)
        names = self.files()
        self.assertEqual([b["progress_data"]["i"] for b in self.bodies()], list(range(5)))
        for n in names:
            self.assertRegex(n, r"^\d{16}-[0-9a-f]{12}\.p\.job$")

    def test_concurrent_writers_never_collide(self):
        # 100 events each (MCPR_CONCURRENT_WRITES; MCP_REPORT_LONG=1: 500):
        # 400 recordings racing for names, in a file test_hermetic runs again.
        long_run = os.environ.get("MCP_REPORT_LONG") == "1"
        per_proc = int(os.environ.get("MCPR_CONCURRENT_WRITES", "500" if long_run else "100"))
        n_procs = 4
        script = ("for i in $(seq %d); do \"$BIN\" progress \"w$W\" i:=$i || exit 1; done"
                  % per_proc)
        procs = [subprocess.Popen(["bash", "-c", script], env=dict(self.env, BIN=BIN, W=str(w)),
                                  cwd=self.cwd) for w in range(n_procs)]
        for p in procs:
            self.assertEqual(p.wait(timeout=600), 0)
        names = self.files()
        self.assertEqual(len(names), n_procs * per_proc)
        self.assertEqual(len(set(n.split(".")[0] for n in names)), n_procs * per_proc)
        by_writer = {}
        for b in self.bodies():
            by_writer.setdefault(b["interaction_id"], []).append(b["progress_data"]["i"])
        for w, seq in by_writer.items():
            self.assertEqual(seq, list(range(1, per_proc + 1)), w)
        self.assertEqual(self.files("tmp"), [])

    def test_help_of_every_command_has_an_example(self):
        for cmd in ["start", "progress", "complete", "error", "flush", "health", "validate-key",
                    "status", "list", "show", "requeue", "delete", "cleanup", "config"]:
            with self.subTest(cmd=cmd):
                r = self.ok(cmd, "--help")
                self.assertIn("mcp-report " + cmd.split()[0], r.stdout)
                self.assertRegex(r.stdout, r"Examples?:")

    def test_version(self):
        self.assertRegex(self.ok("--version").stdout, r"^mcp-report \d+\.\d+\.\d+")

    def test_recording_never_loads_libcurl(self):
        r = self.ok("start", "a=1", env={"LD_DEBUG": "libs"})
        self.assertNotIn("libcurl", r.stderr)
        if "libc.so" not in r.stderr:
            # The static front: no dynamic loader, no shared library at all.
            with open(BIN, "rb") as f:
                elf = f.read(1 << 16)
            self.assertNotIn(b"ld-linux", elf, "dynamic, yet ld.so said nothing")

    def test_a_failed_start_still_prints_the_id(self):
        for args, env, code in [(("bad:=nojson",), {}, 65),
                                (("a=1",), {"MCP_REPORT_MCP_ID": None}, 78)]:
            r = self.run_cli("start", *args, env=env)
            self.assertEqual(r.returncode, code, r.stderr)
            self.assertRegex(r.stdout, r"^int_\d+_[0-9a-f]{8}\n$")
        self.assertEqual(self.files(), [])

    def test_error_lines_escape_control_characters(self):
        r = self.run_cli("start", "--id", "evil\nmcp-report: all good\x1b[31m")
        self.assertEqual(r.returncode, 65)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertNotIn("\x1b", r.stderr)
        self.assertIn("evil\\nmcp-report: all good\\x1b[31m", r.stderr)
        r = self.run_cli("import", "no\rsuch\x07file")
        self.assertNotIn("\r", r.stderr)
        self.assertNotIn("\x07", r.stderr)

    def test_empty_or_truncated_data_and_directories_are_refused(self):
        self.assertEqual(self.run_cli("start", "--data", "").returncode, 65)
        self.assertEqual(self.run_cli("run", "--data", "", "--", "true").returncode, 65)
        path = os.path.join(self.dir, "nul.json")
        with open(path, "wb") as f:
            f.write(b'{"a":1}\0garbage')
        r = self.run_cli("start", "--data", "@" + path)
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn("NUL", r.stderr)
        r = self.run_cli("start", "--data", "@" + self.dir)
        self.assertEqual(r.returncode, 66, r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertIn("is a directory", r.stderr)
        self.assertEqual(self.files(), [])

CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class TraceContextTest(Case):
    """Recording commands and the caller's W3C trace context (man page
    OPENTELEMETRY SINK): TRACEPARENT/TRACESTATE in, a traceparent out, which
    names our span when the OTLP sink will export it."""

    def setUp(self):
        super().setUp()
        self.env["MCP_REPORT_SINK"] = "otlp"

    def test_the_environments_context_joins_the_start_only(self):
        env = {"TRACEPARENT": CALLER, "TRACESTATE": "rojo=00f067aa0ba902b7"}
        iid = self.ok("start", "request_type=search", env=env).stdout.strip()
        self.ok("progress", iid, "step=1", env=env)
        self.ok("complete", iid, env=env)
        start, progress, complete = self.bodies()
        self.assertEqual(start["request_data"], {"request_type": "search", "traceparent": CALLER,
                                                 "tracestate": "rojo=00f067aa0ba902b7"})
        self.assertEqual(progress["progress_data"], {"step": "1"})
        self.assertEqual(complete["result_data"], {})
        # The members follow the DATA, in the old reporter's formatting.
        with open(os.path.join(self.spool, "queue", sorted(self.files())[0])) as f:
            self.assertTrue(f.read().endswith(
                '"request_data": {"request_type": "search", "traceparent": "%s", '
                '"tracestate": "rojo=00f067aa0ba902b7"}}' % CALLER))

    def test_the_datas_own_context_wins(self):
        mine = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        self.ok("start", "traceparent=" + mine, env={"TRACEPARENT": CALLER,
                                                     "TRACESTATE": "rojo=1"})
        (start,) = self.bodies()
        self.assertEqual(start["request_data"], {"traceparent": mine})

    def test_a_bad_context_is_ignored_with_a_warning_never_fatal(self):
        cases = (({"TRACEPARENT": "00-XYZ"}, {}, "TRACEPARENT"),
                 ({"TRACEPARENT": CALLER.upper()}, {}, "TRACEPARENT"),
                 ({"TRACEPARENT": CALLER, "TRACESTATE": "Bad Key=1"}, {"traceparent": CALLER},
                  "TRACESTATE"),
                 ({"TRACESTATE": "rojo=1"}, {}, None))  # a tracestate alone means nothing
        for env, kept, warned in cases:
            with self.subTest(env=env):
                shutil.rmtree(self.spool, ignore_errors=True)
                r = self.ok("start", env=env)
                (start,) = self.bodies()
                self.assertEqual(start["request_data"], kept)
                if warned:
                    self.assertRegex(r.stderr, r"^mcp-report: warning: %s: .* \(ignored: not a "
                                               r"W3C \w+\)\n$" % warned)
                else:
                    self.assertEqual(r.stderr, "")
                self.assertEqual(self.ok("-q", "start", env=env).stderr, "")

    def test_print_traceparent_is_one_line_for_read_and_set(self):
        r = self.ok("start", "--id", "job-1", "--print-traceparent")
        iid, traceparent = r.stdout.split()
        self.assertEqual(r.stdout.count("\n"), 1)
        self.assertEqual(iid, "job-1")
        self.assertRegex(traceparent, r"^00-[0-9a-f]{32}-[0-9a-f]{16}-01$")
        # With a caller, the trace is the caller's and the span is ours.
        r = self.ok("start", "--id", "job-2", "--print-traceparent", env={"TRACEPARENT": CALLER})
        self.assertRegex(r.stdout, r"^job-2 00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01\n$")
        self.assertNotIn("00f067aa0ba902b7", r.stdout)
        # The same id again is another interaction: another span, in the
        # caller's trace.
        again = self.ok("start", "--id", "job-2", "--print-traceparent",
                        env={"TRACEPARENT": CALLER}).stdout
        self.assertNotEqual(again, r.stdout)
        self.assertEqual(again[:42], r.stdout[:42])
        # A shell wrapper reads both; a failed recording still prints both.
        script = ('read -r id tp <<EOF\n$("$0" start --print-traceparent)\nEOF\n'
                  'echo "id=$id tp=$tp"')
        out = subprocess.run(["sh", "-c", script, BIN], capture_output=True, text=True,
                             env=self.env, timeout=30).stdout
        self.assertRegex(out, r"^id=int_\d+_[0-9a-f]{8} tp=00-[0-9a-f]{32}-[0-9a-f]{16}-01\n$")
        r = self.run_cli("start", "--print-traceparent", env={"MCP_REPORT_MCP_ID": None})
        self.assertEqual(r.returncode, 78)
        self.assertRegex(r.stdout, r"^int_\d+_[0-9a-f]{8}\n$")  # nothing recorded: no span

    def test_a_span_never_exported_is_no_parent_the_callers_context_goes_on(self):
        # The coordinator sink, logging off, an OTLP sink without traces: no
        # span of ours reaches a tracing backend, so a child naming one as
        # its parent would hang from nothing.
        logs_only = self.write_config('[interaction_logging]\nsink = "otlp"\n'
                                      'otlp_signals = ["logs"]\n', "logs.toml")
        show = 'echo "${TRACEPARENT-unset}|${TRACESTATE-unset}"'
        for what, extra in (("coordinator sink", {"MCP_REPORT_SINK": "coordinator"}),
                            ("logging off", {"MCP_REPORT_ENABLED": "false"}),
                            ("logs only", {"MCP_REPORT_SINK": None,
                                           "MCP_REPORT_CONFIG": logs_only})):
            with self.subTest(what):
                env = dict(extra, TRACEPARENT=CALLER, TRACESTATE="rojo=1")
                r = self.ok("run", "--id", "w", "--", "sh", "-c", show, env=env)
                self.assertEqual(r.stdout, CALLER + "|rojo=1\n")
                r = self.ok("start", "--id", "s", "--print-traceparent", env=env)
                self.assertEqual(r.stdout, "s " + CALLER + "\n")
                # No caller: nothing to hand on, and the line is the id alone.
                env = dict(extra, TRACEPARENT=None, TRACESTATE=None)
                self.assertEqual(self.ok("run", "--", "sh", "-c", show, env=env).stdout,
                                 "unset|unset\n")
                self.assertEqual(self.ok("start", "--id", "s2", "--print-traceparent",
                                         env=env).stdout, "s2\n")
        # Nothing recorded (no mcp_id: exit 78) is no span either.
        r = self.run_cli("start", "--print-traceparent",
                         env={"MCP_REPORT_MCP_ID": None, "TRACEPARENT": CALLER})
        self.assertEqual(r.returncode, 78)
        self.assertRegex(r.stdout, r"^int_\d+_[0-9a-f]{8} %s\n$" % CALLER)
        r = self.run_cli("run", "--", "sh", "-c", show,
                         env={"MCP_REPORT_MCP_ID": None, "TRACEPARENT": CALLER})
        self.assertIn(CALLER + "|unset\n", r.stdout)

    def test_run_gives_its_command_a_traceparent_naming_its_span(self):
        r = self.ok("run", "--id", "outer", "--", "sh", "-c",
                    'echo "$TRACEPARENT|${TRACESTATE-unset}"',
                    env={"TRACEPARENT": CALLER, "TRACESTATE": "rojo=1"})
        traceparent, tracestate = r.stdout.strip().split("|")
        self.assertRegex(traceparent, r"^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$")
        self.assertEqual(tracestate, "rojo=1")
        again = self.ok("start", "--id", "outer", "--print-traceparent",
                        env={"TRACEPARENT": CALLER}).stdout.split()[1]
        self.assertEqual(again[:36], traceparent[:36])  # the caller's trace, another span
        self.assertNotEqual(again, traceparent)
        start = self.bodies()[0]
        self.assertEqual(start["request_data"], {"traceparent": CALLER, "tracestate": "rojo=1"})
        # Without a caller, run's span is the root of a trace of its own.
        r = self.ok("run", "--", "sh", "-c", 'echo "$TRACEPARENT"')
        self.assertRegex(r.stdout, r"^00-[0-9a-f]{32}-[0-9a-f]{16}-01\n$")

