"""`mcp-report proxy` through the real binary: the official MCP SDK client
and reference server (installed from npm by scripts/test.sh) see the same
session through the proxy as directly, and a scripted fake server covers the
edges (malformed and huge lines, a server that dies, a client that leaves,
cancellation, server-to-client requests, a failing spool, exit statuses)."""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

from harness import BIN, SOURCE, Case

PROXY_TESTS = os.path.join(SOURCE, "tests", "proxy")
FAKE = os.path.join(PROXY_TESTS, "fake_server.py")
CLIENT = os.path.join(PROXY_TESTS, "sdk_client.mjs")
NPM = os.environ.get("MCPR_NPM_DIR") or os.path.join(SOURCE, ".cache", "npm-mcp")
EVERYTHING = os.path.join(NPM, "node_modules", "@modelcontextprotocol", "server-everything",
                          "dist", "index.js")


def request(rid, method, **params):
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}


def call(rid, tool, arguments=None, meta=None):
    params = {"name": tool, "arguments": arguments or {}}
    if meta:
        params["_meta"] = meta
    return request(rid, "tools/call", **params)


def lines(*messages):
    return b"".join(m if isinstance(m, bytes) else json.dumps(m).encode() + b"\n"
                    for m in messages)


INITIALIZE = request(0, "initialize", protocolVersion="2025-06-18", capabilities={},
                     clientInfo={"name": "edge-client", "version": "9.8"})


class ProxyCase(Case):
    def server(self, *args):
        return [sys.executable, FAKE, *args]

    def proxy(self, server_args=(), options=(), input=b"", env=None):
        """Runs the proxy around the fake server; returns the CompletedProcess."""
        full_env = dict(self.env)
        full_env.update(env or {})
        return subprocess.run([BIN, "proxy", *options, "--", *self.server(*server_args)],
                              input=input, capture_output=True, env=full_env, timeout=120,
                              cwd=self.cwd)

    def direct(self, server_args=(), input=b""):
        return subprocess.run(self.server(*server_args), input=input, capture_output=True,
                              env=self.env, timeout=120, cwd=self.cwd)

    def events(self):
        """The spooled events, by interaction, in recording order."""
        by_id = {}
        for body in self.bodies():
            by_id.setdefault(body["interaction_id"], []).append(body)
        return list(by_id.values())

    def summary(self):
        """[(tool or method, [action, ...], last data)] per interaction."""
        out = []
        for events in self.events():
            start = events[0]["request_data"]
            name = start.get("gen_ai.tool.name") or start["request_type"]
            last = events[-1]
            data = last.get("result_data") or last.get("error_data") or {}
            out.append((name, [e["action"][12:] for e in events], data))
        return out


class ProxyStreamTest(ProxyCase):
    MIXED = lines(
        INITIALIZE,
        b"not json at all\n",
        b"{\"jsonrpc\": \"2.0\", \"broken\n",
        b"[1, 2, 3]\n",
        call(1, "echo", {"message": "hi", "n": 1}),
        call("s-2", "fail"),
        call(3, "tool-error", {"x": 1}),
        call(4, "garbage"),
        # A client line of 10 MiB + a few bytes: forwarded, never parsed.
        json.dumps(call(5, "echo", {"blob": "y" * (10 * 1024 * 1024)})).encode() + b"\n",
        call(6, "huge"),
        call(7, "progress", meta={"progressToken": "tok-7"}),
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        call(8, "echo", {"last": True}),
    )

    def test_stream_is_byte_identical_both_ways_and_events_match(self):
        log_direct = os.path.join(self.dir, "direct.log")
        log_proxy = os.path.join(self.dir, "proxy.log")
        d = self.direct(("--log", log_direct), self.MIXED)
        p = self.proxy(("--log", log_proxy), input=self.MIXED)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, d.stdout)
        with open(log_direct, "rb") as a, open(log_proxy, "rb") as b:
            self.assertEqual(b.read(), a.read())
        self.assertEqual(a.name and self.MIXED, self.MIXED)
        self.assertNotIn(b"warning", p.stderr)

        s = self.summary()
        names = [x[0] for x in s]
        self.assertEqual(names, ["echo", "fail", "tool-error", "garbage", "echo", "huge",
                                 "progress", "echo"])
        echo, fail, tool_error, garbage, long_call, huge, progress, last = s
        # The client's line of 10 MiB is a call too, known by its ends; its
        # answer (the arguments echoed, as long) completes it.
        self.assertEqual(long_call[1], ["start", "complete"])
        self.assertEqual(long_call[2]["parsed"], False)
        self.assertEqual(echo[1], ["start", "complete"])
        self.assertEqual(echo[2]["success"], True)
        self.assertEqual(echo[2]["content_count"], 1)
        self.assertEqual(fail[1], ["start", "error"])
        self.assertEqual(fail[2]["error_type"], "JsonRpcError")
        self.assertEqual(fail[2]["error_code"], -32000)
        self.assertEqual(fail[2]["error_message"], "it broke")
        self.assertEqual(tool_error[2]["error_type"], "ToolError")
        self.assertEqual(tool_error[2]["error_message"], "bad input: x")
        self.assertEqual(garbage[1], ["start", "complete"])
        # The response of 10 MiB is forwarded but too big to parse: it is
        # matched by the id at its start.
        self.assertEqual(huge[1], ["start", "complete"])
        self.assertEqual(huge[2]["parsed"], False)
        self.assertGreater(huge[2]["output_size"], 10 * 1024 * 1024)
        self.assertEqual(progress[1], ["start", "progress", "progress", "complete"])
        self.assertEqual(last[1], ["start", "complete"])

        events = self.events()
        start = events[0][0]["request_data"]
        self.assertEqual(start["request_type"], "tools/call")
        self.assertEqual(start["mcp.method.name"], "tools/call")
        self.assertEqual(start["gen_ai.tool.name"], "echo")
        self.assertEqual(start["parameters"], ["message", "n"])  # names, never values
        self.assertEqual(start["jsonrpc.request.id"], 1)  # as it came: a number
        self.assertEqual(start["mcp.protocol.version"], "2025-06-18")
        self.assertEqual(start["mcp.client.name"], "edge-client")
        self.assertEqual(start["mcp.client.version"], "9.8")
        self.assertEqual(start["network.transport"], "pipe")
        self.assertNotIn("traceparent", start)
        self.assertEqual(start["input_size"], len(json.dumps(call(1, "echo", {"message": "hi", "n": 1}))))
        self.assertEqual(events[1][0]["request_data"]["jsonrpc.request.id"], "s-2")
        self.assertNotIn("hi", json.dumps(self.bodies()))
        done = events[0][1]["result_data"]
        self.assertGreaterEqual(done["processing_time"], 0)
        self.assertGreater(done["output_size"], 0)
        self.assertNotIn("result", done)
        self.assertEqual(events[4][0]["request_data"]["parsed"], False)
        self.assertEqual(events[4][0]["request_data"]["parameters"], ["blob"])
        self.assertGreater(events[4][0]["request_data"]["input_size"], 10 * 1024 * 1024)
        steps = [e["progress_data"] for e in events[6][1:3]]
        self.assertEqual(steps, [{"progress": 1, "total": 2, "message": "step 1"},
                                 {"progress": 2, "total": 2, "message": "step 2"}])
        for body in self.bodies():
            self.assertRegex(body["interaction_id"], r"^int_\d{10}_[0-9a-f]{8}$")
            self.assertEqual(body["mcp_id"], "test_mcp")

    def test_failing_spool_changes_nothing_the_client_sees(self):
        blocker = os.path.join(self.dir, "not-a-folder")
        with open(blocker, "w") as f:
            f.write("x")
        d = self.direct(input=self.MIXED)
        p = self.proxy(input=self.MIXED, env={"MCP_REPORT_SPOOL_DIR": blocker + "/spool"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, d.stdout)
        # One warning before the server starts, one when it has exited.
        err = p.stderr.decode().splitlines()
        self.assertEqual(len(err), 2, p.stderr)
        self.assertIn("events cannot be recorded while this lasts", err[0])
        self.assertRegex(err[1], "events not recorded: .*; nor counted in the spool's state$")

    def test_drops_are_counted_for_status(self):
        # A spool that refuses every event (too little free space) but can
        # still keep the count.
        config = self.write_config("[interaction_logging]\nmin_free_mb = 1000000000\n")
        d = self.direct(input=self.MIXED)
        p = self.proxy(input=self.MIXED, env={"MCP_REPORT_CONFIG": config})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, d.stdout)
        self.assertIn(b"mcp-report: warning: proxy: 18 events not recorded: spool", p.stderr)
        self.assertEqual(self.files(), [])
        status = json.loads(self.ok("status", "--json").stdout)
        self.assertEqual(status["proxy_dropped"], 18)
        # The three lines that are not JSON (two from the client, one from
        # the server) could not be looked at.
        self.assertEqual(status["proxy_unseen_messages"], 3)
        self.assertIn("18 events not recorded, 3 messages not looked at", self.ok("status").stdout)
        prometheus = self.ok("status", "--prometheus").stdout
        self.assertIn("mcp_report_proxy_dropped_events_total{", prometheus)
        self.assertRegex(prometheus, r"mcp_report_proxy_unseen_messages_total\{[^}]*\} 3\n")
        self.proxy(input=self.MIXED, env={"MCP_REPORT_CONFIG": config})
        status = json.loads(self.ok("status", "--json").stdout)
        self.assertEqual((status["proxy_dropped"], status["proxy_unseen_messages"]), (36, 6))

    def test_lines_no_parse_can_read_are_counted_without_a_warning(self):
        p = self.proxy(input=self.MIXED)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(b"warning", p.stderr)
        status = json.loads(self.ok("status", "--json").stdout)
        self.assertEqual((status["proxy_dropped"], status["proxy_unseen_messages"]), (0, 3))

    def test_a_burst_of_calls_is_recorded_whole_and_in_order(self):
        # 500 calls at once, sync on: the spool writer gathers them and
        # commits each run with one syncfs (runs of up to 256 events); none is
        # lost or reordered, and nothing is left in tmp/. On a loaded machine
        # the writer may not finish within the 5 s the proxy gives it after
        # the server exits (man page PROXY, "The end of a session"): then what
        # is not written is counted as dropped, with that reason, and every
        # event is either recorded or counted (the run cut short at most
        # twice: some of it may still reach the queue).
        n = 500
        burst = lines(INITIALIZE, *[call(i, "echo", {"i": i}) for i in range(1, n + 1)])
        p = self.proxy(input=burst)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.count(b"\n"), n + 1)
        status = json.loads(self.ok("status", "--json").stdout)
        dropped, unseen = status["proxy_dropped"], status["proxy_unseen_messages"]
        self.assertEqual(unseen, 0, p.stderr)
        bodies = self.bodies()
        if dropped == 0:
            self.assertNotIn(b"not recorded", p.stderr)
            calls = [s for s in self.summary() if s[0] == "echo"]
            self.assertEqual(len(calls), n)
            self.assertTrue(all(actions == ["start", "complete"] for _, actions, _ in calls))
            self.assertEqual(os.listdir(os.path.join(self.spool, "tmp")), [])
        else:
            self.assertIn(b"%d events not recorded: not written within 5 s after the server "
                          b"exited" % dropped, p.stderr)
            self.assertGreaterEqual(len(bodies) + dropped, 2 * n, p.stderr)
            self.assertLessEqual(len(bodies) + dropped, 2 * n + 256, p.stderr)
        # In order either way: each call's start before its end, none twice.
        seen = {}
        for b in bodies:
            seen.setdefault(b["interaction_id"], []).append(b["action"])
        for actions in seen.values():
            self.assertIn(actions, (["interaction_start", "interaction_complete"],
                                    ["interaction_start"], ["interaction_complete"]))

    def test_a_flood_loses_calls_but_never_invents_their_outcome(self):
        # 30,000 calls answered at once outrun the tracking thread's queue:
        # lines it never saw are counted, and an open call whose answer may
        # have been among them gets no outcome, never an invented
        # "ServerExited" (the server answered every one).
        n = 30000
        flood = b"".join(json.dumps(call(i, "echo"), separators=(",", ":")).encode() + b"\n"
                         for i in range(1, n + 1))
        # It answers every call at once, then lingers three seconds before it
        # exits, so that its exit reaches the tracking thread after the flood.
        answering = ("import sys, time\nout = sys.stdout.buffer\nfor line in sys.stdin.buffer:\n"
                     "    out.write(line.replace(b'\"method\":\"tools/call\",\"params\":', "
                     "b'\"result\":'))\nout.flush()\ntime.sleep(3)\n")
        p = subprocess.run([BIN, "proxy", "--", sys.executable, "-c", answering], input=flood,
                           capture_output=True, env=self.env, timeout=300, cwd=self.cwd)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.count(b"\n"), n)
        actions = [b["action"] for b in self.bodies()]
        self.assertNotIn("interaction_error", actions)
        # Something was recorded. (How many answers the tracking thread saw
        # depends on the machine's load: on a busy one it may see none, the
        # client's requests having filled its queue first.)
        self.assertGreater(actions.count("interaction_start"), 0)
        started = {b["interaction_id"] for b in self.bodies() if b["action"] == "interaction_start"}
        self.assertTrue(all(b["interaction_id"] in started for b in self.bodies()))
        if b"not recorded" in p.stderr:
            self.assertEqual(p.stderr.count(b"mcp-report:"), 1, p.stderr)

    def test_recording_off_still_forwards(self):
        d = self.direct(input=self.MIXED)
        for env in ({"MCP_REPORT_ENABLED": "false"}, {"MCP_REPORT_MCP_ID": ""},
                    {"MCP_REPORT_CONFIG": os.path.join(self.dir, "missing.toml")}):
            p = self.proxy(input=self.MIXED, env=env)
            self.assertEqual(p.returncode, 0, (env, p.stderr))
            self.assertEqual(p.stdout, d.stdout, env)
            self.assertEqual(p.stderr.count(b"mcp-report: warning: proxy:"), 1, (env, p.stderr))
            self.assertIn(b"forwarding without recording", p.stderr)
        self.assertEqual(self.files(), [])

    def test_a_value_thousands_deep_is_recorded_and_the_body_stays_readable(self):
        # JSON.parse takes any depth, so a JavaScript server serves such a
        # call; Python's json (a coordinator's reader) stops at about 1,000.
        deep = b"[" * 5000 + b'"x"' + b"]" * 5000
        msg = (b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo",'
               b'"arguments":{"v":' + deep + b"}}}\n")
        p = self.proxy(options=("--capture", "arguments"), input=lines(INITIALIZE) + msg)
        # The fake server, Python, dies of it (RecursionError); its status
        # passes through.
        self.assertEqual(p.returncode, 1, p.stderr[-300:])
        [events] = self.events()  # read with Python's json
        start = events[0]["request_data"]
        self.assertEqual((start["gen_ai.tool.name"], start["refused_by"], start["escaped"]),
                         ("echo", "python", True))
        value, depth = start["parameters"]["v"], 0
        while isinstance(value, list):
            [value], depth = value, depth + 1
        self.assertLess(depth, 500)
        self.assertEqual(value, (deep[depth:-depth]).decode())  # the rest, as its text

    def test_methods_and_capture(self):
        big = "z" * 3000
        msgs = lines(INITIALIZE, request(1, "tools/list"),
                     call(2, "echo", {"message": big}), request(3, "resources/read", uri="file:///a"))
        config = self.write_config("[interaction_logging]\nmax_event_kb = 2\n")
        p = self.proxy(options=("--methods", "all", "--capture", "arguments,results"), input=msgs,
                       env={"MCP_REPORT_CONFIG": config})
        self.assertEqual(p.returncode, 0, p.stderr)
        s = self.summary()
        self.assertEqual([x[0] for x in s], ["initialize", "tools/list", "echo", "resources/read"])
        events = self.events()
        echo_start = events[2][0]["request_data"]
        self.assertIs(echo_start["truncated"], True)
        self.assertIsInstance(echo_start["parameters"], str)
        self.assertTrue(echo_start["parameters"].startswith('{"message": "zzz'))
        self.assertLessEqual(len(json.dumps(events[2][0])), 2048)
        read = events[3]
        self.assertEqual(read[0]["request_data"]["mcp.resource.uri"], "file:///a")
        self.assertEqual(read[0]["request_data"]["parameters"], {"uri": "file:///a"})
        self.assertEqual(read[1]["result_data"]["result"], {})

        # Without --methods: only the default methods.
        for f in self.files():
            os.unlink(os.path.join(self.spool, "queue", f))
        p = self.proxy(input=msgs)
        self.assertEqual([x[0] for x in self.summary()], ["echo", "resources/read"])
        self.assertEqual(self.events()[0][0]["request_data"]["parameters"], ["message"])

    def test_bad_options_are_usage_errors(self):
        for options in (("--capture", "everything"), ("--methods", ",")):
            p = self.proxy(options=options)
            self.assertEqual(p.returncode, 64, p.stderr)
        r = self.run_cli("proxy")
        self.assertEqual(r.returncode, 64, r.stderr)
        r = self.run_cli("proxy", "--", os.path.join(self.dir, "no-such-server"))
        self.assertEqual(r.returncode, 127, r.stderr)
        self.assertIn("cannot run", r.stderr)

    def test_front_door_says_what_is_wrong(self):
        # A method no revision defines, or a notification, is recorded never:
        # said once before the server starts, which runs all the same.
        msgs = lines(INITIALIZE, call(1, "echo"))
        p = self.proxy(options=("--methods", "TOOLS/CALL,notifications/initialized,tools/call"),
                       input=msgs)
        self.assertEqual(p.returncode, 0, p.stderr)
        err = p.stderr.decode()
        self.assertIn("mcp-report: warning: proxy: --methods: no MCP revision defines a request "
                      "'TOOLS/CALL' (did you mean tools/call?)", err)
        self.assertIn("mcp-report: warning: proxy: --methods: 'notifications/initialized' is a "
                      "notification, not a request: nothing is recorded for it", err)
        self.assertEqual(err.count("mcp-report:"), 2, err)
        self.assertEqual([x[0] for x in self.summary()], ["echo"])
        # A method of the server's own is recorded when the client sends
        # it, and its warning says so (it once said "nothing is recorded").
        p = self.proxy(options=("--methods", "myorg/doThing"),
                       input=lines(INITIALIZE, request(1, "myorg/doThing", x=1)))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr.decode(), "mcp-report: warning: proxy: --methods: no MCP "
                         "revision defines a request 'myorg/doThing': it is recorded only if the "
                         "client sends a request of that name\n")
        self.assertEqual([x[0] for x in self.summary()], ["echo", "myorg/doThing"])
        # The server's command without "--" before it.
        r = self.run_cli("proxy", "./srv", "--flag")
        self.assertEqual(r.returncode, 64, r.stderr)
        self.assertEqual(r.stderr.splitlines()[0],
                         "mcp-report: proxy './srv': put -- before the server command")
        self.assertIn("mcp-report proxy [OPTIONS] -- ./srv --flag", r.stderr)
        r = self.run_cli("proxy", "--nope", "--", "./srv")
        self.assertEqual(r.returncode, 64, r.stderr)
        self.assertIn("--nope", r.stderr)
        # The --help example names the mcp_id in both of its forms.
        help_text = self.run_cli("proxy", "--help").stdout
        # Both stdio examples, and the --listen command line.
        self.assertEqual(help_text.count("--mcp-id"), 3, help_text)

    def test_latest_revision_without_initialize(self):
        meta = {"progressToken": 5, "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "stateless", "version": "2"},
                "traceparent": "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"}
        p = self.proxy(input=lines(call(1, "progress", meta=meta)))
        self.assertEqual(p.returncode, 0, p.stderr)
        [[start, p1, p2, done]] = self.events()
        data = start["request_data"]
        self.assertEqual(data["mcp.protocol.version"], "2026-07-28")
        self.assertEqual(data["mcp.client.name"], "stateless")
        self.assertEqual(data["traceparent"], meta["traceparent"])
        self.assertNotIn("tracestate", data)
        self.assertEqual(p1["action"], "interaction_progress")
        self.assertEqual(done["action"], "interaction_complete")


class ProxyLifecycleTest(ProxyCase):
    def start(self, server_args=(), options=()):
        proc = subprocess.Popen([BIN, "proxy", *options, "--", *self.server(*server_args)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                env=self.env, cwd=self.cwd)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.addCleanup(lambda: [f.close() for f in (proc.stdin, proc.stdout)])
        return proc

    def send(self, proc, *messages):
        proc.stdin.write(lines(*messages))
        proc.stdin.flush()

    def test_server_dies_mid_request(self):
        p = self.proxy(input=lines(call(1, "echo"), call(2, "die")))
        self.assertEqual(p.returncode, 3, p.stderr)
        s = self.summary()
        self.assertEqual([(x[0], x[1]) for x in s],
                         [("echo", ["start", "complete"]), ("die", ["start", "error"])])
        self.assertEqual(s[1][2]["error_type"], "ServerExited")
        self.assertIn("status 3", s[1][2]["error_message"])

    def test_a_closed_stdin_is_an_end_of_input_not_a_hang(self):
        # Started with fd 0 closed: the proxy's own pipe must not become its
        # stdin (it then waited for ever on a pipe it held open itself).
        script = 'exec "$0" proxy -- "$1" "$2" <&-'
        p = subprocess.run(["sh", "-c", script, BIN, *self.server()], capture_output=True,
                           env=self.env, timeout=60, cwd=self.cwd)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, b"")

    def test_server_killed_by_signal_is_128_plus_n(self):
        p = self.proxy(input=lines(call(1, "killme")))
        self.assertEqual(p.returncode, 128 + signal.SIGKILL, p.stderr)
        [(name, actions, data)] = self.summary()
        self.assertEqual(data["error_type"], "ServerExited")
        self.assertIn("signal 9", data["error_message"])

    def test_exit_status_passes_through(self):
        p = self.proxy(("--exit-status", "5"), input=lines(call(1, "echo")))
        self.assertEqual(p.returncode, 5, p.stderr)

    def test_sigterm_is_forwarded_to_the_server(self):
        proc = self.start()
        self.send(proc, call(1, "slow"), call(2, "echo"))
        proc.stdout.readline()  # echo answered: the slow one is open in the server
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(60), 128 + signal.SIGTERM)
        proc.stdin.close()
        s = self.summary()
        self.assertEqual(s[0][0], "slow")
        # The proxy was stopped (by the client that runs it, or its user):
        # the server did not fail the call.
        self.assertEqual(s[0][2]["error_type"], "ClientClosed")
        self.assertIn("SIGTERM reached the proxy", s[0][2]["error_message"])

    def stubborn(self):
        """The proxy around a server that ignores SIGTERM and stays 120 s
        after its input ends, in a session of its own that cleanup kills."""
        proc = subprocess.Popen([BIN, "proxy", "--", *self.server("--stubborn")],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=self.env,
                                cwd=self.cwd, start_new_session=True)
        def kill():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        self.addCleanup(kill)
        self.send(proc, call(1, "echo"), call(2, "slow"))
        proc.stdout.readline()  # echo answered: slow was read, and is open in the server
        return proc

    def ends_of_slow(self):
        """slow's events once its end is written (waiting for it at most 60 s)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            s = [x for x in self.summary() if x[0] == "slow"]
            if s and s[0][1] == ["start", "error"]:
                return s[0][2]
            time.sleep(0.05)
        self.fail("slow never ended: %r" % self.summary())

    def test_a_client_killed_mid_call_left_it_though_the_server_says_nothing(self):
        proc = self.stubborn()
        proc.stdin.close()  # the client dies: both its ends close
        proc.stdout.close()
        data = self.ends_of_slow()
        self.assertIsNone(proc.poll())  # written while the server still runs
        self.assertEqual(data["error_type"], "ClientClosed")
        self.assertEqual(data["error_message"], "the client closed its end before the response")

    def test_a_call_left_at_an_sdk_close_ends_before_the_proxy_is_killed(self):
        # The SDK's close(): our stdin ends, SIGTERM 2 s later, SIGKILL 2 s
        # after that, to a server that ignores SIGTERM.
        proc = self.stubborn()
        proc.stdin.close()
        proc.send_signal(signal.SIGTERM)
        data = self.ends_of_slow()
        self.assertIsNone(proc.poll())
        os.killpg(proc.pid, signal.SIGKILL)
        self.assertEqual(data["error_type"], "ClientClosed")
        self.assertIn("SIGTERM reached the proxy before the response", data["error_message"])

    def test_a_flood_of_progress_costs_detail_not_a_call(self):
        # 100,000 progress notifications at pipe speed outrun the tracker's
        # line queue (10,000 lines): the flood's own answer, the five that
        # follow it at once, and the next call, sent once they came, are
        # kept (review F18).
        proc = subprocess.Popen([BIN, "proxy", "--", *self.server()], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
                                cwd=self.cwd)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.addCleanup(lambda: [f.close() for f in (proc.stdin, proc.stdout, proc.stderr)])
        self.send(proc, call(1, "flood", {"n": 100000}), *(call(i, "echo") for i in range(3, 8)))
        # Read at pipe speed, as a client in C would, up to the last answer.
        seen = b""
        while b'"id":7,"result"' not in seen:
            chunk = proc.stdout.read1(1 << 16)
            self.assertTrue(chunk, "the proxy ended before the answers")
            seen = seen[-64:] + chunk
        self.send(proc, call(2, "echo"))
        self.assertEqual(json.loads(proc.stdout.readline())["id"], 2)
        want = [("flood", ["start", "complete"])] + [("echo", ["start", "complete"])] * 6
        deadline = time.monotonic() + 60  # written while the session goes on
        while time.monotonic() < deadline and [x[:2] for x in self.summary()] != want:
            time.sleep(0.1)
        proc.stdin.close()
        self.assertEqual(proc.wait(60), 0)
        self.assertEqual([x[:2] for x in self.summary()], want)
        # What was shed is said as what it was, and blamed on the queue that
        # was full: the tracker's, not the spool writer's (review F14.8).
        err = proc.stderr.read().decode()
        self.assertNotIn("messages not looked at", err)
        self.assertNotIn("spool writer", err)
        if "not looked at" in err:
            self.assertRegex(err, r"warning: proxy: \d+ notifications not looked at \(detail "
                                  r"only: no call's start or end\): the tracker could not keep "
                                  r"up \(its queue full\)\n")

    def test_client_leaves(self):
        proc = self.start()
        self.send(proc, call(1, "slow"), call(2, "echo"))
        proc.stdout.readline()
        proc.stdout.close()  # the client is gone; the next answer hits EPIPE
        self.send(proc, call(3, "echo"))
        proc.stdin.close()
        self.assertEqual(proc.wait(60), 0)
        s = self.summary()
        self.assertEqual([(x[0], x[1]) for x in s],
                         [("slow", ["start", "error"]), ("echo", ["start", "complete"]),
                          ("echo", ["start", "error"])])
        self.assertEqual(s[0][2]["error_type"], "ClientClosed")
        self.assertEqual(s[2][2]["error_type"], "ClientClosed")

    def test_a_client_that_closes_its_input_left_its_open_calls(self):
        # The normal MCP shutdown: the client closes the server's stdin with
        # a call in flight; the server exits 0 without answering it. The
        # client left: ClientClosed, not ServerExited.
        p = self.proxy(input=lines(call(1, "slow"), call(2, "echo")))
        self.assertEqual(p.returncode, 0, p.stderr)
        s = self.summary()
        self.assertEqual([(x[0], x[1]) for x in s],
                         [("slow", ["start", "error"]), ("echo", ["start", "complete"])])
        self.assertEqual(s[0][2]["error_type"], "ClientClosed")
        self.assertIn("closed its input", s[0][2]["error_message"])
        # A server that fails after the client's input ended is still the
        # one to blame.
        for f in self.files():
            os.unlink(os.path.join(self.spool, "queue", f))
        p = self.proxy(("--exit-status", "4"), input=lines(call(1, "slow")))
        self.assertEqual(p.returncode, 4, p.stderr)
        [(name, actions, data)] = self.summary()
        self.assertEqual(data["error_type"], "ServerExited")
        self.assertIn("status 4", data["error_message"])

    def test_a_client_gone_whole_left_its_calls_though_the_server_died_of_it(self):
        # The client exits: its ends of our stdout and stderr close, then our
        # stdin. The server's goodbye on stderr (the client's) kills it with
        # SIGPIPE: the client left its call, the server did not fail it.
        proc = subprocess.Popen([BIN, "proxy", "--", *self.server("--stderr-at-exit")],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.env, cwd=self.cwd)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.send(proc, call(1, "echo"), call(2, "slow"))
        proc.stdout.readline()  # echo answered: slow is open in the server
        proc.stdout.close()
        proc.stderr.close()
        proc.stdin.close()
        self.assertEqual(proc.wait(60), 128 + signal.SIGPIPE)
        s = self.summary()
        self.assertEqual([(x[0], x[1]) for x in s],
                         [("echo", ["start", "complete"]), ("slow", ["start", "error"])])
        self.assertEqual(s[1][2]["error_type"], "ClientClosed")
        # Found gone (its end of our stdout closed), or first the server's
        # exit: either way the client's.
        self.assertRegex(s[1][2]["error_message"],
                         r"^the client closed its (end|input before the response \(.*signal 13)")

    def test_a_reused_id_is_answered_in_order(self):
        # Two calls with id 5 (a client's bug): the server answers both, in
        # order; the first answer is the first call's (review F2).
        p = self.proxy(input=lines(call(5, "fail"), call(5, "echo")))
        self.assertEqual(p.returncode, 0, p.stderr)
        s = self.summary()
        self.assertEqual([(x[0], x[1]) for x in s],
                         [("fail", ["start", "error"]), ("echo", ["start", "complete"])])
        self.assertEqual((s[0][2]["error_type"], s[0][2]["error_message"]),
                         ("JsonRpcError", "it broke"))

    def test_cancellation(self):
        p = self.proxy(input=lines(call(7, "slow"), {
            "jsonrpc": "2.0", "method": "notifications/cancelled",
            "params": {"requestId": 7, "reason": "user gave up"}}))
        self.assertEqual(p.returncode, 0, p.stderr)
        [(name, actions, data)] = self.summary()
        self.assertEqual(actions, ["start", "error"])
        self.assertEqual(data["error_type"], "Cancelled")
        self.assertEqual(data["error_message"], "user gave up")

    def test_server_to_client_request_with_the_same_id(self):
        proc = self.start()
        self.send(proc, call(1, "ask"))
        asked = json.loads(proc.stdout.readline())
        self.assertEqual((asked["id"], asked["method"]), (1, "sampling/createMessage"))
        # The client's answer carries id 1 too: it must not end request 1.
        self.send(proc, {"jsonrpc": "2.0", "id": 1, "result": {"model": "m", "role": "assistant",
                                                               "content": {"type": "text",
                                                                           "text": "ok"}}})
        answer = json.loads(proc.stdout.readline())
        self.assertEqual(answer["id"], 1)
        self.assertIn("asked:", answer["result"]["content"][0]["text"])
        proc.stdin.close()
        self.assertEqual(proc.wait(60), 0)
        [(name, actions, data)] = self.summary()
        self.assertEqual(actions, ["start", "complete"])
        self.assertEqual(data["output_size"], len(json.dumps(answer, separators=(",", ":"))))


class SdkCase(Case):
    """The official SDK client against the reference server."""

    def setUp(self):
        super().setUp()
        if not os.path.exists(EVERYTHING):
            message = ("%s is missing: scripts/test.sh installs @modelcontextprotocol/sdk and "
                       "@modelcontextprotocol/server-everything there" % NPM)
            if os.environ.get("MCPR_REQUIRE_NPM") == "1":
                self.fail(message)
            self.skipTest(message)
        self.env["MCP_NPM"] = NPM


class ProxySdkTest(SdkCase):
    """The SDK's session, directly and through the proxy."""

    def scenario(self, *command):
        r = subprocess.run(["node", CLIENT, "scenario", *command], capture_output=True,
                           env=self.env, timeout=120, cwd=self.cwd)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_sdk_session_is_the_same_through_the_proxy_and_is_delivered(self):
        server = ["node", EVERYTHING, "stdio"]
        direct = self.scenario(*server)
        proxied = self.scenario(BIN, "proxy", "--capture", "arguments,results", "--", *server)
        # The SDK client runs a progress handler only if the notification
        # arrived before the result was handled: on a loaded machine it may
        # miss the last two, directly as well as through the proxy (seen once
        # in a suite run). The steps seen are compared as a prefix.
        steps = [{"progress": i, "total": 3} for i in (1, 2, 3)]
        for seen in (direct.pop("progress"), proxied.pop("progress")):
            self.assertGreaterEqual(len(seen), 1)
            self.assertEqual(seen, steps[:len(seen)])
        self.assertEqual(proxied, direct)
        self.assertIn("echo", [t["name"] for t in direct["tools"]])
        self.assertEqual(direct["echo"]["result"]["content"][0]["text"], "Echo: hello proxy")
        self.assertEqual(direct["surrogate"]["result"]["content"][0]["text"], "Echo: party \ud83c")

        events = {}
        for body in self.bodies():
            events.setdefault(body["interaction_id"], []).append(body)
        got = [(e[0]["request_data"].get("gen_ai.tool.name") or
                e[0]["request_data"].get("gen_ai.prompt.name"),
                [x["action"][12:] for x in e]) for e in events.values()]
        self.assertEqual(got, [
            ("echo", ["start", "complete"]),
            ("no-such-tool", ["start", "error"]),
            ("trigger-long-running-operation", ["start", "progress", "progress", "progress",
                                                "complete"]),
            ("simple-prompt", ["start", "complete"]),
            ("echo", ["start", "complete"]),
        ])
        # The lone surrogate went both ways: the call is recorded whole, its
        # captured values keep it as the text "\ud83c", and say so.
        start, done = list(events.values())[-1]
        self.assertEqual(start["request_data"]["parameters"], {"message": "party \\ud83c"})
        self.assertIs(start["request_data"]["escaped"], True)
        self.assertEqual(done["result_data"]["result"]["content"][0]["text"],
                         "Echo: party \\ud83c")
        self.assertIs(done["result_data"]["escaped"], True)
        self.assertNotIn("escaped", list(events.values())[0][0]["request_data"])
        unknown = list(events.values())[1][-1]["error_data"]
        self.assertIn(unknown["error_type"], ("ToolError", "JsonRpcError"))
        self.assertIn("no-such-tool", unknown["error_message"])
        start = list(events.values())[0][0]["request_data"]
        self.assertEqual(start["mcp.client.name"], "mcp-report-test-client")
        self.assertEqual(start["mcp.client.version"], "1.2.3")
        self.assertTrue(start["mcp.protocol.version"])

        c = self.coordinator()
        self.ok("flush")
        self.assertEqual(self.files(), [])
        self.assertEqual(sorted(json.dumps(b, sort_keys=True) for b in c.received()),
                         sorted(json.dumps(b, sort_keys=True)
                                for e in events.values() for b in e))


class ProxySdkRefusedTest(SdkCase):
    """Answers the SDK client refuses, which a Python client takes: the
    record says which SDK refuses them, never a plain success."""

    def test_answers_a_typescript_client_refuses_are_marked(self):
        r = subprocess.run(["node", CLIENT, "refused", BIN, "proxy", "--", sys.executable, FAKE],
                           capture_output=True, env=self.env, timeout=120, cwd=self.cwd)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["nan"]["error"]["code"], -32001, out)  # timed out
        self.assertIn("result", out["echo"])
        self.assertEqual(out["huge"]["error"]["code"], -32000, out)  # connection closed
        ends = {e[0]["request_data"]["gen_ai.tool.name"]: e[-1] for e in self.events_by_call()}
        nan, echo, huge = (ends[k]["result_data"] for k in ("nan", "echo", "huge"))
        self.assertIs(nan["success"], None)
        self.assertEqual(nan["refused_by"], "typescript")
        self.assertIs(echo["success"], True)
        self.assertNotIn("refused_by", echo)
        self.assertIs(huge["success"], None)
        self.assertEqual(huge["refused_by"], "typescript")

    def test_a_server_that_writes_ids_as_strings_answers_the_sdk_client(self):
        # "1" for request 1: the TypeScript client reads it as a number
        # (Number(response.id), Number(progressToken)) and gets its answers
        # and progress; so is it recorded.
        r = subprocess.run(["node", CLIENT, "progress", BIN, "proxy", "--", sys.executable, FAKE,
                            "--string-ids"],
                           capture_output=True, env=self.env, timeout=120, cwd=self.cwd)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        # (Its progress handler runs after the answer that follows at once,
        # so it may see none: what it sees is not compared.)
        self.assertEqual([c["result"]["content"][0]["text"] for c in out], ["done", "done"], out)
        calls = self.events_by_call()
        self.assertEqual([[e["action"][12:] for e in c] for c in calls],
                         [["start", "progress", "progress", "complete"]] * 2)
        for c in calls:
            self.assertIs(c[-1]["result_data"]["success"], True)
            # The Python client looks a progress token up as it came.
            self.assertEqual(c[1]["progress_data"]["refused_by"], "python")

    def events_by_call(self):
        by_id = {}
        for body in self.bodies():
            by_id.setdefault(body["interaction_id"], []).append(body)
        return list(by_id.values())


class ProxySdkTasksTest(SdkCase):
    """Tasks (2025-11-25, the SDK's experimental tasks API against
    server-everything's research tool) and cancellation, directly and
    through the proxy at once."""

    def test_tasks_and_cancellation_are_recorded_with_their_outcomes(self):
        server = ["node", EVERYTHING, "stdio"]
        runs = [subprocess.Popen(["node", CLIENT, "tasks", *command], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=self.env, cwd=self.cwd)
                for command in (server, [BIN, "proxy", "--", *server])]
        outs = []
        for r in runs:
            out, err = r.communicate(timeout=120)
            self.assertEqual(r.returncode, 0, err)
            outs.append(json.loads(out))
        direct, proxied = outs
        # What the client saw in the end is the same; the statuses it polled
        # on the way depend on timing.
        for key in ("research", "cancelled"):
            self.assertEqual(proxied[key][-1], direct[key][-1], key)
            self.assertEqual(proxied[key][0], "created", key)
        self.assertIn("input_required", proxied["research"])
        self.assertIn("Research Report: python (programming)",
                      proxied["research"][-1]["result"][0]["text"])
        self.assertEqual(proxied["aborted"], direct["aborted"])

        events = {}
        for body in self.bodies():
            events.setdefault(body["interaction_id"], []).append(body)
        research, cancelled, aborted = events.values()
        data = lambda e: e.get("result_data") or e.get("error_data") or e.get("progress_data")
        # The call answered with a task stays open through the task's
        # statuses, and ends with its result, fetched by tasks/result.
        self.assertEqual(research[0]["request_data"]["gen_ai.tool.name"], "simulate-research-query")
        task_id = data(research[1])["task_id"]
        statuses = [data(e)["status"] for e in research[1:-1]]
        self.assertTrue(all(e["action"] == "interaction_progress" for e in research[1:-1]))
        self.assertEqual(statuses[0], "working")
        self.assertIn("input_required", statuses)
        self.assertTrue(set(statuses) <= {"working", "input_required", "completed"}, statuses)
        self.assertEqual(research[-1]["action"], "interaction_complete")
        self.assertEqual(data(research[-1])["task_id"], task_id)
        self.assertEqual(data(research[-1])["content_count"], 1)
        self.assertIs(data(research[-1])["success"], True)
        # Cancelled once created: tasks/cancel's answer ends it.
        self.assertEqual(cancelled[-1]["action"], "interaction_error")
        self.assertEqual(data(cancelled[-1])["error_type"], "Cancelled")
        self.assertNotEqual(data(cancelled[-1])["task_id"], task_id)
        # A call the client aborts is cancelled with its reason.
        self.assertEqual([e["action"][12:] for e in aborted], ["start", "error"])
        self.assertEqual(data(aborted[-1])["error_type"], "Cancelled")
        self.assertEqual(data(aborted[-1])["error_message"], "the user gave up")


if __name__ == "__main__":
    unittest.main()
