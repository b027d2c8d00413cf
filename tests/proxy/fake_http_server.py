#!/usr/bin/env python3
"""A scripted Streamable HTTP MCP server for the HTTP proxy's edge cases
(tests/e2e/test_http_proxy.py). POST initialize opens a session (its id in
Mcp-Session-Id, a JSON response); other requests need that id (404 without
it, 400 for an id with a space; at revision 2026-07-28, named by
MCP-Protocol-Version, there are no sessions); notifications get 202. tools/call answers by the tool's name:
  echo      an SSE stream of one event: a result echoing the arguments
            ({"ids": true} gives the events ids, so a client may resume)
  json      the same result as an application/json response
  gzip      that response gzipped when Accept-Encoding allows gzip
  slow      an SSE stream: `steps` progress events 0.2 s apart, then the result
  fail500   HTTP 500 with a JSON-RPC error (id null), as the SDK's servers answer
  die       one progress event, then the process exits (a server restarting)
  hold      one progress event, then comments until the client is gone
  resumable the same, its progress event with an id: the client may resume
            the stream with a GET naming it in Last-Event-ID, which then
            brings the result
  flood     events of 64 KiB as fast as they go, until the client is gone
  task      a JSON response that is a task (2026-07-28 extension, resultType
            "task"); tasks/get on it answers working, then completed
  lenient   a JSON response that JavaScript's JSON.parse takes and a strict
            parser refuses (NaN; a surrogate pair as escapes, not a lone
            one, which the Python SDK refuses too), its id as JavaScript
            writes the request's (7.0 -> 7)
A batch (a JSON array) is answered with an array of such results. A POST body over 4 MiB gets HTTP 413 with a JSON-RPC error (id null), as
the SDK's servers answer (logged without its body).
GET opens the server's SSE stream: a notification every 0.2 s until the
client leaves, numbered after the Last-Event-ID the client sends; DELETE
ends the session. Every response carries X-Fake: yes and the hop-by-hop
headers Keep-Alive and X-Hop (named by Connection), which a proxy must not
pass on. --log FILE appends one JSON line per request (its method, path,
headers and body) and per client that went away. GET /_wait?tool=NAME
(not logged) answers once the client of a NAME call went away. The port
is written to --port-file, and to standard output as a line."""
import argparse
import gzip
import json
import os
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG_LOCK = threading.Condition()
SESSIONS = set()
GONE = set()     # tools whose client went away
RESUME = {}      # event id -> the result a GET resuming after it brings
TASKS = {}       # task id -> how often tasks/get asked for it
ARGS = None
MAX_BODY = 4 << 20  # as server-everything's body parser


def log(entry):
    with LOG_LOCK:
        if ARGS.log:
            with open(ARGS.log, "a") as f:
                f.write(json.dumps(entry) + "\n")
        if entry.get("event") == "client-gone":
            GONE.add(entry["tool"])
            LOG_LOCK.notify_all()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def head(self, status, content_type=None, length=None, extra=()):
        self.send_response(status)
        self.send_header("X-Fake", "yes")
        self.send_header("Keep-Alive", "timeout=5")
        self.send_header("Connection", "X-Hop")
        self.send_header("X-Hop", "hop-by-hop")
        if content_type:
            self.send_header("Content-Type", content_type)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()

    def json(self, status, obj, extra=(), packed=False):
        body = json.dumps(obj).encode()
        if packed:
            body = gzip.compress(body)
            extra = list(extra) + [("Content-Encoding", "gzip")]
        self.head(status, "application/json", len(body), extra)
        self.wfile.write(body)

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def event(self, message, event_id=None):
        text = "event: message\n"
        if event_id:
            text += "id: %s\n" % event_id
        self.chunk((text + "data: %s\n\n" % json.dumps(message)).encode())

    def record(self, body=None):
        log({"method": self.command, "path": self.path, "headers": self.headers.items(),
             "body": body})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        if length > MAX_BODY:
            self.rfile.read(length)
            self.record("<%d bytes>" % length)
            self.json(413, {"jsonrpc": "2.0", "id": None,
                            "error": {"code": -32000, "message": "Payload too large"}})
            return
        body = self.rfile.read(length).decode()
        self.record(body)
        msg = json.loads(body)
        session = self.headers.get("Mcp-Session-Id")
        if isinstance(msg, list):  # a batch (2025-03-26): one JSON array of answers
            if session not in SESSIONS:
                self.json(404, {"jsonrpc": "2.0", "id": None,
                                "error": {"code": -32001, "message": "Session not found"}})
                return
            self.json(200, [{"jsonrpc": "2.0", "id": m["id"], "result": {"content": [
                {"type": "text", "text": json.dumps(m["params"].get("arguments", {}))}]}}
                for m in msg if "id" in m])
            return
        if msg.get("method") == "initialize":
            session = str(uuid.uuid4())
            SESSIONS.add(session)
            result = {"protocolVersion": msg["params"]["protocolVersion"], "capabilities": {},
                      "serverInfo": {"name": "fake", "version": "1"}}
            self.json(200, {"jsonrpc": "2.0", "id": msg["id"], "result": result},
                      [("Mcp-Session-Id", session)])
            return
        stateless = self.headers.get("MCP-Protocol-Version") == "2026-07-28"
        if session and " " in session:
            self.json(400, {"jsonrpc": "2.0", "id": None,
                            "error": {"code": -32000, "message": "Bad Request: invalid session ID"}})
            return
        if session not in SESSIONS and not stateless:
            self.json(404, {"jsonrpc": "2.0", "id": None,
                            "error": {"code": -32001, "message": "Session not found"}})
            return
        if "id" not in msg:
            self.head(202, length=0)
            return
        params = msg.get("params", {})
        if msg.get("method") == "tasks/get":  # polled twice: working, then completed
            TASKS[params["taskId"]] = polls = TASKS.get(params["taskId"], 0) + 1
            state = {"resultType": "complete", "taskId": params["taskId"],
                     "status": "working" if polls < 2 else "completed"}
            if polls >= 2:
                state["result"] = {"content": [{"type": "text", "text": "done"}], "isError": False}
            self.json(200, {"jsonrpc": "2.0", "id": msg["id"], "result": state})
            return
        tool = params.get("name")
        arguments = params.get("arguments", {})
        token = params.get("_meta", {}).get("progressToken")
        result = {"content": [{"type": "text", "text": json.dumps(arguments)}]}
        answer = {"jsonrpc": "2.0", "id": msg["id"], "result": result}

        def progress(n, total):
            return {"jsonrpc": "2.0", "method": "notifications/progress",
                    "params": {"progressToken": token, "progress": n, "total": total}}

        if tool == "json":
            self.json(200, answer)
        elif tool == "task":  # the 2026-07-28 task extension: the answer is a task
            self.json(200, {"jsonrpc": "2.0", "id": msg["id"], "result": {
                "resultType": "task", "taskId": "task-%s" % msg["id"], "status": "working",
                "createdAt": "2026-12-03T10:30:00Z", "ttlMs": 60000, "pollIntervalMs": 100}})
        elif tool == "lenient":
            rid = msg["id"]
            rid = int(rid) if isinstance(rid, float) and rid.is_integer() else rid
            body = ('{"jsonrpc": "2.0", "id": %s, "result": {"content": [{"type": "text", '
                    '"text": "\\ud83d\\ude00"}], "score": NaN}}' % json.dumps(rid)).encode()
            self.head(200, "application/json", len(body))
            self.wfile.write(body)
        elif tool == "gzip":
            self.json(200, answer, packed="gzip" in self.headers.get("Accept-Encoding", ""))
        elif tool == "fail500":
            self.json(500, {"jsonrpc": "2.0", "id": None,
                            "error": {"code": -32603, "message": "Internal server error"}})
        elif tool in ("echo", "slow", "die", "hold", "resumable", "flood"):
            self.head(200, "text/event-stream")
            ids = arguments.get("ids")
            if tool == "slow":
                steps = arguments.get("steps", 5)
                for n in range(1, steps + 1):
                    self.event(progress(n, steps), ids and "e%d" % n)
                    time.sleep(0.2)
            elif tool == "die":
                self.event(progress(1, 2))
                time.sleep(0.1)
                os._exit(1)
            elif tool == "flood":
                blob = "y" * 65536
                try:
                    while True:
                        self.event({"jsonrpc": "2.0", "method": "notifications/message",
                                    "params": {"level": "info", "data": blob}})
                except OSError:
                    log({"event": "client-gone", "tool": "flood"})
                    return
            elif tool in ("hold", "resumable"):
                event_id = None
                if tool == "resumable":
                    event_id = "r%s-1" % msg["id"]
                    RESUME[event_id] = answer
                self.event(progress(1, 2), event_id)
                try:
                    while True:
                        time.sleep(0.05)
                        self.chunk(b": ping\n\n")
                except OSError:
                    log({"event": "client-gone", "tool": tool})
                    return
            self.event(answer, ids and "last")
            self.chunk(b"")
        else:
            self.json(200, {"jsonrpc": "2.0", "id": msg["id"], "result": {}})

    def do_GET(self):
        if self.path.startswith("/_wait?tool="):
            tool = self.path.split("=", 1)[1]
            with LOG_LOCK:
                LOG_LOCK.wait_for(lambda: tool in GONE)
            self.head(200, length=0)
            return
        self.record()
        if self.headers.get("Mcp-Session-Id") not in SESSIONS:
            self.json(404, {"jsonrpc": "2.0", "id": None,
                            "error": {"code": -32001, "message": "Session not found"}})
            return
        self.head(200, "text/event-stream")
        last = self.headers.get("Last-Event-ID", "")
        if last in RESUME:
            self.event(RESUME.pop(last), last[:-1] + "2")
            self.chunk(b"")
            return
        try:
            n = int(last[1:]) if last.startswith("g") and last[1:].isdigit() else 0
            while True:
                n += 1
                self.event({"jsonrpc": "2.0", "method": "notifications/message",
                            "params": {"level": "info", "data": "tick %d" % n}}, "g%d" % n)
                time.sleep(0.2)
        except OSError:
            log({"event": "client-gone", "tool": "GET"})

    def do_DELETE(self):
        self.record()
        SESSIONS.discard(self.headers.get("Mcp-Session-Id"))
        self.head(200, length=0)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--log")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    ARGS = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    if ARGS.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(ARGS.tls_cert, ARGS.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    if ARGS.port_file:
        tmp = ARGS.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(server.server_address[1]))
        os.rename(tmp, ARGS.port_file)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
