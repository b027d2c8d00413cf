"""`mcp-report proxy --listen ... --upstream URL` through the real binary: the
official MCP SDK client against the reference server over Streamable HTTP
sees the same session through the proxy as directly, and the spool holds
what the stdio proxy records for the same calls; a scripted fake server
(tests/proxy/fake_http_server.py) covers the faults: an upstream that is
down, restarts mid-stream or answers 500, a client that leaves mid-stream,
an oversized body, a foreign Origin, SIGTERM, exit statuses, TLS."""
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

from harness import BIN, SOURCE, Case, start_server

PROXY_TESTS = os.path.join(SOURCE, "tests", "proxy")
FAKE = os.path.join(PROXY_TESTS, "fake_http_server.py")
CLIENT = os.path.join(PROXY_TESTS, "sdk_http_client.mjs")
NPM = os.environ.get("MCPR_NPM_DIR") or os.path.join(SOURCE, ".cache", "npm-mcp")
EVERYTHING = os.path.join(NPM, "node_modules", "@modelcontextprotocol", "server-everything",
                          "dist", "index.js")
SECRET = "Bearer s3cr3t-t0ken-4711"
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


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

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
            if p.stderr:
                p.stderr.close()
        super().tearDown()

    def spawn(self, argv, **kw):
        p = subprocess.Popen(argv, cwd=self.cwd, **kw)
        self.procs.append(p)
        return p

    def fake(self, *flags, port=0):
        """The fake server; returns (process, its base URL)."""
        self.fake_log = os.path.join(self.dir, "fake.ndjson")
        argv = [sys.executable, FAKE, "--port", str(port), "--log", self.fake_log, *flags]
        proc, port = start_server(argv, self.dir, "fake MCP server")
        self.procs.append(proc)
        scheme = "https" if "--tls-cert" in flags else "http"
        return proc, "%s://127.0.0.1:%d" % (scheme, port)

    def fake_requests(self):
        if not os.path.exists(self.fake_log):
            return []
        with open(self.fake_log) as f:
            return [json.loads(line) for line in f]

    def proxy(self, upstream, *options, env=None):
        """Starts the HTTP proxy on a free loopback port; returns (process,
        its URL). Its stderr is kept in self.stderr_lines."""
        full_env = dict(self.env)
        full_env.update(env or {})
        proc = self.spawn([BIN, "-vv", "proxy", "--listen", "127.0.0.1:0", "--upstream", upstream,
                           *options], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=full_env, text=True)
        self.stderr_lines = []
        url = None
        for line in proc.stderr:
            self.stderr_lines.append(line)
            if "listening on " in line:
                url = line.split("listening on ")[1].split(",")[0]
                break
        self.assertIsNotNone(url, "".join(self.stderr_lines))
        drain = threading.Thread(target=lambda: self.stderr_lines.extend(proc.stderr), daemon=True)
        drain.start()
        self.drain = drain
        return proc, url

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
                     b"Accept: text/event-stream\r\nMcp-Session-Id: %s\r\nContent-Length: %d\r\n\r\n%s"
                     % (session.encode(), len(body), body))
        return sock

    def session(self, url, **headers):
        status, got, _ = self.request(url, body=INITIALIZE, headers=headers)
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

    def wait_for(self, what, predicate, seconds=30):
        """Waits until predicate() holds (the proxy's writer gathers events for
        100 ms; a server notices a client leaving on its next write)."""
        deadline = time.time() + seconds
        while not predicate():
            if time.time() > deadline:
                self.fail("timed out waiting for " + what)
            time.sleep(0.05)


class HttpProxySdkTest(HttpProxyCase):
    """The official SDK client against server-everything over Streamable
    HTTP, directly and through the proxy."""

    def setUp(self):
        super().setUp()
        if not os.path.exists(EVERYTHING):
            message = ("%s is missing: scripts/test.sh installs @modelcontextprotocol/sdk and "
                       "@modelcontextprotocol/server-everything there" % NPM)
            if os.environ.get("MCPR_REQUIRE_NPM") == "1":
                self.fail(message)
            self.skipTest(message)
        self.env["MCP_NPM"] = NPM

    def everything(self):
        """server-everything over Streamable HTTP on a free port (it reads PORT
        and serves /mcp); returns its URL."""
        port = free_port()
        env = dict(self.env, PORT=str(port))
        proc = self.spawn(["node", EVERYTHING, "streamableHttp"], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    self.fail("server-everything did not start")
                time.sleep(0.1)
        return "http://127.0.0.1:%d/mcp" % port

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
        upstream = self.everything()
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

    def test_fifty_sessions_at_once(self):
        upstream = self.everything()
        proc, url = self.proxy(upstream)
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
        self.assertNotIn(SECRET.split()[1], self.stderr())
        self.assertNotIn(SECRET.split()[1], json.dumps(self.bodies()))
        self.assertEqual([(n, a) for n, a, _ in self.summary()],
                         [("json", ["start", "error"]), ("json", ["start", "complete"])])
        self.assertEqual(self.summary()[0][2]["error_type"], "HttpError")

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
        proc, url = self.proxy("http://127.0.0.1:%d/mcp" % free_port())
        for rid in (1, 2):
            status, _, body = self.request(url, body=call(rid, "echo"), session="s-1",
                                           headers={"Authorization": SECRET})
            self.assertEqual(status, 502)
            self.assertIn(b"unreachable", body)
            self.assertNotIn(SECRET.split()[1].encode(), body)
        self.assertEqual(self.stop(proc), 0)
        self.assertEqual(self.stderr().count("mcp-report: warning: proxy: upstream"), 1,
                         self.stderr())
        self.assertNotIn(SECRET.split()[1], self.stderr())
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
        got = b""
        while b"progress" not in got:
            got += sock.recv(4096)
        sock.close()
        self.wait_for("the server to see the client gone",
                      lambda: any(r.get("event") == "client-gone" for r in self.fake_requests()))
        # Others are served all the while.
        status, _, body = self.request(url, body=call(2, "json"), session=session)
        self.assertEqual(status, 200)
        self.wait_for("the call to end", lambda: len(self.summary()) == 2 and
                      self.summary()[0][1] == ["start", "progress", "error"])
        self.assertEqual(self.summary()[0][2]["error_type"], "ClientClosed")
        self.assertEqual(self.stop(proc), 0)

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
        self.wait_for("the server to see the stalled client gone",
                      lambda: any(r.get("tool") == "flood" for r in self.fake_requests()))
        self.assertEqual(self.stop(proc), 0)

    def test_an_oversized_body_is_refused_and_never_forwarded(self):
        _, upstream = self.fake()
        proc, url = self.proxy(upstream + "/mcp")
        port = int(url.split(":")[2].split("/")[0])
        # Announced too large: refused before the body is read.
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % (64 * 1024 * 1024 + 1))
        self.assertTrue(sock.recv(4096).startswith(b"HTTP/1.1 413"))
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
            status, _, body = self.request(url, body=INITIALIZE, headers=headers)
            self.assertEqual(status, 403, headers)
        self.assertEqual(self.fake_requests(), [])
        # A local page (an MCP inspector on another port) may.
        status, _, _ = self.request(url, body=INITIALIZE, headers={"Origin": "http://localhost:6274"})
        self.assertEqual(status, 200)
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
        got = b""
        while b"progress" not in got:
            got += sock.recv(4096)
        proc.send_signal(signal.SIGTERM)
        self.wait_for("the proxy to stop taking requests",
                      lambda: "stopping (signal 15)" in self.stderr())
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

    def test_tls_to_the_upstream_is_verified(self):
        cert, key = os.path.join(self.dir, "cert.pem"), os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        _, upstream = self.fake("--tls-cert", cert, "--tls-key", key)
        proc, url = self.proxy(upstream + "/mcp")
        status, _, body = self.request(url, body=INITIALIZE)
        self.assertEqual(status, 502)
        self.assertIn(b"certificate", body)
        self.stop(proc)
        config = self.write_config('[interaction_logging]\nca_file = "%s"\n' % cert)
        proc, url = self.proxy(upstream + "/mcp", env={"MCP_REPORT_CONFIG": config})
        self.assertEqual(self.request(url, body=INITIALIZE)[0], 200)
        self.assertEqual(self.stop(proc), 0)


if __name__ == "__main__":
    unittest.main()
