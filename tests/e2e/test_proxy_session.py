"""The stdio proxy's session end through the real binary: a signal after
the server exited, what the spool writer could not write by then, and the
counts that say so (man page PROXY, "The end of a session")."""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

from harness import BIN, SOURCE, Case

NPM = os.environ.get("MCPR_NPM_DIR") or os.path.join(SOURCE, ".cache", "npm-mcp")
EVERYTHING = os.path.join(NPM, "node_modules", "@modelcontextprotocol", "server-everything",
                          "dist", "index.js")

# Answers every tools/call at once (its result is its params) and exits at EOF.
ANSWERING = ("import sys\nout = sys.stdout.buffer\nfor line in sys.stdin.buffer:\n"
             "    out.write(line.replace(b'\"method\":\"tools/call\",\"params\":', b'\"result\":'))\n"
             "    out.flush()\n")


def calls(n):
    return b"".join(b'{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo",'
                    b'"arguments":{"i":%d}}}\n' % (i, i) for i in range(1, n + 1))


class ProxySessionEndTest(Case):
    def counts(self):
        status = json.loads(self.ok("status", "--json").stdout)
        return status["proxy_dropped"], status["proxy_unseen_messages"]

    def test_a_signal_after_the_server_exited_ends_the_drain_not_the_proxy(self):
        # The client's stdout ends when the server's does: the proxy is then
        # finishing its queue (or done). A signal there must not kill it: the
        # exit status stays the server's, and every event is either in the
        # queue or counted as dropped, with the reason.
        n = 2000
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGUSR1):
            with self.subTest(signal=sig.name):
                for name in os.listdir(os.path.join(self.spool, "queue")) \
                        if os.path.isdir(os.path.join(self.spool, "queue")) else []:
                    os.unlink(os.path.join(self.spool, "queue", name))
                before = self.counts() if os.path.isdir(self.spool) else (0, 0)
                proc = subprocess.Popen([BIN, "proxy", "--", sys.executable, "-c", ANSWERING],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=self.env, cwd=self.cwd)
                proc.stdin.write(calls(n))
                proc.stdin.close()
                answers = proc.stdout.read()  # to EOF: the server has exited
                proc.send_signal(sig)
                err = proc.stderr.read()
                self.assertEqual(proc.wait(60), 0, err)
                proc.stdout.close()
                proc.stderr.close()
                self.assertEqual(answers.count(b"\n"), n)
                dropped, unseen = (a - b for a, b in zip(self.counts(), before))
                recorded = len(self.files())
                if unseen == 0:
                    # Nothing is unaccounted for. The run the writer was in
                    # when the signal cut the wait is counted as dropped,
                    # though some of it may still reach the queue (man page):
                    # at most one run (256 events) is counted twice.
                    self.assertGreaterEqual(recorded + dropped, 2 * n, err)
                    self.assertLessEqual(recorded + dropped, 2 * n + 256, err)
                if dropped or unseen:
                    self.assertIn(b"events not recorded", err)
                    self.assertIn(b"after the server exited", err)
                    self.assertNotIn(b"queue full", err)

    def test_a_clients_last_line_without_newline_is_a_call_the_typescript_sdk_refuses(self):
        # A shell client's `printf '%s\n%s'`: its last request has no
        # newline. A Python server (the Python SDK's readline(), or `for line
        # in sys.stdin`) reads it at EOF, runs it and answers; the TypeScript
        # SDK's server waits for a newline that never comes. So the call is
        # recorded, its start marked "refused_by": "typescript", and it ends
        # as its server says: answered by the Python server; still open,
        # ClientClosed, when the reference server exits at the input's end.
        init = (b'{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":'
                b'"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}\n')
        last = (b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo",'
                b'"arguments":{"message":"hi"}}}')
        for name, server, answered in (
                ("python", [sys.executable, os.path.join(SOURCE, "tests", "proxy",
                                                         "fake_server.py")], True),
                ("typescript", ["node", EVERYTHING, "stdio"], False)):
            with self.subTest(server=name):
                before = len(self.bodies()) if os.path.isdir(self.spool) else 0
                p = subprocess.run([BIN, "proxy", "--", *server], input=init + last,
                                   capture_output=True, env=self.env, cwd=self.cwd, timeout=60)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertEqual(b'"id":1,' in p.stdout, answered, p.stdout)
                start, end = self.bodies()[before:]
                self.assertEqual(start["request_data"]["gen_ai.tool.name"], "echo")
                self.assertEqual(start["request_data"]["refused_by"], "typescript")
                if answered:
                    self.assertEqual(end["action"], "interaction_complete")
                    self.assertIs(end["result_data"]["success"], True)
                else:
                    self.assertEqual(end["error_data"]["error_type"], "ClientClosed")
                    self.assertGreaterEqual(end["error_data"]["processing_time"], 0)
                self.assertEqual(self.counts()[1], 0)

    def test_a_servers_last_line_without_newline_is_counted_not_recorded(self):
        # Neither SDK's client reads a line before its newline (the Python
        # SDK's keeps what follows the last one and drops it at EOF): this
        # server's answer to call 2 reaches no SDK client, so it ends no
        # call; it is counted as a line not looked at. Call 2 itself, the
        # client's last line without a newline, is read by this Python
        # server, so it is a call, left open when the session ends.
        last = b'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{}}}'
        p = subprocess.run([BIN, "proxy", "--", sys.executable, "-c", ANSWERING],
                           input=calls(1) + last, capture_output=True, env=self.env,
                           cwd=self.cwd, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.endswith(b'"id":2,"result":{"name":"echo","arguments":{}}}'))
        by_call = {}
        for b in self.bodies():
            by_call.setdefault(b["interaction_id"], []).append(b)
        [first, second] = sorted(by_call.values(),
                                 key=lambda c: c[0]["request_data"]["jsonrpc.request.id"])
        self.assertEqual([b["action"] for b in first + second],
                         ["interaction_start", "interaction_complete", "interaction_start",
                          "interaction_error"])
        self.assertEqual(second[1]["error_data"]["error_type"], "ClientClosed")
        self.assertEqual(self.counts(), (0, 1))

    def test_a_long_request_the_server_dies_of_is_recorded_by_its_start(self):
        # The server reads 4 MiB of an 11 MiB request and exits (an SDK
        # server gives up at 10 MiB): the request was forwarded in part and
        # ended the server. It is a line not looked at whole (counted) and,
        # with its method at its start, a call that ended ServerExited, its
        # id recorded when its start shows it (Python's SDK writes it first;
        # the TypeScript SDK last, after the arguments).
        dying = "import sys\nsys.stdin.buffer.read(4 << 20)\nsys.exit(3)\n"
        blob = b"x" * (11 << 20)
        for line, rid, unseen in (
                (b'{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo",'
                 b'"arguments":{"m":"' + blob + b'"}}}\n', 7, 1),
                (b'{"method":"tools/call","params":{"name":"echo","arguments":{"m":"' + blob +
                 b'"}},"jsonrpc":"2.0","id":8}\n', None, 2)):
            with self.subTest(id=rid):
                before = len(self.bodies())
                p = subprocess.run([BIN, "proxy", "--", sys.executable, "-c", dying],
                                   input=line, capture_output=True, env=self.env, cwd=self.cwd,
                                   timeout=120)
                self.assertEqual(p.returncode, 3, p.stderr)
                bodies = self.bodies()[before:]
                self.assertEqual([b["action"] for b in bodies],
                                 ["interaction_start", "interaction_error"])
                self.assertEqual(bodies[0]["request_data"]["gen_ai.tool.name"], "echo")
                self.assertEqual(bodies[0]["request_data"].get("jsonrpc.request.id"), rid)
                self.assertIs(bodies[0]["request_data"]["parsed"], False)
                self.assertEqual(bodies[1]["error_data"]["error_type"], "ServerExited")
                self.assertEqual(self.counts()[1], unseen)

    def test_a_long_request_that_kills_an_sdk_server_is_a_call_that_ended_serverexited(self):
        # The reference server (TypeScript SDK) fails on a line of 10 MiB
        # and exits 0; the client's 11 MiB call, in the TypeScript SDK's key
        # order (its id last), is recorded all the same.
        init = (b'{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":'
                b'"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}\n')
        big = (b'{"method":"tools/call","params":{"name":"echo","arguments":{"message":"' +
               b"x" * (11 << 20) + b'"}},"jsonrpc":"2.0","id":1}\n')
        proc = subprocess.Popen([BIN, "proxy", "--", "node", EVERYTHING, "stdio"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.env, cwd=self.cwd)
        proc.stdin.write(init)
        proc.stdin.flush()
        line = b""
        while b'"id":0' not in line:  # initialized: the server reads
            line = proc.stdout.readline()
            self.assertTrue(line, "the server ended before its answer to initialize")
        try:
            proc.stdin.write(big)
            proc.stdin.close()
        except BrokenPipeError:
            pass
        proc.stdout.read()
        err = proc.stderr.read()
        self.assertEqual(proc.wait(60), 0, err)
        proc.stdout.close()
        proc.stderr.close()
        [start, end] = self.bodies()
        self.assertEqual((start["request_data"]["mcp.method.name"],
                          start["request_data"]["gen_ai.tool.name"]), ("tools/call", "echo"))
        self.assertEqual(end["error_data"]["error_type"], "ServerExited")

    def test_a_call_the_client_left_ends_when_it_closed_its_input(self):
        # The server answers nothing and, at its input's end, says so on
        # stderr and waits for the SIGTERM an SDK client sends seconds later.
        # The open call is ClientClosed, and its processing_time ends when
        # the client closed its input, before the test even sends SIGTERM.
        silent = ("import sys, time\nfor line in sys.stdin.buffer: pass\n"
                  "sys.stderr.write('eof\\n'); sys.stderr.flush()\ntime.sleep(600)\n")
        proc = subprocess.Popen([BIN, "proxy", "--", sys.executable, "-c", silent],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.env, cwd=self.cwd)
        proc.stdin.write(calls(1))
        proc.stdin.close()
        self.assertEqual(proc.stderr.readline(), b"eof\n")
        before_sigterm = time.time()
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(60), 128 + signal.SIGTERM)
        proc.stdout.close()
        proc.stderr.close()
        start, end = self.bodies()
        self.assertEqual(end["error_data"]["error_type"], "ClientClosed")
        ended = start["timestamp"] + end["error_data"]["processing_time"]
        self.assertLess(ended, before_sigterm)


class ProxyFrontDoorTest(Case):
    def test_capture_empty_is_a_usage_error_and_repeated_lists_combine(self):
        p = self.fails(64, "proxy", "--capture", "", "--", sys.executable, "-c", ANSWERING)
        self.assertRegex(p.stderr, r"^mcp-report: [^\n]*--capture[^\n]*: an empty value\n")
        p = self.run_cli("proxy", "--capture", "arguments", "--capture", "results", "--",
                         sys.executable, "-c", ANSWERING, input=calls(1).decode())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        by_action = {b["action"]: b for b in self.bodies()}
        self.assertEqual(by_action["interaction_start"]["request_data"]["parameters"], {"i": 1})
        self.assertIn("result", by_action["interaction_complete"]["result_data"])

    def test_methods_repeated_lists_combine(self):
        p = self.run_cli("proxy", "--methods", "prompts/get", "--methods", "tools/call", "--",
                         sys.executable, "-c", ANSWERING, input=calls(1).decode())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        self.assertEqual(len(self.bodies()), 2)

    def test_an_option_given_twice_is_one_clear_line(self):
        for argv in (["--spool", "a", "--spool", "b", "status"],
                     ["proxy", "--listen", "127.0.0.1:1", "--listen", "127.0.0.1:2",
                      "--upstream", "http://127.0.0.1:3/"],
                     ["start", "--id", "a", "--id", "b"]):
            with self.subTest(argv=argv):
                p = self.fails(64, *argv)
                option = argv[0] if argv[0].startswith("-") else argv[1]
                self.assertRegex(p.stderr, "^mcp-report: usage: %s: given 2 times, "
                                 "at most once\nmcp-report: hint: " % option)

    def test_a_spool_it_cannot_use_is_said_before_the_server_starts(self):
        # The -v pre-flight (man page PROXY) says it in one warning, not
        # "recording into": here a file where the spool should be. The
        # server runs all the same; a session's events are dropped, and as
        # the spool cannot keep even their count, the end's warning says so.
        afile = os.path.join(self.dir, "afile")
        with open(afile, "w") as f:
            f.write("x")
        start = ("mcp-report: warning: proxy: spool %s: not a directory: events cannot be "
                 "recorded while this lasts (forwarding goes on)\n" % afile)
        argv = [BIN, "-v", "--spool", afile, "proxy", "--", sys.executable, "-c", ANSWERING]
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=self.env,
                           cwd=self.cwd, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr.decode(), start + "mcp-report: proxy: recorded 0 events\n")
        p = subprocess.run(argv[:1] + argv[2:], input=calls(1), capture_output=True,
                           env=self.env, cwd=self.cwd, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.count(b"\n"), 1)
        err = p.stderr.decode().splitlines()
        self.assertEqual(err[0] + "\n", start)
        self.assertEqual(err[1], "mcp-report: warning: proxy: 2 events not recorded: spool %s: "
                         "not a directory; nor counted in the spool's state" % afile)
        self.assertEqual(len(err), 2)

        # A spool below min_free_mb: said at the start too; the drops are
        # counted where status shows them.
        cfg = os.path.join(self.dir, "full.toml")
        with open(cfg, "w") as f:
            f.write("[interaction_logging]\nmin_free_mb = 100000000\n")
        p = subprocess.run([BIN, "-c", cfg, "proxy", "--", sys.executable, "-c", ANSWERING],
                           input=calls(1), capture_output=True, env=self.env, cwd=self.cwd,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stderr.decode().splitlines()[0],
                         r"^mcp-report: warning: proxy: spool .*: only \d+ MiB free \(min_free_mb "
                         r"is 100000000\): events cannot be recorded while this lasts")
        self.assertEqual(json.loads(self.ok("status", "--json").stdout)["proxy_dropped"], 2)

    def test_only_usage_errors_stop_the_server_all_else_is_one_warning(self):
        # The rule (man page PROXY): what is wrong with the command line
        # itself exits 64 before the server starts, with one line saying
        # what is wrong and at most a hint line, as every command does;
        # anything else the proxy cannot honour is one warning, and the
        # server runs, its exit status the proxy's.
        marker = os.path.join(self.dir, "ran")
        server = [sys.executable, "-c", "import sys; open(%r, 'a').write('x'); "
                  "sys.stdout.write(sys.stdin.read()); sys.exit(3)" % marker]
        for argv in (["proxy", "--bogus", "--"], ["proxy", "-x", "--"],
                     ["proxy", "--capture", "", "--"], ["proxy", "--capture", "all", "--"],
                     ["proxy", "--methods", "", "--"], ["proxy", "--methods", ",", "--"],
                     ["--spool", "a", "--spool", "b", "proxy", "--"], ["proxy", "srv", "--"],
                     ["proxy", "--listen", "127.0.0.1:1", "--"], ["proxy", "--"]):
            with self.subTest(argv=argv):
                p = self.run_cli(*argv, *(server if argv[-2:] != ["proxy", "--"] else []))
                self.assertEqual(p.returncode, 64, p.stderr)
                self.assertFalse(os.path.exists(marker))
                err = p.stderr.splitlines()
                self.assertIn(len(err), (1, 2), p.stderr)
                self.assertRegex(err[0], r"^mcp-report: (?!hint:|warning:)")
                if len(err) == 2:
                    self.assertRegex(err[1], r"^mcp-report: hint: ")

        def config(text):
            path = os.path.join(self.dir, "c%d.toml" % len(os.listdir(self.dir)))
            with open(path, "w") as f:
                f.write(text)
            return path
        afile = config("not a spool")
        no_id = dict(self.env)
        del no_id["MCP_REPORT_MCP_ID"]
        for options, env, said in (
                (["-c", os.path.join(self.dir, "missing.toml"), "proxy"], None,
                 "No such file or directory: forwarding without recording"),
                (["-c", config("[interaction_logging\n"), "proxy"], None,
                 "forwarding without recording"),
                (["-c", config("[interaction_logging]\nenable_interaction_logging = false\n"),
                  "proxy"], None, "enable_interaction_logging = false: forwarding without"),
                (["proxy"], no_id, "mcp_id is not set"),
                (["--mcp-id", "a\x01b", "proxy"], None, "holds a control character"),
                (["--spool", afile, "proxy"], None, "not a directory: events cannot be recorded"),
                (["proxy", "--methods", "notifications/initialized"], None, "is a notification")):
            with self.subTest(options=options):
                p = subprocess.run([BIN, *options, "--", *server], input=b"{}\n",
                                   capture_output=True, env=env or self.env, cwd=self.cwd,
                                   timeout=60)
                self.assertEqual(p.returncode, 3, p.stderr)
                self.assertEqual(p.stdout, b"{}\n")
                os.unlink(marker)
                err = p.stderr.decode().splitlines()
                self.assertEqual(len(err), 1, p.stderr)
                self.assertTrue(err[0].startswith("mcp-report: warning: proxy: "), err[0])
                self.assertIn(said, err[0])

    def test_verbose_says_where_the_spool_is(self):
        # Without HOME or a config file the spool is found through the
        # user's entry in the password database: -v says where it went.
        env = dict(self.env)
        del env["HOME"]
        del env["MCP_REPORT_SPOOL_DIR"]
        env["XDG_STATE_HOME"] = os.path.join(self.dir, "state")
        env["XDG_CONFIG_HOME"] = os.path.dirname(os.path.dirname(self.user_config))
        p = subprocess.run([BIN, "-v", "proxy", "--", sys.executable, "-c", ANSWERING],
                           input=calls(1), capture_output=True, env=env, cwd=self.cwd, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        spool = os.path.join(self.dir, "state", "mcp-report", "spool")
        self.assertIn(("proxy: recording into %s as test_mcp" % spool).encode(), p.stderr)
        self.assertEqual(len(os.listdir(os.path.join(spool, "queue"))), 2)


if __name__ == "__main__":
    unittest.main()
