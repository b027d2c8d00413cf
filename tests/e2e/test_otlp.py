"""The OpenTelemetry sink (man page OPENTELEMETRY SINK): flush with sink = "otlp" into the
strict development receiver (scripts/dev-otlp-receiver.py, which answers 400
to anything that breaks OTLP's JSON rules), on a free loopback port."""
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest
import urllib.request

from harness import SOURCE, Case, Coordinator, start_server

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
        self.log_path = os.path.join(self.dir, "requests.ndjson")
        self.requests_path = os.path.join(self.dir, "bodies.ndjson")
        self.proc, self.port = start_server(
            [sys.executable, RECEIVER, "--port", "0", "--out", self.out, "--log", self.log_path,
             "--requests", self.requests_path, *flags], self.dir, "dev-otlp-receiver")
        self.url = "http://127.0.0.1:%d" % self.port

    def records(self):
        if not os.path.exists(self.out):
            return []
        with open(self.out) as f:
            return [json.loads(line) for line in f if line.strip()]


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
        small, big = rx.log()
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
        self.assertEqual(len(rx.records()), 8)

    def test_a_collector_that_never_answers_a_request_is_a_failed_attempt(self):
        """A request taken and not answered within the timeout (a poison
        batch that hangs the Collector) is a failed attempt of that batch,
        backed off and counted, not an outage that would hold the whole
        backlog until max_age_days."""
        cfg = self.write_config("[interaction_logging]\nsync = false\ntimeout = 0.5\n"
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
        self.assertEqual(len(rx.records()), 8)

    def test_an_unavailable_collector_never_dead_letters(self):
        """502, 503 (a Collector's memory limiter) and 504 without
        Retry-After: an outage, no attempt counted, however many runs."""
        cfg = self.write_config("[interaction_logging]\nsync = false\nmax_retries = 0\n",
                                name="strict.toml")
        rx = self.receiver()
        self.import_events(self.interactions(8))
        before = self.files()
        for status in (502, 503, 504):
            with self.subTest(status=status):
                rx.control(fail_first=2, status_code=status)
                for _ in range(2):
                    r = self.run_cli("-c", cfg, "flush")
                    self.assertEqual(r.returncode, 75, r.stderr)
                    self.assertIn("the OTLP endpoint at %s/v1/logs is unavailable: HTTP %d"
                                  % (rx.url, status), r.stderr)
                    self.assertEqual(self.files(), before)
                    self.assertEqual(self.files("dead"), [])
        self.assertEqual(self.run_cli("-c", cfg, "flush").returncode, 0)
        self.assertEqual(len(rx.records()), 8)

    def test_429_with_retry_after_is_waited_out(self):
        rx = self.receiver("--retry-after", "1")
        rx.control(script=[429])
        self.import_events(self.interactions(8))
        r = self.flush("-v")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([e["status"] for e in rx.log()], [429, 200])
        self.assertEqual(len(rx.records()), 8)

    def test_other_statuses_dead_letter_the_batch_with_status_and_body(self):
        for status in (400, 500, 413):
            with self.subTest(status=status):
                rx = self.receiver()
                rx.control(script=[status])
                self.import_events(self.interactions(8))
                r = self.flush()
                self.assertEqual(r.returncode, 65, r.stderr)
                self.assertIn("8 events dead-lettered: HTTP %d" % status, r.stderr)
                self.assertEqual(len(self.files("dead")), 8)
                self.assertEqual(len(rx.log()), 1)  # not retried
                with open(os.path.join(self.spool, "dead", self.files("dead")[0] + "#reason")) as f:
                    self.assertIn("injected failure %d" % status, f.read())
                shutil.rmtree(os.path.join(self.spool, "dead"))
                rx.stop()

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
        rx = self.receiver("--partial-message", "2 records too old")
        rx.control(script=[{"partial": 2}])
        self.import_events(self.interactions(8))
        r = self.flush("--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.files(), [])
        self.assertEqual(len(rx.log()), 1)
        self.assertIn("refused 2 records: 2 records too old", r.stderr)
        self.assertEqual(json.loads(r.stdout)["rejected"], 2)


class HealthTest(OtlpCase):
    def test_health_posts_an_empty_export_request(self):
        rx = self.receiver()
        r = self.ok("health")
        self.assertIn("up", r.stdout)
        (req,) = rx.log()
        self.assertEqual((req["path"], req["status"], req["records"]), ("/v1/logs", 200, 0))
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
        self.assertIn("OTLP headers accepted by " + rx.url + "/v1/logs", r.stdout)
        self.assertNotIn("s3cret", r.stdout + r.stderr)
        (req,) = rx.log()
        self.assertEqual((req["path"], req["records"]), ("/v1/logs", 0))
        self.assertEqual(req["headers"]["x-api-key"], "s3cret")
        self.assertNotIn("authorization", req["headers"])
        rx.control(fail_first=1, status_code=403)
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
        print("\notlp crash: %d kill -9 rounds over %d events: 0 lost, %d resent in %d requests"
              % (rounds, n, resent, len(rx.log())))


if __name__ == "__main__":
    unittest.main()
