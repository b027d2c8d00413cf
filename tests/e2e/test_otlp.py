"""The OpenTelemetry sink (man page OPENTELEMETRY SINK): flush with sink = "otlp" into the
strict development receiver (scripts/dev-otlp-receiver.py, which answers 400
to anything that breaks OTLP's JSON rules or, for a span, the MCP semantic
conventions), on a free loopback port: one span per interaction and one log
record per event."""
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest
import urllib.request

from harness import BIN, SOURCE, Case, Coordinator, start_server, wait_until

RECEIVER = os.path.join(SOURCE, "scripts", "dev-otlp-receiver.py")
CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "otlp_official_check.js")
NPM_MODULES = os.path.join(SOURCE, ".cache", "npm-otlp", "node_modules")
ACTIONS = [("interaction_start", "request_data"), ("interaction_progress", "progress_data"),
           ("interaction_complete", "result_data"), ("interaction_error", "error_data")]


class Receiver(Coordinator):
    """The development OTLP receiver on a free port (control, log and stop
    work as the coordinator's)."""

    count = 0

    def __init__(self, workdir, *flags):
        Receiver.count += 1
        self.dir = os.path.join(workdir, "receiver%d" % Receiver.count)
        os.makedirs(self.dir)
        self.out = os.path.join(self.dir, "records.ndjson")
        self.spans_path = os.path.join(self.dir, "spans.ndjson")
        self.log_path = os.path.join(self.dir, "requests.ndjson")
        self.requests_path = os.path.join(self.dir, "bodies.ndjson")
        self.proc, self.port = start_server(
            [sys.executable, RECEIVER, "--port", "0", "--out", self.out, "--spans",
             self.spans_path, "--log", self.log_path, "--requests", self.requests_path, *flags],
            self.dir, "dev-otlp-receiver")
        self.url = "http://127.0.0.1:%d" % self.port

    @staticmethod
    def _lines(path):
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def records(self):
        """Every log record received, resends included."""
        return self._lines(self.out)

    def unique_records(self):
        """The log records by mcp_report.event.id: what a pipeline that drops
        duplicates keeps."""
        return {values(r["record"])["mcp_report.event.id"]: r for r in self.records()}

    def spans(self):
        """Every span received, resends included."""
        return [line["span"] for line in self._lines(self.spans_path)]

    def dedup(self):
        """The receiver's dedup view (what a tracing backend shows): by
        (traceId, spanId), each with its deliveries and whether a resend
        differed."""
        with urllib.request.urlopen(self.url + "/_spans", timeout=10) as r:
            return {(s["span"]["traceId"], s["span"]["spanId"]): s
                    for s in json.load(r)["spans"]}

    def paths(self):
        return [e["path"] for e in self.log()]


def values(item):
    """An item's attributes as plain values."""
    out = {}
    for kv in item.get("attributes", []):
        (kind, value), = kv["value"].items() if kv["value"] else [(None, None)]
        out[kv["key"]] = int(value) if kind == "intValue" else value
    return out


# The ids flush derives for an interaction without a caller (man page
# OPENTELEMETRY SINK), computed apart: FNV-1a 64 over the mcp_id's length (8
# bytes, little-endian), the mcp_id and the interaction id, from a seed, then
# SplitMix64's finalizer.
def derived_ids(mcp_id, interaction_id, start_nanos=None):
    """The trace and span ids of an interaction, from its start's time (the
    span's startTimeUnixNano) when it is known."""
    mask = (1 << 64) - 1

    def derive(seed):
        h = seed
        data = (len(mcp_id.encode()).to_bytes(8, "little") + mcp_id.encode() +
                interaction_id.encode())
        if start_nanos is not None:
            data += (len(interaction_id.encode()).to_bytes(8, "little") +
                     ((int(start_nanos) // 1000) & mask).to_bytes(8, "little"))
        for c in data:
            h = ((h ^ c) * 0x100000001b3) & mask
        h ^= h >> 30
        h = (h * 0xbf58476d1ce4e5b9) & mask
        h ^= h >> 27
        h = (h * 0x94d049bb133111eb) & mask
        return h ^ (h >> 31)

    span = derive(0xcbf29ce484222325) or 1
    return ("%016x%016x" % (derive(0x84222325cbf29ce4), derive(0x9e3779b97f4a7c15)),
            "%016x" % span)


def event(i, iid, step, ts=None):
    action, member = ACTIONS[step]
    return {"action": action, "interaction_id": iid, "mcp_id": "test_mcp",
            "timestamp": ts if ts is not None else 1764000000 + i / 1000.0,
            member: {"i": i, "step": step, "mcp.method.name": "tools/call",
                     "gen_ai.tool.name": "search", "jsonrpc.request.id": i,
                     "nested": {"list": [1, "two", None, True, 2.5]}}}


class OtlpCase(Case):
    def setUp(self):
        super().setUp()
        self.receivers = []
        self.env["MCP_REPORT_SINK"] = "otlp"
        self.cfg = self.write_config("[interaction_logging]\nsync = false\nretry_delay = 0.01\n"
                                     "max_backoff = 0.05\n")

    def tearDown(self):
        for r in self.receivers:
            r.stop()
        super().tearDown()

    def receiver(self, *flags):
        r = Receiver(self.dir, *flags)
        self.receivers.append(r)
        self.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = r.url
        return r

    def import_events(self, events):
        self.ok("-c", self.cfg, "import", "-", input="".join(json.dumps(e) + "\n" for e in events))

    def interactions(self, n, per=4):
        """n events over n/per interactions, each start, progress..., complete or error."""
        out = []
        for i in range(n):
            k, step = divmod(i, per)
            out.append(event(i, "int_%d" % k, 0 if step == 0 else (1 if step < per - 1 else
                                                                    2 + k % 2)))
        return out

    def flush(self, *args, **kw):
        return self.run_cli("-c", self.cfg, "flush", *args, **kw)

    def flush_until_empty(self, rounds=50):
        """Flushes (retries fall due within milliseconds) until the queue is empty."""
        for _ in range(rounds):
            r = self.flush()
            if not self.files():
                return r
            time.sleep(0.06)
        self.fail("queue not empty after %d flushes: %s" % (rounds, r.stderr))


class EncodingTest(OtlpCase):
    def test_every_event_arrives_as_one_encoded_log_record_batched_in_order(self):
        rx = self.receiver()
        events = self.interactions(1200)
        random.Random(3).shuffle(events)  # recording order is not delivery order
        self.import_events(events)
        self.write_config("[interaction_logging]\nsync = false\notlp_batch = 500\n", "config.toml")
        r = self.ok("-c", os.path.join(self.dir, "config.toml"), "flush", "-v", env={
            "MCP_REPORT_URL": None, "MCP_REPORT_API_KEY": None})
        self.assertIn("sent 1200", r.stdout)
        self.assertEqual(self.files(), [])
        log = rx.log()
        self.assertTrue(all(e["status"] == 200 for e in log), log)
        self.assertLessEqual(max(e["records"] for e in log), 500)
        self.assertLessEqual(len(log), 12, "batched: %d requests for 1200 events" % len(log))
        records = rx.records()
        self.assertEqual(len(records), 1200)
        by_i = {}
        for rec in records:
            body = rec["record"]["body"]
            i = int(next(kv["value"]["intValue"]
                         for kv in body["kvlistValue"]["values"] if kv["key"] == "i"))
            by_i[i] = rec
        self.assertEqual(sorted(by_i), list(range(1200)))
        host = socket.gethostname()
        for rec in records:
            self.assertEqual(rec["resource"], {"service.name": "test_mcp", "host.name": host})
            self.assertEqual(rec["scope"]["name"], "mcp-report")
        # Per interaction: the records arrive in recording-time order, share
        # one trace id, and carry the action, severity and attributes.
        traces = {}
        seen = {}
        for rec in records:
            lr = rec["record"]
            attrs = {kv["key"]: kv["value"] for kv in lr["attributes"]}
            iid = attrs["mcp_report.interaction.id"]["stringValue"]
            seen.setdefault(iid, []).append(int(lr["timeUnixNano"]))
            traces.setdefault(iid, set()).add(lr["traceId"])
            self.assertEqual(attrs["mcp_report.action"]["stringValue"], lr["eventName"])
            self.assertEqual(attrs["mcp.method.name"], {"stringValue": "tools/call"})
            self.assertEqual(attrs["gen_ai.tool.name"], {"stringValue": "search"})
            self.assertIn("stringValue", attrs["jsonrpc.request.id"])
            error = lr["eventName"] == "interaction_error"
            self.assertEqual((lr["severityNumber"], lr["severityText"]),
                             (17, "ERROR") if error else (9, "INFO"))
        for iid, times in seen.items():
            self.assertEqual(times, sorted(times), iid)
            self.assertEqual(len(traces[iid]), 1, iid)
        self.assertEqual(len({t for s in traces.values() for t in s}), 300)
        # the body is the data object, every type kept
        lr = by_i[5]["record"]
        nested = {kv["key"]: kv["value"] for kv in lr["body"]["kvlistValue"]["values"]}["nested"]
        self.assertEqual(nested["kvlistValue"]["values"][0]["value"]["arrayValue"]["values"],
                         [{"intValue": "1"}, {"stringValue": "two"}, {}, {"boolValue": True},
                          {"doubleValue": 2.5}])
        self.assertEqual(lr["timeUnixNano"], "1764000000005000000")
        # One span per interaction, from its start to its end, in its trace;
        # the records share the span's ids.
        spans = {values(sp)["mcp_report.interaction.id"]: sp for sp in rx.spans()}
        self.assertEqual(len(rx.spans()), 300)
        self.assertEqual(len(spans), 300)
        for k in (0, 1, 299):
            iid = "int_%d" % k
            sp = spans[iid]
            self.assertEqual(sp["name"], "tools/call search")
            self.assertEqual(sp["kind"], 2)
            self.assertEqual(sp["startTimeUnixNano"], str(min(seen[iid]) * 1))
            self.assertEqual(sp["endTimeUnixNano"], str(max(seen[iid]) * 1))
            self.assertEqual((sp["traceId"], sp["spanId"]),
                             derived_ids("test_mcp", iid, sp["startTimeUnixNano"]))
            self.assertNotIn("parentSpanId", sp)
            self.assertEqual(sp.get("status", {}).get("code", 0), 2 if k % 2 else 0)
        for rec in records:
            lr = rec["record"]
            sp = spans[values(lr)["mcp_report.interaction.id"]]
            self.assertEqual((lr["traceId"], lr["spanId"]), (sp["traceId"], sp["spanId"]))

    def test_pythons_nan_and_infinities_become_the_special_strings(self):
        """OTLP's JSON follows the proto3 mapping: a double that is not
        finite is the string "NaN", "Infinity" or "-Infinity" (the receiver
        refuses the bare literals)."""
        rx = self.receiver()
        e = event(0, "int_nan", 1)
        e["progress_data"] = {"v": float("nan"), "list": [float("inf"), float("-inf")]}
        self.import_events([e])
        r = self.flush()
        self.assertEqual(r.returncode, 0, r.stderr)
        [rec] = rx.records()
        body = {kv["key"]: kv["value"] for kv in rec["record"]["body"]["kvlistValue"]["values"]}
        self.assertEqual(body["v"], {"doubleValue": "NaN"})
        self.assertEqual(body["list"]["arrayValue"]["values"],
                         [{"doubleValue": "Infinity"}, {"doubleValue": "-Infinity"}])

    def test_gzip_when_it_pays(self):
        rx = self.receiver()
        self.import_events([{"action": "interaction_start", "interaction_id": "one",
                             "mcp_id": "test_mcp", "timestamp": 1764000000.0,
                             "request_data": {"small": True}}])
        self.ok("-c", self.cfg, "flush")
        self.import_events(self.interactions(40))
        self.ok("-c", self.cfg, "flush")
        small, big = [e for e in rx.log() if e["path"] == "/v1/logs"]
        self.assertNotIn("content-encoding", small["headers"])
        self.assertEqual(big["headers"].get("content-encoding"), "gzip")
        self.assertEqual(big["records"], 40)
        self.assertLess(big["bytes"], 8000)  # 40 records of ~600 bytes of JSON
        self.assertEqual(len(rx.records()), 41)

    def test_headers_from_a_file_and_the_environment_never_shown(self):
        rx = self.receiver()
        headers = os.path.join(self.dir, "otlp-headers")
        with open(headers, "w") as f:
            f.write("# vendor\nX-Api-Key: s3cret-value\n")
        cfg = self.write_config("[interaction_logging]\nsync = false\notlp_headers_file = \"%s\"\n"
                                % headers)
        env = {"OTEL_EXPORTER_OTLP_HEADERS": "x-tenant=team%20one,x-other=1",
               "MCP_REPORT_API_KEY": "coordinator-key"}
        self.import_events([event(0, "a", 0)])
        self.ok("-c", cfg, "flush", env=env)
        (req,) = rx.log()
        self.assertEqual(req["headers"]["x-api-key"], "s3cret-value")
        self.assertEqual(req["headers"]["x-tenant"], "team one")
        self.assertNotIn("authorization", req["headers"])  # the coordinator key stays home
        self.assertTrue(req["headers"]["user-agent"].startswith("mcp-report/"))
        shown = self.ok("-c", cfg, "config", env=env).stdout
        self.assertNotIn("s3cret", shown)
        self.assertNotIn("team", shown)
        self.assertIn("X-Api-Key: ***", shown)
        self.assertIn(rx.url + "/v1/logs", shown)
        # a control character in a header value is a configuration error
        self.fails(78, "-c", cfg, "flush", env={"OTEL_EXPORTER_OTLP_HEADERS": "k=a%0Ab"})

    def test_opentelemetry_variables_are_honoured_or_warned_about_once(self):
        rx = self.receiver()
        self.import_events(self.interactions(40))
        env = {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_COMPRESSION": "none",
               "OTEL_EXPORTER_OTLP_TIMEOUT": "2000", "OTEL_SERVICE_NAME": "test_mcp",
               "OTEL_RESOURCE_ATTRIBUTES":
                   "deployment.environment.name=prod,service.namespace=a%2Cb",
               # an SDK's own switches: not honoured, and never ignored in silence
               "OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "none",
               "OTEL_BSP_SCHEDULE_DELAY": "1", "OTEL_LOGS_EXPORTER": ""}
        r = self.ok("-c", self.cfg, "flush", env=env)
        warnings = [line for line in r.stderr.splitlines() if "warning: OTEL_" in line]
        self.assertEqual(warnings, [
            "mcp-report: warning: OTEL_EXPORTER_OTLP_PROTOCOL=grpc: the OTLP sink speaks only "
            "http/json (OTLP/HTTP with JSON); it sends that to %s/v1/traces and %s/v1/logs"
            % (rx.url, rx.url),
            "mcp-report: warning: OTEL_EXPORTER_OTLP_TIMEOUT is not supported (ignored): set "
            "timeout in [interaction_logging]",
            "mcp-report: warning: OTEL_BSP_SCHEDULE_DELAY, OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER "
            "are not honoured (ignored): mcp-report is an OTLP exporter, not an OpenTelemetry "
            "SDK; otlp_signals chooses the signals sent, enable_interaction_logging = false "
            "stops recording (man page OPENTELEMETRY SINK)"], r.stderr)
        # the recording commands say nothing of them
        r = self.ok("-c", self.cfg, "start", env=env)
        self.assertEqual(r.stderr, "")
        self.assertTrue(rx.log())
        for request in rx.log():  # none: never gzipped, however large
            self.assertNotIn("content-encoding", request["headers"])
        with open(rx.requests_path) as f:
            bodies = [json.loads(line) for line in f]
        for body in bodies:
            (resource,) = body.get("resourceSpans") or body["resourceLogs"]
            self.assertEqual(values(resource["resource"])["deployment.environment.name"], "prod")
            self.assertEqual(values(resource["resource"])["service.namespace"], "a,b")
            self.assertEqual(values(resource["resource"])["service.name"], "test_mcp")
            # the semantic conventions' version the attributes follow
            schema = "https://opentelemetry.io/schemas/1.41.0"
            self.assertEqual(resource["schemaUrl"], schema)
            (scope,) = resource.get("scopeSpans") or resource["scopeLogs"]
            self.assertEqual(scope["schemaUrl"], schema)
        self.check_with_official_serializers(rx)
        # gzip: every request, a small one too
        self.import_events([event(0, "small", 0)])
        self.ok("-c", self.cfg, "flush", env={"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"})
        self.assertEqual(rx.log()[-1]["headers"].get("content-encoding"), "gzip")
        self.assertLess(rx.log()[-1]["bytes"], 1024)

    def test_headers_over_plain_http_to_another_host_are_warned_about(self):
        # the same rule as the coordinator's API key over plain http
        headers = os.path.join(self.dir, "otlp-headers")
        with open(headers, "w") as f:
            f.write("X-Api-Key: s3cret\n")
        os.chmod(headers, 0o600)
        remote = self.write_config("[interaction_logging]\nsink = \"otlp\"\notlp_endpoint = "
                                   "\"http://collector.example.com:4318\"\notlp_headers_file = "
                                   "\"%s\"\n" % headers, name="remote.toml")
        warning = ("mcp-report: warning: OTLP headers to "
                   "http://collector.example.com:4318/v1/traces and "
                   "http://collector.example.com:4318/v1/logs: plain http to a host that is not "
                   "on loopback sends them (credentials such as an API key) in clear; use https")
        r = self.ok("-c", remote, "config")
        self.assertIn(warning, r.stderr.splitlines())
        self.assertNotIn("s3cret", r.stderr + r.stdout)
        env = {"OTEL_EXPORTER_OTLP_HEADERS": "api-key=zzz",
               "OTEL_EXPORTER_OTLP_ENDPOINT": "http://10.0.0.1:4318"}
        r = self.ok("-c", self.cfg, "config", env=env)
        self.assertIn("plain http to a host that is not on loopback sends them", r.stderr)
        self.assertNotIn("zzz", r.stderr + r.stdout)
        for quiet in ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"},  # loopback
                      {"OTEL_EXPORTER_OTLP_ENDPOINT": "https://10.0.0.1:4318"},  # https
                      {"OTEL_EXPORTER_OTLP_HEADERS": None}):  # nothing to send in clear
            self.assertNotIn("plain http", self.ok("-c", self.cfg, "config",
                                                   env=dict(env, **quiet)).stderr)

    def check_with_official_serializers(self, rx):
        """The official OpenTelemetry JS serializers parse every request received."""
        if not (shutil.which("node") and os.path.isdir(NPM_MODULES)):
            return
        files = []
        with open(rx.requests_path) as f:
            for n, line in enumerate(f):
                path = os.path.join(self.dir, "request%d.json" % n)
                with open(path, "w") as out:
                    out.write(line)
                files.append(path)
        self.assertTrue(files)
        r = subprocess.run(["node", CHECKER, *files], capture_output=True, text=True,
                           env={"PATH": os.environ["PATH"], "NODE_PATH": NPM_MODULES})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_the_signal_specific_endpoint_is_used_as_given(self):
        rx = self.receiver()
        self.import_events([event(0, "a", 0)])
        self.fails(65, "-c", self.cfg, "flush",
                   env={"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": rx.url + "/elsewhere"})
        self.assertEqual(rx.log()[0]["path"], "/elsewhere")

    @unittest.skipUnless(shutil.which("node") and os.path.isdir(NPM_MODULES),
                         "@opentelemetry/otlp-transformer not installed (scripts/test.sh installs "
                         "it into .cache/npm-otlp when npm reaches the registry)")
    def test_requests_match_the_official_opentelemetry_serializers(self):
        rx = self.receiver()
        events = self.interactions(30)
        events.append({"action": "interaction_start", "interaction_id": "odd", "mcp_id": "other_mcp",
                       "timestamp": 1764000000.5,
                       "request_data": {"text": "\u00e9\u4e2d \"q\" \\ \n", "neg": -5,
                                        "empty": {}, "list": [], "null": None,
                                        "big": 9007199254740991}})
        self.import_events(events)
        self.ok("-c", self.cfg, "flush")
        self.check_with_official_serializers(rx)


CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
T0 = 1764000000.123456


def pair(iid, start_data, end_action, end_data, start_ts=T0, seconds=0.25, mcp_id="test_mcp"):
    """An interaction's start and its end `seconds` later."""
    member = "result_data" if end_action == "interaction_complete" else "error_data"
    return [{"action": "interaction_start", "interaction_id": iid, "mcp_id": mcp_id,
             "timestamp": start_ts, "request_data": start_data},
            {"action": end_action, "interaction_id": iid, "mcp_id": mcp_id,
             "timestamp": round(start_ts + seconds, 6), member: end_data}]


def post_span(rx, span):
    """The receiver's status for a traces request of `span` alone."""
    body = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}).encode()
    req = urllib.request.Request(rx.url + "/v1/traces", data=body,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def process_state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def nanos(ts):
    """Epoch seconds with microseconds as OTLP's decimal nanoseconds, exactly."""
    return str(round(ts * 1e6) * 1000)


class SpanTest(OtlpCase):
    def started(self):
        folder = os.path.join(self.spool, "started")
        return sorted(os.listdir(folder)) if os.path.isdir(folder) else []

    def wait_for(self, what, timeout=30):
        wait_until(what, "the receiver or the spool", timeout)

    def test_one_server_span_per_interaction_by_the_mcp_conventions(self):
        rx = self.receiver()
        tool = {"request_type": "tools/call", "input_size": 120, "parameters": ["city"],
                "mcp.method.name": "tools/call", "gen_ai.tool.name": "get-weather",
                "jsonrpc.request.id": "3", "mcp.protocol.version": "2025-06-18",
                "mcp.client.name": "claude-code", "mcp.client.version": "2.0.1",
                "network.transport": "pipe", "traceparent": CALLER,
                "tracestate": "rojo=00f067aa0ba902b7"}
        events = (
            pair("t1", tool, "interaction_error",
                 {"error_type": "JsonRpcError", "error_code": -32602,
                  "error_message": "Invalid params: city", "processing_time": 0.25}) +
            pair("p1", {"request_type": "prompts/get", "mcp.method.name": "prompts/get",
                        "gen_ai.prompt.name": "review", "jsonrpc.request.id": 7},
                 "interaction_complete", {"success": True, "content_count": 1}, seconds=1.5) +
            pair("r1", {"request_type": "resources/read", "mcp.method.name": "resources/read",
                        "mcp.resource.uri": "file:///etc/motd", "jsonrpc.request.id": "r-1",
                        "network.transport": "tcp", "server.address": "mcp.example.com",
                        "server.port": 8443, "mcp.session.id": "8267461134f24305af708e66b8eda71a"},
                 "interaction_complete", {"success": True}) +
            pair("t2", dict(tool, **{"traceparent": "junk"}), "interaction_error",
                 {"error_type": "ToolError", "error_message": "city not found"}) +
            pair("w1", {"user_id": "u1", "request_type": "search"}, "interaction_complete",
                 {"success": True, "exit_code": 0}, seconds=3) +
            pair("w2", {}, "interaction_error",
                 {"error_type": "ExitStatus", "error_message": "exited with status 3",
                  "error_code": 3}))
        self.import_events(events)
        self.ok("-c", self.cfg, "flush")
        self.assertEqual(self.files(), [])
        self.assertEqual(self.started(), [])  # every start went with its end
        spans = {values(sp)["mcp_report.interaction.id"]: sp for sp in rx.spans()}
        self.assertEqual(sorted(spans), ["p1", "r1", "t1", "t2", "w1", "w2"])
        for iid, sp in spans.items():
            # SERVER: an MCP request, reported from the server's side; a
            # recording command's job (w1, w2) is INTERNAL.
            self.assertEqual(sp["kind"], 1 if iid[0] == "w" else 2, iid)
        shape = {iid: (sp["name"], sp["startTimeUnixNano"], sp["endTimeUnixNano"],
                       sp.get("status"), values(sp)) for iid, sp in spans.items()}
        end = {iid: nanos(T0 + d) for iid, d in
               (("t1", 0.25), ("p1", 1.5), ("r1", 0.25), ("t2", 0.25), ("w1", 3), ("w2", 0.25))}
        self.assertEqual(shape["t1"], (
            "tools/call get-weather", nanos(T0), end["t1"],
            {"code": 2, "message": "Invalid params: city"},
            {"mcp.method.name": "tools/call", "gen_ai.tool.name": "get-weather",
             "jsonrpc.request.id": "3", "mcp.protocol.version": "2025-06-18",
             "network.transport": "pipe", "mcp_report.client.name": "claude-code",
             "mcp_report.client.version": "2.0.1", "gen_ai.operation.name": "execute_tool",
             "mcp_report.interaction.id": "t1", "error.type": "-32602",
             "rpc.response.status_code": "-32602"}))
        self.assertEqual(shape["p1"], (
            "prompts/get review", nanos(T0), end["p1"], None,
            {"mcp.method.name": "prompts/get", "gen_ai.prompt.name": "review",
             "jsonrpc.request.id": "7", "mcp_report.interaction.id": "p1"}))
        self.assertEqual(shape["r1"], (
            "resources/read", nanos(T0), end["r1"], None,
            {"mcp.method.name": "resources/read", "mcp.resource.uri": "file:///etc/motd",
             "jsonrpc.request.id": "r-1", "mcp.session.id": "8267461134f24305af708e66b8eda71a",
             "network.transport": "tcp", "server.address": "mcp.example.com",
             "server.port": 8443, "mcp_report.interaction.id": "r1"}))
        self.assertEqual(shape["t2"][0], "tools/call get-weather")
        self.assertEqual(shape["t2"][3], {"code": 2, "message": "city not found"})
        self.assertEqual(shape["t2"][4]["error.type"], "tool_error")
        self.assertNotIn("rpc.response.status_code", shape["t2"][4])
        # Recording commands: the request_type names the span, nothing claims MCP.
        self.assertEqual(shape["w1"], ("search", nanos(T0), end["w1"], None,
                                       {"mcp_report.interaction.id": "w1"}))
        self.assertEqual(shape["w2"], ("interaction", nanos(T0), end["w2"],
                                       {"code": 2, "message": "exited with status 3"},
                                       {"mcp_report.interaction.id": "w2",
                                        "error.type": "ExitStatus"}))
        # The caller's context: its trace, its span as the parent, its
        # tracestate, and the remote-parent bits; a bad traceparent is none.
        t1 = spans["t1"]
        self.assertEqual((t1["traceId"], t1["parentSpanId"], t1["traceState"], t1["flags"]),
                         ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
                          "rojo=00f067aa0ba902b7", 0x301))
        self.assertEqual(t1["spanId"], derived_ids("test_mcp", "t1", t1["startTimeUnixNano"])[1])
        for iid in ("p1", "r1", "t2", "w1", "w2"):
            self.assertEqual((spans[iid]["traceId"], spans[iid]["spanId"]),
                             derived_ids("test_mcp", iid, spans[iid]["startTimeUnixNano"]))
            self.assertNotIn("parentSpanId", spans[iid])
            self.assertEqual(spans[iid]["flags"], 0x101)
        # Each record is in its interaction's span.
        for rec in rx.records():
            lr = rec["record"]
            sp = spans[values(lr)["mcp_report.interaction.id"]]
            self.assertEqual((lr["traceId"], lr["spanId"], lr["flags"]),
                             (sp["traceId"], sp["spanId"], 1))

    def test_the_receiver_refuses_spans_against_the_conventions(self):
        """The receiver's conventions table is real: each of these is a 400."""
        rx = self.receiver()
        good = {"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "spanId": "00f067aa0ba902b7",
                "name": "tools/call t", "kind": 2, "startTimeUnixNano": "1",
                "endTimeUnixNano": "2",
                "attributes": [{"key": "mcp.method.name", "value": {"stringValue": "tools/call"}},
                               {"key": "gen_ai.tool.name", "value": {"stringValue": "t"}},
                               {"key": "gen_ai.operation.name",
                                "value": {"stringValue": "execute_tool"}}]}

        def post(sp):
            return post_span(rx, sp)

        self.assertEqual(post(good), 200)
        wrong = [dict(good, kind=3), dict(good, name="tools/call"),
                 dict(good, endTimeUnixNano="0"), dict(good, parentSpanId=good["spanId"]),
                 dict(good, status={"code": 2}),
                 dict(good, attributes=good["attributes"] + [
                     {"key": "mcp.interaction.id", "value": {"stringValue": "x"}}]),
                 dict(good, attributes=good["attributes"] + [
                     {"key": "server.port", "value": {"stringValue": "80"}}]),
                 dict(good, attributes=good["attributes"][:2])]
        for sp in wrong:
            self.assertEqual(post(sp), 400, sp)

    def test_a_name_cut_by_the_length_limit_is_accepted_by_the_receiver(self):
        # mcp-report cuts span names to OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT
        # characters; its strict receiver dead-lettered them as misnamed
        rx = self.receiver()
        tool = "\u00e9" * 300  # two bytes each: the limit counts characters
        self.import_events(list(pair("int_long", {"mcp.method.name": "tools/call",
                                                  "gen_ai.tool.name": tool},
                                     "interaction_complete", {})))
        r = self.flush(env={"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "50"})
        self.assertEqual(r.returncode, 0, r.stderr)
        (sp,) = rx.spans()
        self.assertEqual(sp["name"], "tools/call " + "\u00e9" * 39)
        self.assertEqual(values(sp)["gen_ai.tool.name"], "\u00e9" * 50)
        self.assertEqual(self.files("dead"), [])

        # ... but only a name cut at a limit every attribute keeps to
        def post(name, tool_name):
            span = {"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "spanId": "00f067aa0ba902b7",
                    "name": name, "kind": 2, "startTimeUnixNano": "1", "endTimeUnixNano": "2",
                    "attributes": [
                        {"key": "mcp.method.name", "value": {"stringValue": "tools/call"}},
                        {"key": "gen_ai.tool.name", "value": {"stringValue": tool_name}},
                        {"key": "gen_ai.operation.name", "value": {"stringValue": "execute_tool"}}]}
            return post_span(rx, span)

        self.assertEqual(post("tools/call abcde", "abcdefghijklmnopqrstu"), 400)  # uncut tool name
        self.assertEqual(post("tools/call abcdefgh", "abcdefgh"), 200)
        self.assertEqual(post("tools/call a", "abcdefgh"), 200)  # a limit of 12: the name only
        self.assertEqual(post("tools/call xbc", "abc"), 400)  # not a prefix

    def test_start_and_end_days_apart_with_kill_9_between_a_2xx_and_the_delete(self):
        rx = self.receiver()
        later = T0 + 3 * 86400 + 0.5
        start, end = pair("int_days", {"mcp.method.name": "tools/call", "gen_ai.tool.name": "slow",
                                       "jsonrpc.request.id": "9", "traceparent": CALLER},
                          "interaction_complete", {"success": True}, seconds=later - T0)
        self.import_events([start])
        self.ok("-c", self.cfg, "flush")  # the start's record; the start is kept for its span
        self.assertEqual(rx.spans(), [])
        self.assertEqual(self.files(), [])
        self.assertEqual(self.started(), ["int_days"])
        self.import_events([end])
        # The span is taken (2xx) while the records are not answered yet:
        # kill -9 there, between a 2xx and the deletes.
        rx.control(slow=60, only_path="/v1/logs")
        p = subprocess.Popen([BIN, "-c", self.cfg, "flush"], env=self.env, cwd=self.cwd,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_for(lambda: len(rx.spans()) == 1)
        p.kill()
        p.wait()
        self.assertEqual(len(self.files()), 1)  # the end is still queued
        self.assertEqual(self.started(), ["int_days"])  # and its start still kept
        rx.control(slow=0, only_path=None)
        self.ok("-c", self.cfg, "flush")
        self.assertEqual(self.files(), [])
        self.assertEqual(self.started(), [])
        (seen,) = rx.dedup().values()
        self.assertEqual(seen["deliveries"], 2)  # resent after the crash...
        self.assertFalse(seen["differs"])        # ...as the same span
        sp = seen["span"]
        self.assertEqual((sp["startTimeUnixNano"], sp["endTimeUnixNano"]), (nanos(T0), nanos(later)))
        self.assertEqual((sp["traceId"], sp["parentSpanId"]),
                         ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"))
        # Killed right after the last 2xx instead: the end may or may not be
        # gone by then; either way one span, whole.
        for k in range(3):
            iid = "int_race%d" % k
            start, end = pair(iid, {"request_type": "job"}, "interaction_complete", {},
                              start_ts=T0 + k)
            self.import_events([start])
            self.ok("-c", self.cfg, "flush")
            self.import_events([end])
            # The shell stops itself until the receiver knows its pid, which
            # exec hands on to flush.
            p = subprocess.Popen(["sh", "-c", 'kill -STOP $$; exec "$0" "$@"', BIN, "-c",
                                  self.cfg, "flush"], env=self.env, cwd=self.cwd,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.wait_for(lambda: process_state(p.pid) == "T")
            rx.control(kill_pid=p.pid, kill_path="/v1/traces")
            os.kill(p.pid, signal.SIGCONT)
            p.wait()
            rx.control(kill_pid=None)
            self.ok("-c", self.cfg, "flush")
            self.assertEqual((self.files(), self.started()), ([], []))
            spans = [s for s in rx.dedup().values()
                     if values(s["span"])["mcp_report.interaction.id"] == iid]
            self.assertEqual(len(spans), 1)
            self.assertFalse(spans[0]["differs"])
            self.assertEqual(spans[0]["span"]["startTimeUnixNano"], nanos(T0 + k))

    def test_an_id_used_again_is_a_new_span_each_time(self):
        # A job that names its interaction after itself (--id nightly), run
        # three times: three spans, each from its own start, whatever the
        # batches (the first flush takes run 1 and run 2's start together,
        # so run 2's start waits in started/ for its end).
        rx = self.receiver()

        def ev(action, t):
            member = {"interaction_start": "request_data",
                      "interaction_complete": "result_data"}[action]
            return {"action": action, "interaction_id": "nightly", "mcp_id": "test_mcp",
                    "timestamp": T0 + t, member: {"request_type": "nightly"}}
        self.import_events([ev("interaction_start", 0), ev("interaction_complete", 1),
                            ev("interaction_start", 10)])
        self.ok("-c", self.cfg, "flush")
        self.assertEqual(self.started(), ["nightly"])
        self.import_events([ev("interaction_complete", 12), ev("interaction_start", 20),
                            ev("interaction_complete", 23)])
        self.ok("-c", self.cfg, "flush")
        spans = sorted(rx.spans(), key=lambda sp: int(sp["startTimeUnixNano"]))
        self.assertEqual([(sp["startTimeUnixNano"], sp["endTimeUnixNano"]) for sp in spans],
                         [(nanos(T0), nanos(T0 + 1)), (nanos(T0 + 10), nanos(T0 + 12)),
                          (nanos(T0 + 20), nanos(T0 + 23))])
        self.assertEqual(len({sp["spanId"] for sp in spans}), 3)
        self.assertEqual(len({sp["traceId"] for sp in spans}), 3)  # no caller: a trace each
        # Each record is in its own run's span.
        for rec in rx.records():
            lr = rec["record"]
            (sp,) = [sp for sp in spans if int(sp["startTimeUnixNano"]) <= int(lr["timeUnixNano"])
                     <= int(sp["endTimeUnixNano"])]
            self.assertEqual((lr["traceId"], lr["spanId"]), (sp["traceId"], sp["spanId"]))
        self.assertEqual(self.started(), [])

    def test_a_start_requeued_from_dead_keeps_its_times(self):
        rx = self.receiver()
        start, end = pair("int_dead", {"request_type": "job"}, "interaction_error",
                          {"error_type": "Timeout", "error_message": "took too long"},
                          seconds=86400.25)
        rx.control(script=[400], only_path="/v1/logs")
        self.import_events([start])
        self.assertEqual(self.flush().returncode, 65)
        self.import_events([end])
        self.ok("-c", self.cfg, "flush")  # the end waits behind its dead start
        self.assertEqual(rx.spans(), [])
        self.ok("-c", self.cfg, "requeue", "--all")
        self.ok("-c", self.cfg, "flush")
        (sp,) = rx.spans()
        self.assertEqual((sp["startTimeUnixNano"], sp["endTimeUnixNano"]),
                         (nanos(T0), nanos(T0 + 86400.25)))
        self.assertEqual(sp["status"], {"code": 2, "message": "took too long"})

    def test_otlp_signals_chooses_what_is_sent(self):
        rx = self.receiver()
        traces = self.write_config("[interaction_logging]\nsync = false\n"
                                   "otlp_signals = [\"traces\"]\n", name="traces.toml")
        start, end = pair("int_t", {"request_type": "job"}, "interaction_complete", {})
        self.import_events([start])
        self.ok("-c", traces, "flush")
        self.assertEqual(rx.log(), [])  # a start alone feeds no span: nothing to send
        self.assertEqual(self.started(), ["int_t"])
        self.import_events([end] + self.interactions(8))
        self.ok("-c", traces, "flush")
        self.assertEqual(set(rx.paths()), {"/v1/traces"})
        self.assertEqual(len(rx.spans()), 3)
        self.assertEqual(rx.records(), [])
        sp = [s for s in rx.spans() if values(s)["mcp_report.interaction.id"] == "int_t"][0]
        self.assertEqual(sp["startTimeUnixNano"], nanos(T0))
        rx.stop()
        rx = self.receiver()
        logs = self.write_config("[interaction_logging]\nsync = false\n"
                                 "otlp_signals = [\"logs\"]\n", name="logs.toml")
        self.import_events(self.interactions(8))
        self.ok("-c", logs, "flush")
        self.assertEqual(set(rx.paths()), {"/v1/logs"})
        self.assertEqual(len(rx.records()), 8)
        self.assertEqual(self.started(), [])
        # no span is sent, so no record names one: without a caller, no ids
        for line in rx.records():
            self.assertNotIn("traceId", line["record"])
            self.assertNotIn("spanId", line["record"])
        # with a caller, its trace and its span, as an SDK with tracing off stamps them
        caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        r = self.ok("-c", logs, "start", "--print-traceparent", env={"TRACEPARENT": caller})
        iid, printed = r.stdout.split()
        self.assertEqual(printed, caller)
        self.ok("-c", logs, "complete", iid, env={"TRACEPARENT": None})
        self.ok("-c", logs, "flush")
        called = [line["record"] for line in rx.records()
                  if values(line["record"])["mcp_report.interaction.id"] == iid]
        self.assertEqual(len(called), 2)
        for record in called:
            self.assertEqual((record["traceId"], record["spanId"], record["flags"]),
                             ("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", 1))
        self.assertIn("otlp_signals", self.fails(78, "-c", self.write_config(
            "[interaction_logging]\notlp_signals = [\"metrics\"]\n", name="bad.toml"),
            "flush").stderr)

    def test_each_signal_may_have_its_own_endpoint(self):
        rx = self.receiver()
        spans_rx = Receiver(self.dir)
        self.receivers.append(spans_rx)
        self.import_events(self.interactions(8))
        self.ok("-c", self.cfg, "flush",
                env={"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": spans_rx.url + "/v1/traces"})
        self.assertEqual(set(rx.paths()), {"/v1/logs"})
        self.assertEqual(set(spans_rx.paths()), {"/v1/traces"})
        self.assertEqual(len(spans_rx.spans()), 2)
        shown = self.ok("-c", self.cfg, "config",
                        env={"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": spans_rx.url + "/v1/traces"})
        self.assertIn("otlp traces url (effective)", shown.stdout)
        self.assertIn(spans_rx.url + "/v1/traces", shown.stdout)


class TraceContextTest(OtlpCase):
    """The caller's trace context end to end: a shell wrapper's run and
    start, and the official SDK client through the proxy."""

    def test_a_wrapper_run_and_its_nested_start_are_parent_and_child(self):
        rx = self.receiver()
        script = 'id=$("$0" start request_type=step) && "$0" complete "$id" success:=true'
        self.ok("run", "--id", "wrapper", "request_type=job", "--", "sh", "-c", script, BIN,
                env={"TRACEPARENT": CALLER})
        self.ok("-c", self.cfg, "flush")
        spans = {s["name"]: s for s in rx.spans()}
        self.assertEqual(sorted(spans), ["job", "step"])
        job, step = spans["job"], spans["step"]
        self.assertEqual(job["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736")
        self.assertEqual(job["parentSpanId"], "00f067aa0ba902b7")  # the caller's span
        self.assertEqual(job["spanId"],
                         derived_ids("test_mcp", "wrapper", job["startTimeUnixNano"])[1])
        self.assertEqual(step["traceId"], job["traceId"])
        self.assertEqual(step["parentSpanId"], job["spanId"])  # run's span is the parent
        self.assertEqual((job["kind"], step["kind"]), (1, 1))  # INTERNAL: no MCP request
        # The child ran within the parent.
        self.assertLessEqual(int(job["startTimeUnixNano"]), int(step["startTimeUnixNano"]))
        self.assertLessEqual(int(step["endTimeUnixNano"]), int(job["endTimeUnixNano"]))
        # Without a caller, run starts a trace of its own and the child joins it.
        self.ok("run", "--id", "alone", "request_type=job2", "--", "sh", "-c",
                script.replace("step", "step2"), BIN)
        self.ok("-c", self.cfg, "flush")
        spans = {s["name"]: s for s in rx.spans()}
        self.assertEqual(spans["job2"]["traceId"],
                         derived_ids("test_mcp", "alone", spans["job2"]["startTimeUnixNano"])[0])
        self.assertNotIn("parentSpanId", spans["job2"])
        self.assertEqual(spans["step2"]["parentSpanId"], spans["job2"]["spanId"])
        self.assertEqual(spans["step2"]["traceId"], spans["job2"]["traceId"])

    def test_a_tracestate_goes_only_with_its_own_traceparent(self):
        # W3C: tracestate travels with its traceparent. A new trace (no valid
        # caller) hands CMD no TRACESTATE; a valid caller's goes along.
        show = 'echo "${TRACEPARENT-none} ${TRACESTATE-unset}"'
        for caller in ({"TRACEPARENT": "garbage", "TRACESTATE": "vendor=abc"},
                       {"TRACEPARENT": None, "TRACESTATE": "vendor=abc"},
                       {"TRACEPARENT": CALLER, "TRACESTATE": "bad state"}):
            r = self.ok("run", "--", "sh", "-c", show, env=caller)
            traceparent, state = r.stdout.split()
            self.assertRegex(traceparent, r"^00-[0-9a-f]{32}-[0-9a-f]{16}-01$")
            self.assertEqual(state, "unset", caller)
        r = self.ok("run", "--", "sh", "-c", show,
                    env={"TRACEPARENT": CALLER, "TRACESTATE": "vendor=abc"})
        self.assertEqual(r.stdout.split()[1], "vendor=abc")
        self.assertTrue(r.stdout.startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-"), r.stdout)
        # start --print-traceparent cannot unset the wrapper's TRACESTATE: it
        # says so when the traceparent it prints starts a new trace
        r = self.ok("start", "--print-traceparent",
                    env={"TRACEPARENT": None, "TRACESTATE": "vendor=abc"})
        self.assertIn("TRACESTATE does not go with the traceparent printed", r.stderr)
        r = self.ok("start", "--print-traceparent",
                    env={"TRACEPARENT": CALLER, "TRACESTATE": "vendor=abc"})
        self.assertNotIn("TRACESTATE", r.stderr)

    def test_the_sdk_clients_meta_traceparent_through_the_proxy(self):
        npm = os.environ.get("MCPR_NPM_DIR") or os.path.join(SOURCE, ".cache", "npm-mcp")
        everything = os.path.join(npm, "node_modules", "@modelcontextprotocol",
                                  "server-everything", "dist", "index.js")
        if not os.path.exists(everything):
            if os.environ.get("MCPR_REQUIRE_NPM") == "1":
                self.fail("%s is missing (scripts/test.sh installs it)" % everything)
            self.skipTest("@modelcontextprotocol/server-everything is not installed")
        rx = self.receiver()
        client_trace, client_span = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
        r = subprocess.run(
            ["node", os.path.join(os.path.dirname(CHECKER), "otlp_traced_client.mjs"),
             "00-%s-%s-01" % (client_trace, client_span), "congo=t61rcWkgMzE", BIN, "proxy",
             "--", "node", everything, "stdio"],
            capture_output=True, text=True, env=dict(self.env, MCP_NPM=npm), cwd=self.cwd,
            timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Echo: traced", r.stdout)
        self.ok("-c", self.cfg, "flush")
        (span,) = [s for s in rx.spans() if s["name"] == "tools/call echo"]
        self.assertEqual((span["traceId"], span["parentSpanId"], span["traceState"]),
                         (client_trace, client_span, "congo=t61rcWkgMzE"))
        self.assertEqual(span["kind"], 2)
        got = values(span)
        self.assertEqual(got["network.transport"], "pipe")
        self.assertEqual(got["gen_ai.operation.name"], "execute_tool")
        self.assertEqual(got["mcp_report.client.name"], "traced-client")
        self.assertTrue(got["mcp.protocol.version"])
        self.assertTrue(got["jsonrpc.request.id"])
        # Every record of the call is in the client's trace, in our span.
        iid = got["mcp_report.interaction.id"]
        records = [x["record"] for x in rx.records()
                   if values(x["record"])["mcp_report.interaction.id"] == iid]
        self.assertEqual(len(records), 2)
        for lr in records:
            self.assertEqual((lr["traceId"], lr["spanId"]), (client_trace, span["spanId"]))


class RetryTest(OtlpCase):
    def test_a_dropped_connection_is_retried(self):
        rx = self.receiver()
        rx.control(script=["drop"])
        self.import_events(self.interactions(8))
        first = self.flush()
        self.assertEqual(first.returncode, 75, first.stderr)
        self.assertEqual(len(self.files()), 8)  # the whole batch kept
        self.assertTrue(all(re.search(r",1,\d+$", n) for n in self.files()), self.files())
        self.flush_until_empty()
        self.assertEqual(self.files("dead"), [])
        self.assertEqual(len(rx.unique_records()), 8)

    def test_a_collector_that_never_answers_a_request_is_a_failed_attempt(self):
        """A request taken and not answered within the timeout (a poison
        batch that hangs the Collector) is a failed attempt of that batch,
        backed off and counted, not an outage that would hold the whole
        backlog until max_age_days."""
        # 1.5 s: the request must be sent before the time is up, for its
        # silence to count as an attempt (a process starved under load for
        # 0.5 s had not connected yet: unreachable, no attempt).
        cfg = self.write_config("[interaction_logging]\nsync = false\ntimeout = 1.5\n"
                                "retry_delay = 0.01\nmax_backoff = 0.05\n", name="hang.toml")
        rx = self.receiver()
        rx.control(script=["hang"])
        self.import_events(self.interactions(8))
        r = self.run_cli("-c", cfg, "flush")
        self.assertEqual(r.returncode, 75, r.stderr)
        self.assertNotIn("unavailable", r.stderr)
        self.assertEqual(len(self.files()), 8)
        self.assertTrue(all(re.search(r",1,\d+$", n) for n in self.files()), self.files())
        self.flush_until_empty()
        self.assertEqual(self.files("dead"), [])
        # The logs request of the batch was taken while its traces request
        # hung: its records come again with the span (the same ids).
        self.assertEqual(len(rx.unique_records()), 8)

    def test_an_unavailable_collector_never_dead_letters(self):
        """502, 503 (a Collector's memory limiter) and 504 without
        Retry-After: an outage, no attempt counted, however many runs."""
        cfg = self.write_config("[interaction_logging]\nsync = false\nmax_retries = 0\n",
                                name="strict.toml")
        rx = self.receiver()
        self.import_events(self.interactions(8))
        before = self.files()
        for status, path in ((502, "/v1/logs"), (503, "/v1/traces"), (504, "/v1/logs")):
            with self.subTest(status=status):
                rx.control(fail_first=2, status_code=status, only_path=path)
                for _ in range(2):
                    r = self.run_cli("-c", cfg, "flush")
                    self.assertEqual(r.returncode, 75, r.stderr)
                    self.assertIn("the OTLP endpoint at %s is unavailable: HTTP %d"
                                  % (rx.url, status), r.stderr)
                    self.assertEqual(self.files(), before)
                    self.assertEqual(self.files("dead"), [])
        self.assertEqual(self.run_cli("-c", cfg, "flush").returncode, 0)
        self.assertEqual(len(rx.unique_records()), 8)
        # The signal that was taken each time came again with the same ids.
        self.assertEqual([s["deliveries"] for s in rx.dedup().values()], [5, 5])
        self.assertFalse(any(s["differs"] for s in rx.dedup().values()))

    def test_429_with_retry_after_is_waited_out(self):
        rx = self.receiver("--retry-after", "1")
        rx.control(script=[429])
        self.import_events(self.interactions(8))
        r = self.flush("-v")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(e["status"] for e in rx.log()), [200, 200, 200, 429])
        self.assertEqual(len(rx.unique_records()), 8)
        self.assertEqual(len(rx.dedup()), 2)

    def test_other_statuses_dead_letter_the_batch_with_status_and_body(self):
        for status in (400, 500):
            with self.subTest(status=status):
                rx = self.receiver()
                # The spans refused, the records taken: the batch is dead
                # all the same, for its spans.
                rx.control(script=[status], only_path="/v1/traces")
                self.import_events(self.interactions(8))
                r = self.flush()
                self.assertEqual(r.returncode, 65, r.stderr)
                self.assertIn("8 events dead-lettered: HTTP %d" % status, r.stderr)
                self.assertEqual(len(self.files("dead")), 8)
                self.assertEqual(sorted(rx.paths()), ["/v1/logs", "/v1/traces"])  # not retried
                with open(os.path.join(self.spool, "dead", self.files("dead")[0] + "#reason")) as f:
                    self.assertIn("injected failure %d" % status, f.read())
                shutil.rmtree(os.path.join(self.spool, "dead"))
                rx.stop()

    def test_a_batch_too_large_for_the_receiver_is_split_and_only_an_event_too_large_alone_dies(self):
        # The Collector's OTLP/HTTP receiver refuses a body over its
        # max_request_body_size (decompressed) with a 400 that says "too
        # large"; a 413 says the same.
        for refusal in ("400", "413"):
            with self.subTest(refusal=refusal):
                rx = self.receiver("--max-body", "20000", "--too-large-status", refusal)
                events = [event(i, "fits_%d" % i, 0) for i in range(10)]
                for e in events:
                    e["request_data"]["pad"] = "x" * 3000
                big = event(10, "big", 0)
                big["request_data"]["pad"] = "y" * 30000
                self.import_events(events[:5] + [big] + events[5:])
                r = self.flush()
                self.assertEqual(r.returncode, 65, r.stderr)
                self.assertIn("1 event dead-lettered: HTTP %s" % refusal, r.stderr)
                self.assertIn("as too large (HTTP %s): sending smaller batches" % refusal, r.stderr)
                dead = self.files("dead")
                self.assertEqual(len(dead), 1)
                self.assertIn("big", dead[0])
                self.assertEqual(sorted(x["record"]["attributes"][0]["value"]["stringValue"]
                                        for x in rx.records()),
                                 sorted("fits_%d" % i for i in range(10)))
                self.assertEqual(self.files(), [])
                shutil.rmtree(os.path.join(self.spool, "dead"))
                rx.stop()

    def test_requests_stay_within_otlp_max_request_kb(self):
        rx = self.receiver("--max-body", "8192")
        self.cfg = self.write_config("[interaction_logging]\nsync = false\notlp_max_request_kb = 8\n",
                                     "config.toml")
        events = [event(i, "int_%d" % i, 0) for i in range(12)]
        for e in events:
            e["request_data"]["pad"] = "x" * 2000
        self.import_events(events)
        r = self.flush()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(rx.records()), 12)
        self.assertGreater(rx.paths().count("/v1/logs"), 2)  # one batch, several requests

    def test_invalid_json_would_be_a_400_dead_letter(self):
        """The receiver's strictness is real: a wrong key is refused."""
        rx = self.receiver()
        body = json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [
            {"timeUnixNano": 5}]}]}]}).encode()
        req = urllib.request.Request(rx.url + "/v1/logs", data=body,
                                     headers={"Content-Type": "application/json"})
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=5)
        self.assertEqual(e.exception.code, 400)

    def test_unreachable_endpoint_keeps_everything(self):
        rx = self.receiver()
        rx.stop()
        self.import_events(self.interactions(8))
        r = self.flush()
        self.assertEqual(r.returncode, 75, r.stderr)
        self.assertIn("cannot reach the OTLP endpoint", r.stderr)
        self.assertEqual(len(self.files()), 8)

    def test_a_malformed_endpoint_is_a_configuration_error_never_an_outage(self):
        # libcurl refused these at each flush as "cannot reach" (75), which
        # flush -q keeps quiet through a whole outage: a typo is 78, at once.
        self.import_events(self.interactions(4))
        for var in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"):
            for bad in ("http://[::1:4318", "http://127.0.0.1:99999", "http://127.0.0.1:-1",
                        "http://127.0.0.1:4318,http://b:4318"):
                for command in (["config"], ["flush"], ["-q", "flush"], ["health"]):
                    r = self.run_cli("-c", self.cfg, *command, env={var: bad})
                    self.assertEqual(r.returncode, 78, (var, bad, command, r.stderr))
                    self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
                    self.assertRegex(r.stderr, r"^mcp-report: environment %s: " % var)
        r = self.run_cli("-c", self.cfg, "-q", "flush",
                         env={"MCP_REPORT_SINK": None, "MCP_REPORT_URL": "http://127.0.0.1:99999",
                              "MCP_REPORT_API_KEY": "k"})
        self.assertEqual((r.returncode, r.stderr.strip()),
                         (78, "mcp-report: environment MCP_REPORT_URL: "
                              "interaction_logging.coordinator_url: has a port that is not a "
                              "number from 1 to 65535"))
        self.assertEqual(len(self.files()), 4)

    def test_only_opentelemetrys_variables_set_the_hint_names_the_otlp_sink(self):
        self.import_events(self.interactions(4))
        env = {"MCP_REPORT_SINK": None, "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
        for command in ("flush", "health"):
            r = self.run_cli("-c", self.cfg, command, env=env)
            self.assertEqual(r.returncode, 78, r.stderr)
            (hint,) = [l for l in r.stderr.splitlines() if l.startswith("mcp-report: hint: ")]
            self.assertIn("OTEL_EXPORTER_OTLP_ENDPOINT is set, but the sink is the coordinator: "
                          "to send to it, set sink = \"otlp\" in [interaction_logging] or "
                          "MCP_REPORT_SINK=otlp", hint)
        self.assertEqual(len(self.files()), 4)

    def test_401_stops_and_keeps_everything(self):
        rx = self.receiver()
        rx.control(script=[401])
        self.import_events(self.interactions(8))
        r = self.flush()
        self.assertEqual(r.returncode, 77, r.stderr)
        self.assertIn("rejected our headers (HTTP 401", r.stderr)  # there is no API key
        self.assertIn("hint: check the headers in otlp_headers_file", r.stderr)
        self.assertEqual(len(self.files()), 8)

    def test_partial_success_is_not_retried_but_told_and_counted(self):
        for path, told in (("/v1/logs", "refused 2 records: too old"),
                           ("/v1/traces", "refused 2 spans: too old")):
            with self.subTest(path=path):
                rx = self.receiver("--partial-message", "too old")
                rx.control(script=[{"partial": 2}], only_path=path)
                self.import_events(self.interactions(8))
                before = self.refused_ever()
                r = self.flush("--json")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(self.files(), [])
                self.assertEqual(len(rx.log()), 2)
                self.assertIn(told, r.stderr)
                self.assertEqual(json.loads(r.stdout)["rejected"], 2)
                # status counts refused spans as it counts refused records
                self.assertEqual(self.refused_ever(), before + 2)
                self.assertIn("spans or log records refused by the endpoint",
                              self.ok("-c", self.cfg, "status").stdout)
                rx.stop()

    def refused_ever(self):
        return json.loads(self.ok("-c", self.cfg, "status", "--json").stdout)["otlp_rejected"]


class HealthTest(OtlpCase):
    def test_health_posts_an_empty_export_request(self):
        rx = self.receiver()
        r = self.ok("health")
        self.assertEqual(r.stdout.count(" is up: HTTP 200"), 2, r.stdout)
        self.assertEqual([(e["path"], e["status"], e["records"]) for e in rx.log()],
                         [("/v1/traces", 200, 0), ("/v1/logs", 200, 0)])
        rx.control(fail_first=1, status_code=503)
        self.fails(69, "health")
        rx.control(fail_first=1, status_code=401)
        self.fails(77, "health")
        rx.stop()
        self.fails(69, "health")


    def test_validate_key_checks_the_otlp_headers_not_an_api_key(self):
        rx = self.receiver()
        # No coordinator key is needed (or sent) with sink = "otlp".
        r = self.ok("validate-key", env={"MCP_REPORT_API_KEY": None,
                                         "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=s3cret"})
        self.assertIn("OTLP headers accepted by " + rx.url + "/v1/traces", r.stdout)
        self.assertIn("OTLP headers accepted by " + rx.url + "/v1/logs", r.stdout)
        self.assertNotIn("s3cret", r.stdout + r.stderr)
        for req in rx.log():
            self.assertEqual(req["records"], 0)
            self.assertEqual(req["headers"]["x-api-key"], "s3cret")
            self.assertNotIn("authorization", req["headers"])
        rx.control(fail_first=1, status_code=403, only_path="/v1/logs")
        r = self.fails(77, "validate-key")
        self.assertIn("validate-key: " + rx.url + "/v1/logs", r.stderr)
        self.assertIn("OTEL_EXPORTER_OTLP_HEADERS", r.stderr)
        rx.stop()
        self.fails(69, "validate-key")


class CrashTest(OtlpCase):
    def test_kill_9_of_flush_loses_nothing(self):
        n = 3000
        rx = self.receiver("--slow", "0.01")
        self.import_events(self.interactions(n, per=5))
        cfg = self.write_config("[interaction_logging]\nrate_limit = 0\notlp_batch = 50\n"
                                "concurrency = 4\n")
        rounds = self.flush_through_kill_9(cfg, 100, seed=11, longest=0.2)
        got = []
        ids = {}
        for rec in rx.records():
            values = rec["record"]["body"]["kvlistValue"]["values"]
            i = int(next(kv["value"]["intValue"] for kv in values if kv["key"] == "i"))
            got.append(i)
            attrs = {kv["key"]: kv["value"] for kv in rec["record"]["attributes"]}
            ids.setdefault(i, set()).add(attrs["mcp_report.event.id"]["stringValue"])
        self.assertEqual(set(got), set(range(n)))  # nothing lost
        # A resent record carries the same mcp_report.event.id, so a receiver can
        # drop it: one id per event, and no two events share one.
        self.assertTrue(all(len(v) == 1 for v in ids.values()))
        self.assertEqual(len({next(iter(v)) for v in ids.values()}), n)
        # A resend is only of a batch whose 2xx the killed flush did not record:
        # never more than the batches in flight when it died, per round.
        resent = len(got) - n
        self.assertLessEqual(resent, rounds * 4 * 50)
        # One span per interaction in the dedup view, each resend the same.
        dedup = rx.dedup()
        self.assertEqual(len(dedup), n // 5)
        self.assertFalse([s for s in dedup.values() if s["differs"]])
        print("\notlp crash: %d kill -9 rounds over %d events: 0 lost, %d resent in %d requests; "
              "%d spans, %d resent" % (rounds, n, resent, len(rx.log()), len(dedup),
                                       len(rx.spans()) - len(dedup)))


if __name__ == "__main__":
    unittest.main()
