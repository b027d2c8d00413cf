"""`mcp-report proxy --listen ... --upstream URL` through the real binary: the
official MCP SDK client against the reference server over Streamable HTTP
sees the same session through the proxy as directly, and the spool holds
what the stdio proxy records for the same calls; a scripted fake server
(tests/proxy/fake_http_server.py) covers the faults: an upstream that is
down, restarts mid-stream or answers 500, a client that leaves mid-stream
(and one that resumes with Last-Event-ID), an oversized body, a foreign
Origin, SIGTERM, exit statuses, TLS. Every request carries an Authorization
header, and the upstream URL of one a password: neither is ever in what the
proxy writes (its log, the spool, its own answers).

No test sleeps: servers say when they listen, the fake server answers
/_wait when a client went away, the proxy's log is read as it comes, and the
spool is read after the proxy stopped (its writer gathers events for 100 ms
and is flushed by the stop)."""
import gzip
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

from harness import BIN, SOURCE, Case

PROXY_TESTS = os.path.join(SOURCE, "tests", "proxy")
FAKE = os.path.join(PROXY_TESTS, "fake_http_server.py")
CLIENT = os.path.join(PROXY_TESTS, "sdk_http_client.mjs")
NPM = os.environ.get("MCPR_NPM_DIR") or os.path.join(SOURCE, ".cache", "npm-mcp")
EVERYTHING = os.path.join(NPM, "node_modules", "@modelcontextprotocol", "server-everything",
                          "dist", "index.js")
SECRET = "Bearer s3cr3t-t0ken-4711"
PASSWORD = "pa55w0rd-0815"  # in an upstream URL's user information
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                "Authorization": SECRET}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rpc(rid, method, **params):
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}


def call(rid, tool, token=None, **arguments):
    params = {"name": tool, "arguments": arguments}
    if token is not None:
        params["_meta"] = {"progressToken": token}
    return rpc(rid, "tools/call", **params)


INITIALIZE = rpc(0, "initialize", protocolVersion="2025-06-18", capabilities={},
                 clientInfo={"name": "raw-client", "version": "7"})


class HttpProxyCase(Case):
    def setUp(self):
        super().setUp()
        self.procs = []
        self.output = []  # all the proxies wrote and answered, for the secrets' check
        self.lines = threading.Condition()

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
            for f in (p.stdout, p.stderr):
                if f:
                    f.close()
        # Authorization (and a URL's password) in no log line, event or error.
        written = [os.path.join(d, n) for d, _, names in os.walk(self.spool) for n in names]
        seen = "".join(str(o) for o in self.output)
        for path in written:
            with open(path, "rb") as f:
                seen += f.read().decode("utf-8", "replace")
        for secret in (SECRET.split()[1], PASSWORD):
            at = seen.find(secret)
            self.assertEqual(at, -1, "a secret shown: ..." + seen[max(0, at - 300):at + 20])
        super().tearDown()

    def spawn(self, argv, **kw):
        p = subprocess.Popen(argv, cwd=self.cwd, **kw)
        self.procs.append(p)
        return p

    def fake(self, *flags, port=0):
        """The fake server; returns (process, its base URL)."""
        self.fake_log = os.path.join(self.dir, "fake.ndjson")
        proc = self.spawn([sys.executable, FAKE, "--port", str(port), "--log", self.fake_log,
                           *flags], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        port = int(proc.stdout.readline())  # the fake server's first line, once it listens
        scheme = "https" if "--tls-cert" in flags else "http"
        self.fake_url = "%s://127.0.0.1:%d" % (scheme, port)
        return proc, self.fake_url

    def fake_saw_client_leave(self, tool):
        """Returns once the fake server saw the client of a `tool` call go."""
        conn = http.client.HTTPConnection(self.fake_url.split("//")[1], timeout=60)
        conn.request("GET", "/_wait?tool=" + tool)
        conn.getresponse().read()
        conn.close()

    def fake_requests(self):
        if not os.path.exists(self.fake_log):
            return []
        with open(self.fake_log) as f:
            return [json.loads(line) for line in f]

    def proxy(self, upstream, *options, env=None, listen="127.0.0.1:0"):
        """Starts the HTTP proxy on a free loopback port; returns (process,
        its URL). Its stderr is kept in self.stderr_lines."""
        full_env = dict(self.env)
        full_env.update(env or {})
        proc = self.spawn([BIN, "-vv", "proxy", "--listen", listen, "--upstream", upstream,
                           *options], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=full_env, text=True)
        self.stderr_lines = []
        url = None
        for line in proc.stderr:
            self.stderr_lines.append(line)
            self.output.append(line)
            if "listening on " in line:
                url = line.split("listening on ")[1].split(",")[0]
                break
        self.assertIsNotNone(url, "".join(self.stderr_lines))

        def drain(lines):
            for line in proc.stderr:
                with self.lines:
                    lines.append(line)
                    self.output.append(line)
                    self.lines.notify_all()
        self.drain = threading.Thread(target=drain, args=(self.stderr_lines,), daemon=True)
        self.drain.start()
        return proc, url

    def wait_for_log(self, text):
        """Returns once the proxy wrote a line holding `text`."""
        with self.lines:
            self.assertTrue(self.lines.wait_for(lambda: text in self.stderr(), 60), text)

    def stop(self, proc):
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
        self.drain.join(10)
        return code

    def stderr(self):
        return "".join(self.stderr_lines)

    def request(self, url, method="POST", body=None, headers=None, session=None):
        """One request to `url`; returns (status, headers, body)."""
        host, port = url.split("//")[1].split("/")[0].rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        h = dict(JSON_HEADERS)
        h.update(headers or {})
        if session:
            h["Mcp-Session-Id"] = session
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        conn.request(method, "/" + url.split("//")[1].split("/", 1)[1], body=data, headers=h)
        r = conn.getresponse()
        try:
            body = r.read()
        except http.client.IncompleteRead as e:  # a response that broke off
            body = e.partial + b"<broken off>"
        out = (r.status, r.getheaders(), body)
        self.output.append(out)
        conn.close()
        return out

    def raw_post(self, url, session, message, receive_buffer=None):
        """POSTs `message` on a socket of its own, left open for the test to
        read from, stop reading, or close."""
        sock = socket.socket()
        if receive_buffer:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.connect(("127.0.0.1", int(url.split(":")[2].split("/")[0])))
        body = json.dumps(message).encode()
        sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Accept: text/event-stream\r\nAuthorization: %s\r\n"
                     b"Mcp-Session-Id: %s\r\nContent-Length: %d\r\n\r\n%s"
                     % (SECRET.encode(), session.encode(), len(body), body))
        return sock

    def receive_until(self, sock, text):
        """What `sock` received up to and including `text` (and a little
        more, what came with it)."""
        got = b""
        while text not in got:
            more = sock.recv(4096)
            self.assertTrue(more, got)
            got += more
        self.output.append(got)
        return got

    def json_rpc_error(self, headers, body):
        """The message of the JSON-RPC error `body` is (an answer to no
        request: id null), with its Content-Type."""
        self.assertEqual(dict((k.lower(), v) for k, v in headers)["content-type"],
                         "application/json")
        error = json.loads(body)
        self.assertEqual((error["jsonrpc"], error["id"], error["error"]["code"]),
                         ("2.0", None, -32000))
        return error["error"]["message"]

    def session(self, url, **headers):
        return self.session_of(url, INITIALIZE, **headers)

    def session_of(self, url, initialize, **headers):
        status, got, _ = self.request(url, body=initialize, headers=headers)
        self.assertEqual(status, 200)
        return dict((k.lower(), v) for k, v in got)["mcp-session-id"]

    def summary(self):
        """[(tool or method, [action, ...], last data)] per interaction."""
        by_id = {}
        for body in self.bodies():
            by_id.setdefault(body["interaction_id"], []).append(body)
        out = []
        for events in by_id.values():
            start = events[0]["request_data"]
            last = events[-1]
            data = last.get("result_data") or last.get("error_data") or {}
            out.append((start.get("gen_ai.tool.name") or start["request_type"],
                        [e["action"][12:] for e in events], data))
        return out


class HttpProxySdkTest(HttpProxyCase):
    """The official SDK client against server-everything over Streamable
    HTTP, directly and through the proxy: one server for the class (its
    sessions are the clients' own)."""

    @classmethod
    def setUpClass(cls):
        cls.server = None
        if not os.path.exists(EVERYTHING):
            return
        # server-everything over Streamable HTTP (it reads PORT and serves
        # /mcp), started once; it says on stderr when it listens.
        port = free_port()
        cls.server = subprocess.Popen(["node", EVERYTHING, "streamableHttp"],
                                      env=dict(os.environ, PORT=str(port)),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in cls.server.stderr:
            if "listening on port" in line:
                break
        threading.Thread(target=cls.server.stderr.read, daemon=True).start()
        cls.upstream = "http://127.0.0.1:%d/mcp" % port

    @classmethod
    def tearDownClass(cls):
        if cls.server:
            cls.server.kill()
            cls.server.wait()

    def setUp(self):
        super().setUp()
        if not os.path.exists(EVERYTHING):
            message = ("%s is missing: scripts/test.sh installs @modelcontextprotocol/sdk and "
                       "@modelcontextprotocol/server-everything there" % NPM)
            if os.environ.get("MCPR_REQUIRE_NPM") == "1":
                self.fail(message)
            self.skipTest(message)
        self.assertIsNone(self.server.poll(), "server-everything did not start or stopped")
        self.env["MCP_NPM"] = NPM
        self.env["MCP_AUTHORIZATION"] = SECRET  # the SDK client sends it with every request

    def client(self, *args, env=None):
        r = subprocess.run(["node", CLIENT, *args], capture_output=True, timeout=180,
                           env=dict(self.env, **(env or {})), cwd=self.cwd)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def records(self):
        """The spooled events, by interaction, without what differs per run."""
        by_id = {}
        for body in self.bodies():
            by_id.setdefault(body["interaction_id"], []).append(body)
        out = []
        for events in by_id.values():
            shapes = []
            for e in events:
                data = dict(e.get("request_data") or e.get("result_data") or
                            e.get("error_data") or e.get("progress_data"))
                for key in ("processing_time", "network.transport", "server.address",
                            "server.port", "mcp.session.id"):
                    data.pop(key, None)
                shapes.append((e["action"], data))
            out.append(shapes)
        return out

    def test_sdk_session_is_the_same_through_the_proxy_and_recorded_as_over_stdio(self):
        upstream = self.upstream
        direct = self.client("scenario", upstream)
        proc, url = self.proxy(upstream)
        proxied = self.client("scenario", url)
        # The SDK client may miss the last progress notification, which the
        # server sends just before the result, directly as well as through
        # the proxy: the steps seen are compared as a prefix.
        steps = [{"progress": i, "total": 3} for i in (1, 2, 3)]
        for seen in (direct.pop("progress"), proxied.pop("progress")):
            self.assertGreaterEqual(len(seen), 2)
            self.assertEqual(seen, steps[:len(seen)])
        self.assertEqual(proxied, direct)
        self.assertEqual(direct["echo"]["result"]["content"][0]["text"], "Echo: hello proxy")
        self.assertIn("sampled: ", direct["sampling"]["result"]["content"][0]["text"])
        self.assertTrue(direct["session_ended"])
        self.assertEqual(self.stop(proc), 0)
        self.assertNotIn("warning", self.stderr())

        http_bodies = self.bodies()
        starts = [b["request_data"] for b in http_bodies if b["action"] == "interaction_start"]
        self.assertEqual(len(starts), 6)
        port = int(upstream.split(":")[2].split("/")[0])
        for s in starts:
            self.assertEqual(s["network.transport"], "tcp")
            self.assertEqual((s["server.address"], s["server.port"]), ("127.0.0.1", port))
        self.assertEqual(len({s["mcp.session.id"] for s in starts}), 1)
        http_records = self.records()
        self.assertEqual([r[0][1]["mcp.method.name"] for r in http_records],
                         ["tools/call"] * 3 + ["resources/read", "prompts/get", "tools/call"])

        # The same calls over stdio through the stdio proxy, into a new spool.
        for name in self.files():
            os.unlink(os.path.join(self.spool, "queue", name))
        self.client("scenario", "--", BIN, "proxy", "--", "node", EVERYTHING, "stdio")
        stdio_records = self.records()
        # One progress notification may be missed either way (above).
        for records in (http_records, stdio_records):
            for r in records:
                if r[0][1].get("gen_ai.tool.name") == "trigger-long-running-operation":
                    r[:] = [e for e in r if e[0] != "interaction_progress"]
        self.assertEqual(http_records, stdio_records)

    def test_tasks_are_recorded_as_over_stdio(self):
        # The 2025-11-25 tasks of the stdio proxy's test, over HTTP: the
        # session's tracker follows the task across the POSTs that poll it.
        proc, url = self.proxy(self.upstream)
        seen = self.client("tasks", url)
        self.assertIn("Research Report: python (programming)", seen["research"][-1]["result"][0]["text"])
        self.assertEqual(self.stop(proc), 0)
        ends = [(name, actions[0], actions[-1], data.get("error_type"), data.get("task_id") is not None)
                for name, actions, data in self.summary()]
        self.assertEqual(ends, [("simulate-research-query", "start", "complete", None, True),
                                ("simulate-research-query", "start", "error", "Cancelled", True),
                                ("trigger-long-running-operation", "start", "error", "Cancelled",
                                 False)])
        research = self.summary()[0]
        self.assertIn("progress", research[1])  # the task's statuses
        self.assertEqual(self.summary()[2][2]["error_message"], "the user gave up")

    def test_fifty_sessions_at_once(self):
        proc, url = self.proxy(self.upstream)
        sessions = self.client("sessions", "50", url)
        self.assertEqual(len(sessions), 50)
        self.assertEqual(len({s["session"] for s in sessions}), 50)
        for i, s in enumerate(sessions):
            self.assertEqual(s["seen"], ["Echo: s%d-c%d" % (i, j) for j in range(3)])
        self.assertEqual(self.stop(proc), 0)
        by_session = {}
        for name, actions, data in self.summary():
            self.assertEqual((name, actions), ("echo", ["start", "complete"]))
        for b in self.bodies():
            if b["action"] == "interaction_start":
                by_session.setdefault(b["request_data"]["mcp.session.id"], []).append(b)
        self.assertEqual(sorted(by_session), sorted(s["session"] for s in sessions))
        self.assertTrue(all(len(v) == 3 for v in by_session.values()))


class HttpProxyFaultTest(HttpProxyCase):
    def test_headers_pass_both_ways_except_hop_by_hop_and_statuses_are_the_servers(self):
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        headers = {"Authorization": SECRET, "X-Custom": "kept", "Connection": "X-Mine",
                   "X-Mine": "dropped", "Proxy-Authorization": "Basic dropped",
                   "MCP-Protocol-Version": "2025-06-18", "Last-Event-ID": "e41"}
        status, got, body = self.request(url, body=INITIALIZE, headers=headers)
        self.assertEqual(status, 200)
        got = dict((k.lower(), v) for k, v in got)
        self.assertEqual(got["x-fake"], "yes")
        self.assertNotIn("x-hop", got)
        self.assertNotIn("keep-alive", got)
        self.assertEqual(json.loads(body)["result"]["serverInfo"]["name"], "fake")
        session = got["mcp-session-id"]
        [seen] = self.fake_requests()
        seen_headers = dict((k.lower(), v) for k, v in seen["headers"])
        for name in ("authorization", "x-custom", "mcp-protocol-version", "last-event-id",
                     "accept", "content-type"):
            self.assertEqual(seen_headers[name], dict((k.lower(), v) for k, v in
                                                      headers.items()).get(name) or
                             JSON_HEADERS[{"accept": "Accept", "content-type": "Content-Type"}[name]])
        for name in ("x-mine", "proxy-authorization"):
            self.assertNotIn(name, seen_headers)
        self.assertNotIn("x-mine", seen_headers.get("connection", "").lower())
        self.assertEqual(seen_headers["host"], upstream.split("//")[1])
        self.assertEqual(seen["body"], json.dumps(INITIALIZE))

        notification = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        self.assertEqual(self.request(url, body=notification, session=session)[0], 202)
        status, _, body = self.request(url, body=call(1, "json", x=1), session="no-such-session")
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["error"]["message"], "Session not found")
        status, _, body = self.request(url, body=call(2, "json", x=2), session=session)
        self.assertEqual(json.loads(body)["result"]["content"][0]["text"], '{"x": 2}')
        self.assertEqual(self.request(url, method="DELETE", session=session)[0], 200)
        self.assertEqual(self.stop(proc), 0)
        self.assertEqual([(n, a) for n, a, _ in self.summary()],
                         [("json", ["start", "error"]), ("json", ["start", "complete"])])
        self.assertEqual(self.summary()[0][2]["error_type"], "HttpError")

    def test_the_http_trace_context_headers_are_the_parent_when_meta_has_none(self):
        # OpenTelemetry's HTTP client instrumentations inject traceparent and
        # tracestate headers, never params._meta; _meta, where a client puts
        # it, wins (the MCP conventions' parent of the server span).
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)
        in_header = "00-aaaabbbbccccddddeeeeffff00001111-1234567890abcdef-01"
        in_meta = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        headers = {"traceparent": in_header, "tracestate": "k=v"}
        with_meta = call(2, "json", x=2)
        with_meta["params"]["_meta"] = {"traceparent": in_meta}
        for body, h in ((call(1, "json", x=1), headers), (with_meta, headers),
                        (call(3, "json", x=3), {})):
            self.assertEqual(self.request(url, body=body, headers=h, session=session)[0], 200)
        self.assertEqual(self.stop(proc), 0)
        starts = {int(b["request_data"]["jsonrpc.request.id"]): b["request_data"]
                  for b in self.bodies() if b["action"] == "interaction_start"
                  and "jsonrpc.request.id" in b["request_data"]}
        self.assertEqual(sorted(starts), [1, 2, 3], self.bodies())
        self.assertEqual((starts[1].get("traceparent"), starts[1].get("tracestate")),
                         (in_header, "k=v"))
        self.assertEqual((starts[2].get("traceparent"), starts[2].get("tracestate")),
                         (in_meta, None))
        self.assertNotIn("traceparent", starts[3])

    def test_the_upstream_urls_query_goes_with_each_request_to_its_endpoint(self):
        # Servers that take a key in the URL's query: the client names only
        # the proxy's path, and the key is never shown.
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp?api_key=q-s3cr3t&profile=p1")
        self.assertTrue(url.endswith("/mcp"), url)
        session = self.session(url)
        self.assertEqual(self.request(url + "?trace=1", body=call(1, "json"), session=session)[0],
                         200)
        self.request(url.rsplit("/", 1)[0] + "/.well-known/oauth-protected-resource",
                     method="GET")
        self.assertEqual(self.stop(proc), 0)
        self.assertEqual([r["path"] for r in self.fake_requests()],
                         ["/mcp?api_key=q-s3cr3t&profile=p1",
                          "/mcp?api_key=q-s3cr3t&profile=p1&trace=1",
                          "/.well-known/oauth-protected-resource"])
        self.assertNotIn("q-s3cr3t", self.stderr())
        self.assertEqual([(n, a) for n, a, _ in self.summary()], [("json", ["start", "complete"])])

    def test_a_compressed_response_is_passed_as_it_is_and_recorded(self):
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)
        status, got, body = self.request(url, body=call(1, "gzip", text="z" * 1000),
                                         session=session,
                                         headers={"Accept-Encoding": "br, gzip;q=0.9, zstd"})
        self.assertEqual(status, 200)
        self.assertEqual(dict((k.lower(), v) for k, v in got)["content-encoding"], "gzip")
        answer = gzip.decompress(body)
        self.assertEqual(json.loads(answer)["id"], 1)
        # The recorder reads only gzip and deflate: the server was asked for those.
        self.assertEqual(dict((k.lower(), v) for k, v in
                              self.fake_requests()[-1]["headers"])["accept-encoding"], "gzip;q=0.9")
        self.assertEqual(self.stop(proc), 0)
        [(name, actions, data)] = self.summary()
        self.assertEqual((name, actions), ("gzip", ["start", "complete"]))
        self.assertEqual(data["output_size"], len(answer))

    def test_upstream_down_is_502_and_the_call_is_upstream_unavailable(self):
        # The password in the URL is libcurl's to send; tearDown checks that
        # neither it nor the Authorization header shows anywhere.
        port = free_port()
        proc, url = self.proxy("http://mcp-user:%s@127.0.0.1:%d/mcp" % (PASSWORD, port))
        for rid in (1, 2):
            status, got, body = self.request(url, body=call(rid, "echo"), session="s-1")
            self.assertEqual(status, 502)
            # The client learns nothing of the upstream's address; the log
            # does. The body is a JSON-RPC error, as an SDK server's refusals.
            self.assertEqual(self.json_rpc_error(got, body),
                             "mcp-report proxy: the upstream MCP server is unreachable")
        self.assertEqual(self.stop(proc), 0)
        self.assertEqual(self.stderr().count("mcp-report: warning: proxy: upstream"), 1,
                         self.stderr())
        self.assertIn("127.0.0.1:%d/mcp unreachable: " % port, self.stderr())
        summary = self.summary()
        self.assertEqual([(n, a) for n, a, _ in summary], [("echo", ["start", "error"])] * 2)
        self.assertEqual({d["error_type"] for _, _, d in summary}, {"UpstreamUnavailable"})

    def test_upstream_restarting_mid_stream(self):
        fake, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)
        status, _, body = self.request(url, body=call(1, "die", token="t1"), session=session)
        self.assertEqual(status, 200)  # the head came; the stream then broke off
        self.assertIn(b'"progress"', body)
        self.assertTrue(body.endswith(b"<broken off>"), body)
        fake.wait(30)
        # Up again on the same port: new sessions work through the same proxy.
        self.fake(port=int(upstream.rsplit(":", 1)[1]))
        session = self.session(url)
        status, _, body = self.request(url, body=call(2, "echo", n=2), session=session)
        self.assertEqual(status, 200)
        self.assertIn(b'"id": 2', body)
        self.assertEqual(self.stop(proc), 0)
        self.assertIn("broke off a response", self.stderr())
        summary = self.summary()
        self.assertEqual([(n, a) for n, a, _ in summary],
                         [("die", ["start", "progress", "error"]), ("echo", ["start", "complete"])])
        self.assertEqual(summary[0][2]["error_type"], "UpstreamUnavailable")

    def test_a_client_leaving_mid_stream_ends_the_upstream_request_and_its_call(self):
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)
        sock = self.raw_post(url, session, call(1, "hold", token=5))
        self.receive_until(sock, b"progress")
        sock.close()
        self.fake_saw_client_leave("hold")
        # Others are served all the while.
        status, _, body = self.request(url, body=call(2, "json"), session=session)
        self.assertEqual(status, 200)
        self.assertEqual(self.stop(proc), 0)
        summary = self.summary()
        self.assertEqual([(n, a) for n, a, _ in summary],
                         [("hold", ["start", "progress", "error"]), ("json", ["start", "complete"])])
        self.assertEqual(summary[0][2]["error_type"], "ClientClosed")

    def test_a_client_killed_mid_stream_ends_its_call_when_it_leaves(self):
        # The stream's events have ids, but a client that is gone resumes
        # nothing: as over stdio, its call ends ClientClosed when the proxy
        # finds it gone, not when the proxy stops.
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)
        began = time.monotonic()
        sock = self.raw_post(url, session, call(1, "resumable", token=5))
        self.assertIn(b"id: r1-1\n", self.receive_until(sock, b"progress"))
        sock.close()
        self.fake_saw_client_leave("resumable")
        # The proxy closed the upstream request after it ended the call.
        left = time.monotonic() - began
        status, _, _ = self.request(url, body=call(2, "json"), session=session)
        self.assertEqual(status, 200)
        self.assertEqual(self.stop(proc), 0)
        summary = self.summary()
        self.assertEqual([(n, a) for n, a, _ in summary],
                         [("resumable", ["start", "progress", "error"]),
                          ("json", ["start", "complete"])])
        data = summary[0][2]
        self.assertEqual((data["error_type"], data["error_message"]),
                         ("ClientClosed", "the client closed its connection before the response"))
        self.assertLessEqual(data["processing_time"], left + 1e-6)

    def test_a_cancelled_call_is_cancelled_whether_its_stream_or_its_cancellation_comes_first(self):
        # An SDK client that cancels a call sends notifications/cancelled on
        # a POST of its own and closes the call's stream (issue 21: the
        # proxy that saw the stream close first recorded ClientClosed).
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)

        def cancel(rid):
            status, _, _ = self.request(url, session=session, body={
                "jsonrpc": "2.0", "method": "notifications/cancelled",
                "params": {"requestId": rid, "reason": "the user gave up"}})
            self.assertEqual(status, 202)

        # The stream first: the proxy closed the upstream request before the
        # cancellation came.
        sock = self.raw_post(url, session, call(1, "hold", token=5))
        self.receive_until(sock, b"progress")
        sock.close()
        self.fake_saw_client_leave("hold")
        cancel(1)
        # The cancellation first.
        sock = self.raw_post(url, session, call(2, "resumable", token=6))
        self.receive_until(sock, b"progress")
        cancel(2)
        sock.close()
        self.fake_saw_client_leave("resumable")
        self.assertEqual(self.stop(proc), 0)
        ends = [(n, a[-1], d["error_type"], d["error_message"]) for n, a, d in self.summary()]
        self.assertEqual(ends, [("hold", "error", "Cancelled", "the user gave up"),
                                ("resumable", "error", "Cancelled", "the user gave up")])

    def test_a_stream_resumed_with_last_event_id_is_passed_through(self):
        # A client that resumes a stream it lost (GET with Last-Event-ID)
        # gets the rest of it through the proxy; its call ended when it left.
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)
        sock = self.raw_post(url, session, call(1, "resumable", token=5))
        self.assertIn(b"id: r1-1\n", self.receive_until(sock, b"progress"))
        sock.close()
        self.fake_saw_client_leave("resumable")
        status, _, body = self.request(url, method="GET", session=session,
                                       headers={"Last-Event-ID": "r1-1",
                                                "Accept": "text/event-stream"})
        self.assertEqual(status, 200)
        self.assertIn(b"id: r1-2\n", body)
        self.assertEqual(json.loads(body.split(b"data: ")[1])["result"]["content"][0]["text"], "{}")
        # The server's own stream resumes after the event named, too.
        host, port = url.split("//")[1].split("/")[0].rsplit(":", 1)
        stream = http.client.HTTPConnection(host, int(port), timeout=30)
        stream.request("GET", "/mcp", headers={"Accept": "text/event-stream", "Last-Event-ID": "g41",
                                               "Mcp-Session-Id": session, "Authorization": SECRET})
        events = stream.getresponse()
        self.assertEqual((events.status, events.readline()), (200, b"event: message\n"))
        self.assertEqual(events.readline(), b"id: g42\n")
        stream.close()
        resumed = [dict((k.lower(), v) for k, v in r["headers"]).get("last-event-id")
                   for r in self.fake_requests() if r.get("method") == "GET"]
        self.assertEqual(resumed, ["r1-1", "g41"])
        self.assertEqual(self.stop(proc), 0)
        [(name, actions, data)] = self.summary()
        self.assertEqual((name, actions, data["error_type"]),
                         ("resumable", ["start", "progress", "error"], "ClientClosed"))

    def test_each_message_of_a_batch_has_its_own_size(self):
        # 2025-03-26 has batches: each call's input_size is its message's, as
        # over stdio, not the whole body's.
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        initialize = dict(INITIALIZE, params=dict(INITIALIZE["params"], protocolVersion="2025-03-26"))
        session = self.session_of(url, initialize)
        batch = [call(1, "json", n=1), call(2, "json", text="x" * 300)]
        status, _, body = self.request(url, body=json.dumps(batch).encode(), session=session)
        self.assertEqual((status, [m["id"] for m in json.loads(body)]), (200, [1, 2]))
        self.assertEqual(self.stop(proc), 0)
        self.assertEqual([(n, a) for n, a, _ in self.summary()], [("json", ["start", "complete"])] * 2)
        sizes = [b["request_data"]["input_size"] for b in self.bodies()
                 if b["action"] == "interaction_start"]
        self.assertEqual(sizes, [len(json.dumps(m)) for m in batch])
        self.assertEqual([d["output_size"] for _, _, d in self.summary()],
                         [len(json.dumps(m)) for m in json.loads(body)])

    def test_a_session_id_the_upstream_rejects_is_not_recorded(self):
        # 404 (a session it does not know) or 400 (an id it cannot read):
        # the request was in no session, and its call is recorded without one.
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)
        for rid, bogus, status in ((1, "no-such-session", 404), (2, "malformed id", 400)):
            self.assertEqual(self.request(url, body=call(rid, "json"), session=bogus)[0], status)
        self.assertEqual(self.request(url, body=call(3, "json"), session=session)[0], 200)
        self.assertEqual(self.stop(proc), 0)
        self.assertEqual([(n, a, d.get("error_type")) for n, a, d in self.summary()],
                         [("json", ["start", "error"], "HttpError")] * 2 +
                         [("json", ["start", "complete"], None)])
        starts = [b["request_data"] for b in self.bodies() if b["action"] == "interaction_start"]
        self.assertEqual([s.get("mcp.session.id") for s in starts], [None, None, session])

    def test_upstream_answering_500_is_passed_on_and_the_call_is_an_http_error(self):
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)
        status, got, body = self.request(url, body=call(1, "fail500"), session=session)
        self.assertEqual(status, 500)
        self.assertEqual(dict((k.lower(), v) for k, v in got)["content-type"], "application/json")
        self.assertEqual(json.loads(body)["error"]["message"], "Internal server error")
        self.assertEqual(self.stop(proc), 0)
        [(name, actions, data)] = self.summary()
        self.assertEqual((name, actions), ("fail500", ["start", "error"]))
        self.assertEqual((data["error_type"], data["error_message"]),
                         ("HttpError", "the server answered HTTP 500"))

    def test_a_large_request_the_upstream_refuses_is_an_http_error(self):
        # 5 MiB is parsed whole; 11 MiB is a long message, read by its ends
        # ("parsed": false): both calls end with the upstream's 413.
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)
        for rid, mib in ((1, 5), (2, 11)):
            status, _, _ = self.request(url, body=call(rid, "big", blob="x" * (mib << 20)),
                                        session=session)
            self.assertEqual(status, 413)
        self.assertEqual(self.stop(proc), 0)
        summary = self.summary()
        self.assertEqual([a for _, a, _ in summary], [["start", "error"]] * 2, summary)
        self.assertEqual({(d["error_type"], d["error_message"]) for _, _, d in summary},
                         {("HttpError", "the server answered HTTP 413")})

    def test_messages_a_strict_parser_refuses_are_recorded_as_over_stdio(self):
        # NaN and a surrogate pair in the answer, and an id the client wrote
        # 7.0 and the server (JavaScript) 7: the same call.
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)
        request = b'{"jsonrpc": "2.0", "id": 7.0, "method": "tools/call", "params": {"name": "lenient"}}'
        status, _, body = self.request(url, body=request, session=session)
        self.assertEqual(status, 200)
        self.assertIn(b'"id": 7, ', body)
        self.assertIn(b'"score": NaN', body)
        self.assertEqual(self.stop(proc), 0)
        [(name, actions, data)] = self.summary()
        self.assertEqual((name, actions), ("lenient", ["start", "complete"]))
        self.assertEqual(data["content_count"], 1)

    def test_a_client_that_stops_reading_slows_no_other(self):
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)
        stalled = self.raw_post(url, session, call(1, "flood"), receive_buffer=4096)
        # It reads nothing more: its stream backs up to the server, while
        # other calls, of its session and of another, go on.
        other = self.session(url)
        for rid, s in ((2, session), (3, other), (4, session)):
            status, _, answer = self.request(url, body=call(rid, "json", n=rid), session=s)
            self.assertEqual(status, 200)
            self.assertEqual(json.loads(answer)["id"], rid)
        stalled.close()
        self.fake_saw_client_leave("flood")
        self.assertEqual(self.stop(proc), 0)

    def test_an_oversized_body_is_refused_and_never_forwarded(self):
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        port = int(url.split(":")[2].split("/")[0])
        # Announced too large: refused before the body is read.
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % (64 * 1024 * 1024 + 1))
        answer = self.receive_until(sock, b"null}")
        self.assertTrue(answer.startswith(b"HTTP/1.1 413"))
        head, body = answer.split(b"\r\n\r\n", 1)
        headers = [l.split(b": ", 1) for l in head.split(b"\r\n")[1:]]
        self.assertIn("over 64 MiB", self.json_rpc_error([(k.decode(), v.decode()) for k, v in headers],
                                                         body))
        sock.close()
        # Chunked, found too large as it comes.
        chunk = b"x" * (1 << 20)
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        for _ in range(65):
            sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        sock.sendall(b"0\r\n\r\n")
        self.assertTrue(sock.recv(4096).startswith(b"HTTP/1.1 413"))
        sock.close()
        self.assertEqual(self.fake_requests(), [])
        self.assertEqual(self.stop(proc), 0)
        self.assertEqual(self.files(), [])

    def test_a_foreign_origin_or_a_rebound_host_is_refused(self):
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                        {"Host": "rebound.evil.example"}):
            status, got, body = self.request(url, body=INITIALIZE, headers=headers)
            self.assertEqual(status, 403, headers)
            self.assertIn("not allowed", self.json_rpc_error(got, body))
        self.assertEqual(self.fake_requests(), [])
        # A local page (an MCP inspector on another port) may.
        status, _, _ = self.request(url, body=INITIALIZE, headers={"Origin": "http://localhost:6274"})
        self.assertEqual(status, 200)
        self.assertEqual(self.stop(proc), 0)

    def test_on_every_interface_origin_is_checked_and_host_is_not(self):
        # The MCP spec: servers "MUST validate the Origin header on all
        # incoming connections". The names the machine is reached by are
        # unknown: Host is not checked, and the start says so once.
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp", listen="0.0.0.0:0")
        self.assertEqual(self.stderr().count("warning"), 1, self.stderr())
        self.assertIn("proxy: --listen 0.0.0.0 is not loopback: the Host header is not checked",
                      self.stderr())
        for origin in ("http://evil.example", "null", "http://mcp.example.net:8808"):
            status, got, body = self.request(url, body=INITIALIZE, headers={"Origin": origin})
            self.assertEqual(status, 403, origin)
            self.assertIn("Origin not allowed", self.json_rpc_error(got, body))
        self.assertEqual(self.fake_requests(), [])
        for headers in ({"Origin": "http://localhost:6274"}, {"Host": "mcp.example.net:8808"}):
            self.assertEqual(self.request(url, body=INITIALIZE, headers=headers)[0], 200, headers)
        self.assertEqual(self.stop(proc), 0)

    def test_sigterm_lets_requests_in_flight_finish_and_ends_streams(self):
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)
        host, port = "127.0.0.1", int(url.split(":")[2].split("/")[0])
        stream = http.client.HTTPConnection(host, port, timeout=30)
        stream.request("GET", "/mcp", headers={"Accept": "text/event-stream",
                                               "Mcp-Session-Id": session})
        events = stream.getresponse()
        self.assertEqual(events.status, 200)
        slow = http.client.HTTPConnection(host, port, timeout=30)
        slow.request("POST", "/mcp", body=json.dumps(call(1, "slow", token=1, steps=4)),
                     headers=dict(JSON_HEADERS, **{"Mcp-Session-Id": session}))
        answer = slow.getresponse()
        self.assertIn(b"progress", answer.readline() + answer.readline() + answer.readline())
        proc.send_signal(signal.SIGTERM)
        rest = answer.read()  # the whole rest, to the end of the chunked body
        self.assertIn(b'"result"', rest)
        events.read()  # the server's stream ends cleanly
        stream.close()
        slow.close()
        self.assertEqual(proc.wait(60), 0)
        self.drain.join(10)
        self.assertIn("stopping (signal 15)", self.stderr())
        summary = self.summary()
        self.assertEqual(summary[0][1], ["start", "progress", "progress", "progress", "progress",
                                         "complete"])

    def test_a_stream_longer_than_the_grace_is_cut_and_its_call_ends(self):
        # A call that outlasts the stop's grace: the second signal cuts the
        # grace short (else this test would wait its 10 s), the response is
        # broken off, and the call ends as ServerExited.
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        session = self.session(url)
        sock = self.raw_post(url, session, call(1, "slow", token=1, steps=100))
        got = self.receive_until(sock, b"progress")
        proc.send_signal(signal.SIGTERM)
        self.wait_for_log("stopping (signal 15)")
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(60), 0)
        while True:
            more = sock.recv(65536)
            if not more:
                break
            got += more
        sock.close()
        self.assertNotIn(b"\r\n0\r\n\r\n", got)  # no end of the chunked body: broken off
        self.assertNotIn(b'"result"', got)
        [(name, actions, data)] = self.summary()
        self.assertEqual((name, actions[0], actions[-1]), ("slow", "start", "error"))
        self.assertEqual(data["error_type"], "ServerExited")
        self.assertEqual(data["error_message"], "the proxy stopped before the response")

    def test_without_an_mcp_id_it_forwards_and_records_nothing(self):
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp", env={"MCP_REPORT_MCP_ID": ""})
        session = self.session(url)
        status, _, body = self.request(url, body=call(1, "json"), session=session)
        self.assertEqual((status, json.loads(body)["id"]), (200, 1))
        self.assertEqual(self.stop(proc), 0)
        self.assertEqual(self.stderr().count("forwarding without recording"), 1, self.stderr())
        self.assertEqual(self.files(), [])

    def test_a_configuration_that_cannot_be_loaded_forwards_and_records_nothing(self):
        # As over stdio: the server stays reachable, one warning says why,
        # and the stop counts what went unrecorded.
        _, upstream = self.fake()
        config = self.write_config("[interaction_logging\n")
        proc, url = self.proxy(upstream + "/mcp", env={"MCP_REPORT_CONFIG": config})
        session = self.session(url)
        for rid in (1, 2):
            status, _, body = self.request(url, body=call(rid, "json"), session=session)
            self.assertEqual((status, json.loads(body)["id"]), (200, rid))
        self.assertEqual(self.stop(proc), 0)
        self.assertEqual(self.stderr().count("warning"), 1, self.stderr())
        self.assertIn("config.toml:1:", self.stderr())
        self.assertIn("forwarding without recording", self.stderr())
        self.assertIn("proxy: 3 requests to /mcp forwarded without recording", self.stderr())
        self.assertEqual(self.files(), [])

    def test_exit_statuses(self):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = self.fails(69, "proxy", "--listen", "127.0.0.1:%d" % port, "--upstream",
                       "http://127.0.0.1:1/mcp")
        self.assertIn("cannot listen on 127.0.0.1:%d" % port, r.stderr)
        busy.close()
        for args in (("--listen", "127.0.0.1:x", "--upstream", "http://h/mcp"),
                     ("--listen", "8080"), ("--upstream", "http://h/mcp"),
                     ("--listen", "0", "--upstream", "ftp://h/"),
                     ("--listen", "0", "--upstream", "http://h/", "--", "server")):
            self.fails(64, "proxy", *args)
        config = self.write_config('[interaction_logging]\nca_file = "%s"\n'
                                   % os.path.join(self.dir, "missing.pem"))
        self.fails(78, "-c", config, "proxy", "--listen", "0", "--upstream", "https://h/mcp")
        # The upstream's CAs are checked and used whether or not the proxy
        # records, and a folder is no CA bundle (as for flush).
        for logging, ca in (("false", os.path.join(self.dir, "missing.pem")), ("true", self.dir)):
            config = self.write_config('[interaction_logging]\nenable_interaction_logging = %s\n'
                                       'ca_file = "%s"\n' % (logging, ca))
            r = self.fails(78, "-c", config, "proxy", "--listen", "0", "--upstream",
                           "https://h/mcp", timeout=15)
            self.assertIn("ca_file " + ca, r.stderr)

    def test_tls_to_the_upstream_is_verified(self):
        # A CA of the test's own, and the server's certificate signed by it.
        path = lambda name: os.path.join(self.dir, name)
        openssl = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                "/CN=mcp-report test CA", "-keyout", path("ca.key"), "-out", path("ca.pem"))
        openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                "-keyout", path("key.pem"), "-out", path("server.csr"))
        with open(path("san.ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\n")
        openssl("x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey",
                path("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", path("san.ext"),
                "-out", path("cert.pem"))
        _, upstream = self.fake("--tls-cert", path("cert.pem"), "--tls-key", path("key.pem"))
        # The system's CAs do not know it: 502, and the log says why.
        proc, url = self.proxy(upstream + "/mcp")
        status, _, body = self.request(url, body=INITIALIZE)
        self.assertEqual(status, 502)
        self.stop(proc)
        self.assertIn("certificate", self.stderr())
        config = self.write_config('[interaction_logging]\nca_file = "%s"\n' % path("ca.pem"))
        proc, url = self.proxy(upstream + "/mcp", env={"MCP_REPORT_CONFIG": config})
        self.assertEqual(self.request(url, body=INITIALIZE)[0], 200)
        # The name is verified too: the certificate is not localhost's.
        self.stop(proc)
        proc, url = self.proxy(upstream.replace("127.0.0.1", "localhost") + "/mcp",
                               env={"MCP_REPORT_CONFIG": config})
        status, _, body = self.request(url, body=INITIALIZE)
        self.assertEqual(status, 502)
        self.assertEqual(self.stop(proc), 0)

    def test_a_revision_without_sessions_is_recorded_without_a_session_id(self):
        # 2026-07-28: no initialize, no Mcp-Session-Id; the client's name,
        # version and revision come in each request's _meta.
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "stateless", "version": "9"}}
        for rid, tool in ((1, "json"), (2, "echo")):
            message = call(rid, tool, n=rid)
            message["params"]["_meta"] = meta
            status, _, body = self.request(url, body=message,
                                           headers={"MCP-Protocol-Version": "2026-07-28"})
            self.assertEqual(status, 200)
            self.assertEqual(json.loads(body.split(b"data: ")[-1])["id"], rid)
        self.assertEqual(self.stop(proc), 0)
        self.assertEqual([(n, a) for n, a, _ in self.summary()],
                         [("json", ["start", "complete"]), ("echo", ["start", "complete"])])
        port = int(upstream.rsplit(":", 1)[1])
        for start in (b["request_data"] for b in self.bodies() if b["action"] == "interaction_start"):
            self.assertNotIn("mcp.session.id", start)
            self.assertEqual((start["mcp.protocol.version"], start["mcp.client.name"],
                              start["network.transport"], start["server.address"],
                              start["server.port"]), ("2026-07-28", "stateless", "tcp", "127.0.0.1",
                                                      port))


    def test_a_task_without_a_session_is_followed_across_its_polls(self):
        # 2026-07-28 without sessions: a call answered with a task ends with
        # the task, whichever later POST polls it (tasks/get), as over stdio;
        # other calls, even with the same ids, stay their own.
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "stateless", "version": "9"},
                "io.modelcontextprotocol/clientCapabilities":
                    {"extensions": {"io.modelcontextprotocol/tasks": {}}}}
        headers = {"MCP-Protocol-Version": "2026-07-28"}

        def post(message):
            message["params"]["_meta"] = meta
            status, _, body = self.request(url, body=message, headers=headers)
            self.assertEqual(status, 200)
            return json.loads(body)["result"]
        task = post(call(1, "task"))["taskId"]
        post(call(2, "json"))
        self.assertEqual(post(rpc(2, "tasks/get", taskId=task))["status"], "working")
        self.assertEqual(post(rpc(3, "tasks/get", taskId=task))["status"], "completed")
        self.assertEqual(self.stop(proc), 0)
        summary = self.summary()
        self.assertEqual([(n, a[0], a[-1]) for n, a, _ in summary],
                         [("task", "start", "complete"), ("json", "start", "complete")])
        self.assertIn("progress", summary[0][1])
        self.assertEqual((summary[0][2]["task_id"], summary[0][2]["content_count"]), (task, 1))


if __name__ == "__main__":
    unittest.main()
