#!/usr/bin/env python3
"""A development MCPCoordinator: the three endpoints of the v2 API with a
Bearer key, appending every accepted event to an NDJSON file, with faults to
inject for tests and demos.

    scripts/dev-coordinator.py --port 8080 --key dev-key --out received.ndjson

Faults (flags at start, or at run time with POST /_control and a JSON object
of the same names, e.g. {"fail_first": 3, "status_code": 503}):
  fail_first N       answer the next N event POSTs with status_code (default 503)
  fail_rate F        answer a fraction F of event POSTs with status_code
  status_code N      the failing status (429, 502, 503, 504 carry retry_after if set)
  retry_after V      Retry-After value sent with 429/502/503/504 (seconds or HTTP date)
  always N           answer every event POST with status N
  slow S             wait S seconds before answering
  hold true|false    keep every event POST waiting until hold is set false
                     again (a test's gate: "a flush is sending now")
  drop_rate F        close the connection without answering for a fraction F
  half_rate F        send half a response, then close, for a fraction F
  location URL       Location sent with 3xx answers
  health_status N    the status of GET /api/v2/health (default 200)
  validate_status N  the status of POST /api/v2/validate with the right key
  script [..]        statuses (or "drop", "half", "stall", "hang") used in order
                     for the next POSTs; "stall" sends the start of an answer and
                     then nothing for a minute; "hang" takes the request and
                     sends not one byte for a minute
  error_body TEXT    raw body of failing answers (event POSTs and health), with
                     {auth} replaced by the request's Authorization header: a
                     careless server echoing the key, or control characters
--tls-cert/--tls-key serve https.
GET /_stats gives counts. Every request is also logged (--log) with its
headers, so tests can check Idempotency-Key and User-Agent.
"""
import argparse
import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.key = args.key
        self.out = open(args.out, "a", buffering=1) if args.out else None
        self.log = open(args.log, "a", buffering=1) if args.log else None
        self.faults = {
            "fail_first": args.fail_first, "fail_rate": args.fail_rate,
            "status_code": args.status_code, "retry_after": args.retry_after,
            "always": args.always, "slow": args.slow, "drop_rate": args.drop_rate,
            "half_rate": 0.0, "location": "http://127.0.0.1:9/elsewhere", "script": [],
            "health_status": 200, "validate_status": 200, "error_body": "",
            "hold": False,
        }
        self.accepted = 0
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0

    def choose(self):
        """The answer for the next event POST: a status, or "drop"."""
        f = self.faults
        if f["script"]:
            return f["script"].pop(0)
        if f["always"]:
            return f["always"]
        if f["fail_first"] > 0:
            f["fail_first"] -= 1
            return f["status_code"]
        if f["drop_rate"] and random.random() < f["drop_rate"]:
            return "drop"
        if f["half_rate"] and random.random() < f["half_rate"]:
            return "half"
        if f["fail_rate"] and random.random() < f["fail_rate"]:
            return f["status_code"]
        return 200


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dev-coordinator/1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode() if status not in (204, 304) else b""
        raw = self.server.state.faults["error_body"]
        if raw and status >= 300 and self.path != "/_control":
            data = raw.replace("{auth}", self.headers.get("Authorization") or "").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        return self.headers.get("Authorization") == "Bearer " + self.server.state.key

    def record(self, status, body, started):
        st = self.server.state
        if st.log:
            entry = {
                "method": self.command, "path": self.path, "status": status,
                "idempotency_key": self.headers.get("Idempotency-Key"),
                "user_agent": self.headers.get("User-Agent"),
                "content_type": self.headers.get("Content-Type"),
                "authorized": self.authorized(),
                "body": body, "start": started, "end": time.time(),
            }
            with st.lock:
                st.log.write(json.dumps(entry) + "\n")

    def do_GET(self):
        st = self.server.state
        started = time.time()
        if self.path == "/_stats":
            with st.lock:
                return self.reply(200, {"accepted": st.accepted, "requests": st.requests,
                                        "max_in_flight": st.max_in_flight})
        if self.path.endswith("/api/v2/health"):
            status = st.faults["health_status"]
            self.record(status, None, started)
            return self.reply(status, {"status": "healthy" if status == 200 else "failing"})
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        st = self.server.state
        started = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = raw.decode("utf-8", "replace")
        if self.path == "/_control":
            try:
                change = json.loads(body or "{}")
            except ValueError as e:
                return self.reply(400, {"error": "not JSON: %s" % e})
            if not isinstance(change, dict):
                return self.reply(400, {"error": "expected a JSON object of fault names"})
            unknown = sorted(set(change) - set(st.faults))
            if unknown:
                return self.reply(400, {"error": "unknown fault %s; known: %s"
                                        % (", ".join(unknown), ", ".join(sorted(st.faults)))})
            with st.lock:
                st.faults.update(change)
            return self.reply(200, st.faults)
        if self.path.endswith("/api/v2/validate"):
            ok = self.authorized()
            status = st.faults["validate_status"] if ok else 401
            self.record(status, body, started)
            return self.reply(status, {"valid": ok})
        if not self.path.endswith("/api/v2/interactions"):
            return self.reply(404, {"error": "not found"})
        if not self.authorized():
            self.record(401, body, started)
            return self.reply(401, {"error": "invalid API key"})
        with st.lock:
            st.requests += 1
            st.in_flight += 1
            st.max_in_flight = max(st.max_in_flight, st.in_flight)
            answer = st.choose()
            slow = st.faults["slow"]
            retry_after = st.faults["retry_after"]
            location = st.faults["location"]
        try:
            if slow:
                time.sleep(slow)
            while st.faults["hold"]:
                time.sleep(0.01)
            if answer == "drop":
                self.record("drop", body, started)
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if answer == "half":
                self.record("half", body, started)
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"sta")
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if answer == "hang":
                self.record("hang", body, started)
                time.sleep(60)
                self.close_connection = True
                return
            if answer == "stall":
                self.record("stall", body, started)
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"sta")
                self.wfile.flush()
                time.sleep(60)
                self.close_connection = True
                return
            status = int(answer)
            if 200 <= status < 300:
                json.loads(body)  # a coordinator would refuse what is not JSON
                with st.lock:
                    st.accepted += 1
                    if st.out:
                        st.out.write(body + "\n")
                self.record(status, body, started)
                return self.reply(status, {"status": "ok"})
            headers = {}
            if status in (429, 502, 503, 504) and retry_after:
                headers["Retry-After"] = str(retry_after)
            if 300 <= status < 400:
                headers["Location"] = location
            self.record(status, body, started)
            self.reply(status, {"error": "injected failure %d" % status}, headers)
        finally:
            with st.lock:
                st.in_flight -= 1


EXAMPLES = """
Examples:
  scripts/dev-coordinator.py &                      # port 8080, key dev-key
  scripts/dev-coordinator.py --port 0 --port-file port --out received.ndjson
  curl -s -X POST -d '{"fail_first": 3, "status_code": 503}' http://127.0.0.1:8080/_control
  curl -s http://127.0.0.1:8080/_stats
An unknown fault name in /_control is refused with 400.
"""


def main():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__[__doc__.index("\n\n") + 2:] + EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--key", default="dev-key", help="the Bearer key to accept")
    p.add_argument("--out", help="append accepted events here (NDJSON)")
    p.add_argument("--log", help="append every request here (NDJSON)")
    p.add_argument("--fail-first", type=int, default=0, metavar="N",
                   help="answer the first N event POSTs with --status-code")
    p.add_argument("--fail-rate", type=float, default=0.0, metavar="F",
                   help="answer a fraction F (0..1) of event POSTs with --status-code")
    p.add_argument("--status-code", type=int, default=503, metavar="N",
                   help="the failing status (default 503)")
    p.add_argument("--retry-after", default="", metavar="V",
                   help="Retry-After sent with 429/502/503/504 (seconds or an HTTP date)")
    p.add_argument("--always", type=int, default=0, metavar="N",
                   help="answer every event POST with status N")
    p.add_argument("--slow", type=float, default=0.0, metavar="S",
                   help="wait S seconds before each answer")
    p.add_argument("--drop-rate", type=float, default=0.0, metavar="F",
                   help="close the connection without an answer for a fraction F")
    p.add_argument("--tls-cert", help="serve https with this certificate (PEM)")
    p.add_argument("--tls-key", help="the certificate's private key (PEM)")
    args = p.parse_args()
    ThreadingHTTPServer.allow_reuse_address = True
    try:
        server = ThreadingHTTPServer((args.host, args.port), Handler)
    except OSError as e:
        sys.exit("dev-coordinator: cannot listen on %s:%d: %s (another coordinator running? "
                 "try --port 0)" % (args.host, args.port, e.strerror or e))
    server.daemon_threads = True
    server.state = State(args)
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        import os
        os.rename(args.port_file + ".tmp", args.port_file)
    print("dev-coordinator: listening on http://%s:%d (key %r)" % (args.host, port, args.key),
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
