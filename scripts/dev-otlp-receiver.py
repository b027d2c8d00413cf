#!/usr/bin/env python3
"""A development OTLP/HTTP receiver: POST /v1/traces and /v1/logs in OTLP's
JSON encoding, checked strictly, with faults to inject for tests and demos.

    scripts/dev-otlp-receiver.py --out records.ndjson --spans spans.ndjson

Every request is decoded (Content-Encoding: gzip too) and checked against the
OTLP JSON rules of opentelemetry-proto's docs/specification.md, trace.proto
and logs.proto: only known lowerCamelCase key names, the right types, 32/16
hex digit trace and span ids (never all zero), 64-bit integers as decimal
strings, enums as integers in range, an AnyValue holding at most one value,
a span ending no earlier than it starts. A span that carries mcp.method.name
is also checked against the OpenTelemetry semantic conventions for MCP
(semantic-conventions v1.41.0, the MCP server span of docs/gen-ai/mcp.md and
the registries it refers to): kind SERVER, its name (or that name cut to
an attribute value length limit: its first N characters, N no fewer than any
string attribute value holds), each attribute's name
and type from the table below, the conditionally required ones, error.type
exactly when the status is ERROR; our own attributes must be mcp_report.*.
A violation is answered 400 with the reason (and nothing is recorded), as a
strict collector would lose the data silently. An accepted request appends
one NDJSON line per log record to --out ({"resource": {attributes}, "scope":
{...}, "record": {...}}) and per span to --spans ({..., "span": {...}}).
GET /_spans is the dedup view a tracing backend keeps: one span per (traceId,
spanId) with how many times it came and whether a resend differed.

Faults (flags at start, or at run time with POST /_control and a JSON object
of the same names, e.g. {"fail_first": 2, "status_code": 503}):
  fail_first N        answer the next N export requests with status_code
  status_code N       the failing status (default 503)
  retry_after V       Retry-After sent with a failing 429/502/503/504 (seconds or a date)
  drop_first N        close the connection without answering the next N
  partial_rejected N  answer 200 with partialSuccess rejecting N spans or records
  partial_message M   the partialSuccess errorMessage
  slow S              wait S seconds before answering
  script [..]         answers used in order for the next requests: statuses,
                      "drop", "hang" (not one byte back for a minute), or
                      {"partial": N}
  only_path P         the faults above apply to requests to P alone (e.g.
                      "/v1/traces"); others are answered 200
  kill_pid N, kill_path P
                      after answering the next request to P, SIGKILL process N
                      (a client that dies between a 2xx and what it does next)
GET /_stats gives counts. Every request is also logged (--log) with its
headers, status and record count, so tests can check gzip and headers.
"""
import argparse
import gzip
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DECIMAL = re.compile(r"-?[0-9]+\Z")
UNSIGNED = re.compile(r"[0-9]+\Z")
HEX32 = re.compile(r"[0-9a-f]{32}\Z", re.I)
HEX16 = re.compile(r"[0-9a-f]{16}\Z", re.I)
BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}\Z")


class Invalid(Exception):
    pass


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def fields(obj, where, known):
    """Checks obj is an object whose keys are all in `known` (name -> check)."""
    if not isinstance(obj, dict):
        raise Invalid("%s: not an object" % where)
    for key, value in obj.items():
        if key not in known:
            raise Invalid("%s: unknown field %r" % (where, key))
        known[key](value, "%s.%s" % (where, key))


def repeated(check):
    def run(v, where):
        if not isinstance(v, list):
            raise Invalid("%s: not an array" % where)
        for i, item in enumerate(v):
            check(item, "%s[%d]" % (where, i))
    return run


def string(v, where):
    if not isinstance(v, str):
        raise Invalid("%s: not a string" % where)


def boolean(v, where):
    if not isinstance(v, bool):
        raise Invalid("%s: not a boolean" % where)


def uint32(v, where):
    if not is_int(v) or not 0 <= v < 2**32:
        raise Invalid("%s: not a 32-bit unsigned integer" % where)


def fixed64(v, where):
    """A 64-bit unsigned integer: a decimal string in OTLP JSON."""
    if not isinstance(v, str) or not UNSIGNED.match(v) or int(v) >= 2**64:
        raise Invalid("%s: a 64-bit integer must be a decimal string, got %r" % (where, v))


def int64(v, where):
    if not isinstance(v, str) or not DECIMAL.match(v) or not -2**63 <= int(v) < 2**63:
        raise Invalid("%s: a 64-bit integer must be a decimal string, got %r" % (where, v))


def bare_constant(name):
    """JSON has no NaN or Infinity; OTLP's JSON writes them as strings."""
    raise ValueError("%s is not JSON (OTLP's JSON writes the string \"%s\")" % (name, name))


def double(v, where):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        if v not in ("NaN", "Infinity", "-Infinity"):
            raise Invalid("%s: not a number" % where)


def hex_id(pattern, size):
    def run(v, where):
        if not isinstance(v, str) or (v and not pattern.match(v)):
            raise Invalid("%s: not %d hex digits: %r" % (where, size, v))
        if v and int(v, 16) == 0:
            raise Invalid("%s: an all-zero id is invalid" % where)
    return run


def bytes_value(v, where):
    if not isinstance(v, str) or not BASE64.match(v):
        raise Invalid("%s: bytes must be base64" % where)


def any_value(v, where):
    fields(v, where, {
        "stringValue": string, "boolValue": boolean, "intValue": int64,
        "doubleValue": double, "bytesValue": bytes_value,
        "arrayValue": lambda a, w: fields(a, w, {"values": repeated(any_value)}),
        "kvlistValue": lambda a, w: fields(a, w, {"values": repeated(key_value)}),
    })
    if len(v) > 1:
        raise Invalid("%s: an AnyValue holds one value, not %s" % (where, sorted(v)))


def key_value(v, where):
    fields(v, where, {"key": string, "value": any_value})
    if "key" not in v:
        raise Invalid("%s: a KeyValue without a key" % where)


ATTRIBUTES = repeated(key_value)


def severity(v, where):
    if not is_int(v) or not 0 <= v <= 24:
        raise Invalid("%s: severityNumber must be an integer 0-24, got %r" % (where, v))


def log_record(v, where):
    fields(v, where, {
        "timeUnixNano": fixed64, "observedTimeUnixNano": fixed64,
        "severityNumber": severity, "severityText": string, "body": any_value,
        "attributes": ATTRIBUTES, "droppedAttributesCount": uint32, "flags": uint32,
        "traceId": hex_id(HEX32, 32), "spanId": hex_id(HEX16, 16), "eventName": string,
    })


def scope(v, where):
    fields(v, where, {"name": string, "version": string, "attributes": ATTRIBUTES,
                      "droppedAttributesCount": uint32})


def resource(v, where):
    fields(v, where, {"attributes": ATTRIBUTES, "droppedAttributesCount": uint32,
                      "entityRefs": repeated(lambda e, w: None)})


def scope_logs(v, where):
    fields(v, where, {"scope": scope, "logRecords": repeated(log_record), "schemaUrl": string})


def resource_logs(v, where):
    fields(v, where, {"resource": resource, "scopeLogs": repeated(scope_logs),
                      "schemaUrl": string})


def check_request(doc):
    """Raises Invalid unless doc is an ExportLogsServiceRequest."""
    fields(doc, "request", {"resourceLogs": repeated(resource_logs)})


def span_kind(v, where):
    if not is_int(v) or not 0 <= v <= 5:
        raise Invalid("%s: SpanKind must be an integer 0-5, got %r" % (where, v))


def status_code(v, where):
    if not is_int(v) or not 0 <= v <= 2:
        raise Invalid("%s: StatusCode must be an integer 0-2, got %r" % (where, v))


def span_event(v, where):
    fields(v, where, {"timeUnixNano": fixed64, "name": string, "attributes": ATTRIBUTES,
                      "droppedAttributesCount": uint32})


def span_link(v, where):
    fields(v, where, {"traceId": hex_id(HEX32, 32), "spanId": hex_id(HEX16, 16),
                      "traceState": string, "attributes": ATTRIBUTES,
                      "droppedAttributesCount": uint32, "flags": uint32})


def span(v, where):
    fields(v, where, {
        "traceId": hex_id(HEX32, 32), "spanId": hex_id(HEX16, 16), "traceState": string,
        "parentSpanId": hex_id(HEX16, 16), "flags": uint32, "name": string, "kind": span_kind,
        "startTimeUnixNano": fixed64, "endTimeUnixNano": fixed64, "attributes": ATTRIBUTES,
        "droppedAttributesCount": uint32, "events": repeated(span_event),
        "droppedEventsCount": uint32, "links": repeated(span_link), "droppedLinksCount": uint32,
        "status": lambda s, w: fields(s, w, {"message": string, "code": status_code}),
    })
    for required in ("traceId", "spanId", "name", "startTimeUnixNano", "endTimeUnixNano"):
        if not v.get(required):
            raise Invalid("%s: a span without %s" % (where, required))
    if v.get("parentSpanId") == v["spanId"]:
        raise Invalid("%s: a span cannot be its own parent" % where)
    if int(v["endTimeUnixNano"]) < int(v["startTimeUnixNano"]):
        raise Invalid("%s: ends before it starts" % where)
    if "mcp.method.name" in attribute_dict(v.get("attributes")):
        check_mcp_server_span(v, where)


# The MCP server span of the OpenTelemetry semantic conventions v1.41.0
# (docs/gen-ai/mcp.md, "Server"; model/mcp/spans.yaml and common.yaml): each
# attribute with its registry's type and requirement level.
MCP_SERVER_SPAN = {
    "mcp.method.name": (str, "required"),
    "error.type": (str, "conditionally required: if and only if the operation fails"),
    "gen_ai.prompt.name": (str, "conditionally required: when related to a prompt"),
    "gen_ai.tool.name": (str, "conditionally required: when related to a tool"),
    "jsonrpc.request.id": (str, "conditionally required: when the client executes a request"),
    "mcp.resource.uri": (str, "conditionally required: for a request with a resource URI"),
    "rpc.response.status_code": (str, "conditionally required: if the response has an error code"),
    "client.address": (str, "recommended"),
    "client.port": (int, "recommended"),
    "gen_ai.operation.name": (str, "recommended: execute_tool for a tool call, else unset"),
    "jsonrpc.protocol.version": (str, "recommended when not 2.0"),
    "mcp.protocol.version": (str, "recommended"),
    "mcp.session.id": (str, "recommended"),
    "network.protocol.name": (str, "recommended"),
    "network.protocol.version": (str, "recommended"),
    "network.transport": (str, "recommended"),
    "gen_ai.tool.call.arguments": (object, "opt-in"),
    "gen_ai.tool.call.result": (object, "opt-in"),
    # Not in the server span's table, but the registry's (server.md): where
    # an MCP server behind an HTTP proxy is reached.
    "server.address": (str, "registry"),
    "server.port": (int, "registry"),
}
NETWORK_TRANSPORTS = {"pipe", "quic", "tcp", "udp", "unix"}
CONVENTION_NAMESPACES = ("mcp.", "gen_ai.", "jsonrpc.", "rpc.", "network.", "server.",
                         "client.", "error.")


def cut_at_the_length_limit(name, expected, span):
    """Whether `name` is `expected` cut by OTEL_(SPAN_)ATTRIBUTE_VALUE_LENGTH_LIMIT,
    which mcp-report applies to span names too: its first len(name) characters
    (code points, not bytes), that limit no shorter than any string attribute
    value of the span (each cut to it as well)."""
    if len(name) >= len(expected) or not expected.startswith(name):
        return False
    longest = max((len(kv["value"]["stringValue"]) for kv in span.get("attributes", [])
                   if "stringValue" in kv.get("value", {})), default=0)
    return longest <= len(name)


def check_mcp_server_span(v, where):
    attrs = {kv["key"]: kv.get("value", {}) for kv in v.get("attributes", [])}
    values = attribute_dict(v.get("attributes"))
    if v.get("kind") != 2:
        raise Invalid("%s: an MCP server span's kind is SERVER (2), not %r" % (where, v.get("kind")))
    for key, value in attrs.items():
        if key.startswith("mcp_report."):
            continue
        if key not in MCP_SERVER_SPAN:
            if key.startswith(CONVENTION_NAMESPACES):
                raise Invalid("%s: %s is not an attribute of the MCP server span (our own "
                              "attributes are mcp_report.*)" % (where, key))
            continue
        kind = MCP_SERVER_SPAN[key][0]
        ok = ("stringValue" in value if kind is str else "intValue" in value if kind is int
              else True)
        if not ok:
            raise Invalid("%s: %s must be %s, got %r" % (where, key, kind.__name__, value))
    method = values["mcp.method.name"]
    target = values.get("gen_ai.tool.name") or values.get("gen_ai.prompt.name")
    expected = "%s %s" % (method, target) if target else method
    if v["name"] != expected and not cut_at_the_length_limit(v["name"], expected, v):
        raise Invalid("%s: an MCP span is named %r, not %r" % (where, expected, v["name"]))
    if method == "tools/call" and "gen_ai.tool.name" not in values:
        raise Invalid("%s: tools/call without gen_ai.tool.name" % where)
    if method == "prompts/get" and "gen_ai.prompt.name" not in values:
        raise Invalid("%s: prompts/get without gen_ai.prompt.name" % where)
    if method == "resources/read" and "mcp.resource.uri" not in values:
        raise Invalid("%s: resources/read without mcp.resource.uri" % where)
    if (values.get("gen_ai.operation.name") == "execute_tool") != (method == "tools/call"):
        raise Invalid("%s: gen_ai.operation.name is execute_tool for tools/call and only then"
                      % where)
    failed = v.get("status", {}).get("code") == 2
    if failed != ("error.type" in values):
        raise Invalid("%s: error.type is set if and only if the status is ERROR" % where)
    if "network.transport" in values and values["network.transport"] not in NETWORK_TRANSPORTS:
        raise Invalid("%s: network.transport %r is not one of %s"
                      % (where, values["network.transport"], sorted(NETWORK_TRANSPORTS)))


def scope_spans(v, where):
    fields(v, where, {"scope": scope, "spans": repeated(span), "schemaUrl": string})


def resource_spans(v, where):
    fields(v, where, {"resource": resource, "scopeSpans": repeated(scope_spans),
                      "schemaUrl": string})


def check_traces_request(doc):
    """Raises Invalid unless doc is an ExportTraceServiceRequest."""
    fields(doc, "request", {"resourceSpans": repeated(resource_spans)})


def plain(value):
    """An AnyValue as the JSON value it holds, for the record file."""
    if "kvlistValue" in value:
        return {kv["key"]: plain(kv.get("value", {})) for kv in value["kvlistValue"].get("values", [])}
    if "arrayValue" in value:
        return [plain(v) for v in value["arrayValue"].get("values", [])]
    if "intValue" in value:
        return int(value["intValue"])
    for k in ("stringValue", "boolValue", "doubleValue", "bytesValue"):
        if k in value:
            return value[k]
    return None


def attribute_dict(attributes):
    return {kv["key"]: plain(kv.get("value", {})) for kv in attributes or []}


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.out = open(args.out, "a", buffering=1) if args.out else None
        self.log = open(args.log, "a", buffering=1) if args.log else None
        self.requests_file = open(args.requests, "a", buffering=1) if args.requests else None
        self.spans_file = open(args.spans, "a", buffering=1) if args.spans else None
        self.faults = {
            "fail_first": args.fail_first, "status_code": args.status_code,
            "retry_after": args.retry_after, "drop_first": args.drop_first,
            "partial_rejected": args.partial_rejected,
            "partial_message": args.partial_message, "script": [], "slow": args.slow,
            "only_path": None, "kill_pid": None, "kill_path": None,
            "max_body": args.max_body, "too_large_status": args.too_large_status,
        }
        self.requests = 0
        self.accepted = 0
        self.records = 0
        self.span_count = 0
        self.invalid = 0
        self.spans = {}  # (traceId, spanId) -> {"span": first, "deliveries": n, "differs": bool}

    def choose(self, path):
        """The answer for the next export request: a status, "drop", "hang" or
        {"partial": N}."""
        f = self.faults
        if f["only_path"] and f["only_path"] != path:
            return 200
        if f["script"]:
            return f["script"].pop(0)
        if f["drop_first"] > 0:
            f["drop_first"] -= 1
            return "drop"
        if f["fail_first"] > 0:
            f["fail_first"] -= 1
            return f["status_code"]
        if f["partial_rejected"]:
            return {"partial": f["partial_rejected"]}
        return 200


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dev-otlp-receiver/1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def record(self, status, records, raw_size, error=None):
        st = self.server.state
        if st.log:
            entry = {"path": self.path, "status": status, "records": records,
                     "bytes": raw_size, "error": error, "time": time.time(),
                     "headers": {k.lower(): v for k, v in self.headers.items()}}
            with st.lock:
                st.log.write(json.dumps(entry) + "\n")

    def do_GET(self):
        st = self.server.state
        if self.path == "/_stats":
            with st.lock:
                return self.reply(200, {"requests": st.requests, "accepted": st.accepted,
                                        "records": st.records, "spans": st.span_count,
                                        "invalid": st.invalid})
        if self.path == "/_spans":
            with st.lock:
                return self.reply(200, {"spans": list(st.spans.values())})
        self.reply(404, {"error": "not found"})

    def decode(self, raw):
        """The request's JSON document, or raises Invalid."""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/json":
            raise Invalid("Content-Type %r, not application/json" % ctype)
        encoding = (self.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding == "gzip":
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError) as e:
                raise Invalid("bad gzip body: %s" % e)
        elif encoding != "identity":
            raise Invalid("Content-Encoding %r not supported" % encoding)
        self.body_size = len(raw)
        try:
            return json.loads(raw.decode("utf-8"), parse_constant=bare_constant)
        except (UnicodeDecodeError, ValueError) as e:
            raise Invalid("not JSON: %s" % e)

    def do_POST(self):
        st = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path == "/_control":
            with st.lock:
                st.faults.update(json.loads(raw or b"{}"))
                return self.reply(200, st.faults)
        if self.path not in ("/v1/logs", "/v1/traces"):
            self.record(404, 0, len(raw))
            return self.reply(404, {"error": "not found"})
        traces = self.path == "/v1/traces"
        with st.lock:
            st.requests += 1
            answer = st.choose(self.path)
            retry_after = st.faults["retry_after"]
            message = st.faults["partial_message"]
            slow = st.faults["slow"] if st.faults["only_path"] in (None, self.path) else 0
            kill = None
            if st.faults["kill_pid"] and st.faults["kill_path"] == self.path:
                kill, st.faults["kill_pid"] = st.faults["kill_pid"], None
        if slow:
            time.sleep(slow)
        if answer == "hang":
            self.record("hang", 0, len(raw))
            time.sleep(60)
            self.close_connection = True
            return
        if answer == "drop":
            self.record("drop", 0, len(raw))
            self.close_connection = True
            self.connection.shutdown(2)
            return
        try:
            doc = self.decode(raw)
            (check_traces_request if traces else check_request)(doc)
        except Invalid as e:
            with st.lock:
                st.invalid += 1
            self.record(400, 0, len(raw), str(e))
            return self.reply(400, {"code": 3, "message": str(e)})
        if st.faults["max_body"] and self.body_size > st.faults["max_body"]:
            # As the Collector's OTLP/HTTP receiver answers a body over its
            # max_request_body_size (decompressed), or a proxy's 413.
            status = st.faults["too_large_status"]
            self.record(status, 0, len(raw), "too large: %d bytes" % self.body_size)
            return self.reply(status, {"code": 3, "message":
                                       "failed to read body: http: request body too large"})
        lines, spans = [], []
        for rl in doc.get("resourceSpans" if traces else "resourceLogs", []):
            res = attribute_dict(rl.get("resource", {}).get("attributes"))
            for sl in rl.get("scopeSpans" if traces else "scopeLogs", []):
                for item in sl.get("spans" if traces else "logRecords", []):
                    entry = {"resource": res, "scope": sl.get("scope", {})}
                    entry["span" if traces else "record"] = item
                    lines.append(json.dumps(entry))
                    if traces:
                        spans.append(item)
        status = answer if isinstance(answer, int) else 200
        if not 200 <= status < 300:
            self.record(status, len(lines), len(raw))
            headers = ({"Retry-After": str(retry_after)}
                       if retry_after and status in (429, 502, 503, 504) else {})
            return self.reply(status, {"code": 14, "message": "injected failure %d" % status}, headers)
        rejected = answer.get("partial", 0) if isinstance(answer, dict) else 0
        with st.lock:
            st.accepted += 1
            if traces:
                st.span_count += len(lines)
                for sp in spans:
                    seen = st.spans.setdefault((sp["traceId"], sp["spanId"]),
                                               {"span": sp, "deliveries": 0, "differs": False})
                    seen["deliveries"] += 1
                    seen["differs"] = seen["differs"] or seen["span"] != sp
            else:
                st.records += len(lines)
            out = st.spans_file if traces else st.out
            if out and lines:
                out.write("\n".join(lines) + "\n")
            if st.requests_file:
                st.requests_file.write(json.dumps(doc) + "\n")
        self.record(status, len(lines), len(raw))
        body = {}
        if rejected:
            body = {"partialSuccess": {"rejectedSpans" if traces else "rejectedLogRecords":
                                       str(rejected), "errorMessage": message}}
        self.reply(status, body)
        if kill:
            self.wfile.flush()
            try:
                os.kill(kill, 9)
            except ProcessLookupError:
                pass


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog=__doc__.split("\n\n", 1)[1],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="default 0: a free port, printed")
    p.add_argument("--port-file", help="write the port here once listening")
    p.add_argument("--out", help="append accepted log records here (NDJSON)")
    p.add_argument("--spans", help="append accepted spans here (NDJSON)")
    p.add_argument("--log", help="append every request here (NDJSON)")
    p.add_argument("--requests", help="append each accepted request's decoded JSON here, one a line")
    p.add_argument("--fail-first", type=int, default=0, metavar="N")
    p.add_argument("--status-code", type=int, default=503, metavar="N")
    p.add_argument("--retry-after", default="", metavar="V")
    p.add_argument("--drop-first", type=int, default=0, metavar="N")
    p.add_argument("--partial-rejected", type=int, default=0, metavar="N")
    p.add_argument("--slow", type=float, default=0.0, metavar="S")
    p.add_argument("--partial-message", default="rejected by dev-otlp-receiver", metavar="M")
    p.add_argument("--max-body", type=int, default=0, metavar="N",
                   help="refuse a request whose body, decompressed, is over N bytes")
    p.add_argument("--too-large-status", type=int, default=400, metavar="N",
                   help="with --max-body: the status of that refusal (400 as the "
                        "Collector, or 413)")
    args = p.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.state = State(args)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.rename(args.port_file + ".tmp", args.port_file)
    print("dev-otlp-receiver: listening on http://%s:%d (POST /v1/traces, /v1/logs)"
          % (args.host, port),
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
