"""Power loss at every step of every command that changes a spool (the man
page's FILES and DELIVERY promises), on crashfs (tests/crashfs/crashfs.cc):
each command runs once to count its file-system operations N, then again
from the same spool with the power cut right after the k-th operation, for
a seeded sample of k in 1..N (every k with MCP_REPORT_LONG=1), and once more
with the power lost just after it ended. After each power loss:
  - every event whose recording command exited 0 (the id `start` printed,
    what the proxy counted as recorded) is in the spool or was delivered;
  - every file in queue/ and dead/ is a whole event, corrupt/ is empty;
  - the root state files parse, or are absent;
  - a flush then delivers all that is left: the receiver has every event,
    each Idempotency-Key with one body, a whole event, never a partial one.
MCP_REPORT_CRASH_SEED chooses the sample (printed with each figure),
MCP_REPORT_CRASH_SAMPLE its size (4; 2 in the sanitizer build)."""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest
import urllib.request

from crashfs import Mount, missing
from harness import BIN, SOURCE, Case, start_server

LONG = os.environ.get("MCP_REPORT_LONG") == "1"
SEED = int(os.environ.get("MCP_REPORT_CRASH_SEED", "2020"))
# Crash points per command in the short sweep, besides the end.
SHORT_SAMPLE = int(os.environ.get("MCP_REPORT_CRASH_SAMPLE", "4"))
OTLP_RECEIVER = os.path.join(SOURCE, "scripts", "dev-otlp-receiver.py")
FAKE_SERVER = os.path.join(SOURCE, "tests", "proxy", "fake_server.py")
DATA = {"interaction_start": "request_data", "interaction_progress": "progress_data",
        "interaction_complete": "result_data", "interaction_error": "error_data"}
NAME = re.compile(r"\A\d{16}-[0-9a-f]{12}\.[spce]\.[A-Za-z0-9._:-]+(,\d+,\d+)?\Z")
CONFIG = """[interaction_logging]
rate_limit = 0
concurrency = 1
retry_delay = 0.001
min_free_mb = 0
"""


def whole_event(text):
    """The event `text` holds, or None when it is not a whole event."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    data = DATA.get(body.get("action")) if isinstance(body, dict) else None
    if data is None or set(body) != {"action", "interaction_id", "mcp_id", "timestamp", data} \
            or not isinstance(body[data], dict):
        return None
    return body


def event_id(file_name):
    return file_name.split(".")[0]


class Promise:
    """What must survive a crash point: events by (interaction id, action)
    from recording commands that exited 0, events by id from the spool the
    command started with, a least number of queued events (the proxy), and
    event ids that must be gone (a delete that exited 0)."""

    def __init__(self, events=(), keys=(), at_least=0, gone=(), no_resend=False, sent=()):
        self.events = set(events)
        self.keys = set(keys)
        self.sent = set(sent)  # ids that the flush after the crash must deliver
        self.at_least = at_least
        self.gone = set(gone)
        self.no_resend = no_resend  # when the power goes after the command ended


class CoordinatorView:
    """What the development coordinator accepted since mark()."""

    def __init__(self, coordinator):
        self.c = coordinator

    def mark(self):
        return len(self.c.log())

    def delivered(self, since):
        """Idempotency-Key -> the bodies accepted under it."""
        out = {}
        for e in self.c.log()[since:]:
            if e["status"] == 200 and e["path"].endswith("/api/v2/interactions"):
                out.setdefault(e["idempotency_key"], []).append(e["body"])
        return out


class OtlpView:
    """What the development OTLP receiver accepted since mark(): log records
    as events, and spans."""

    def __init__(self, out, spans_out, url):
        self.out = out
        self.spans_out = spans_out
        self.url = url

    @staticmethod
    def lines(path):
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def records(self):
        return self.lines(self.out)

    def mark(self):
        return len(self.records()), len(self.lines(self.spans_out))

    def control(self, **faults):
        """Sets the receiver's faults (scripts/dev-otlp-receiver.py, /_control)."""
        req = urllib.request.Request(self.url + "/_control", data=json.dumps(faults).encode(),
                                     method="POST")
        urllib.request.urlopen(req, timeout=10).close()

    def spans(self, since):
        """Interaction id -> {(traceId, spanId): [each delivery of that span]}."""
        out = {}
        for line in self.lines(self.spans_out)[since[1]:]:
            span = line["span"]
            iid = next(a["value"]["stringValue"] for a in span["attributes"]
                       if a["key"] == "mcp_report.interaction.id")
            out.setdefault(iid, {}).setdefault((span["traceId"], span["spanId"]), []).append(span)
        return out

    def delivered(self, since):
        """Event id -> the (interaction id, action) of each record sent for it."""
        out = {}
        for r in self.records()[since[0]:]:
            attrs = {a["key"]: a["value"].get("stringValue") for a in r["record"]["attributes"]}
            pick = lambda *ends: next(v for k, v in attrs.items() if k.endswith(ends))
            iid, action = pick("interaction.id"), pick(".action")
            body = json.dumps({"action": action, "interaction_id": iid, "mcp_id": "",
                               "timestamp": 0, DATA[action]: {}})
            out.setdefault(pick("event.id", "event_id"), []).append(body)
        return out


class PowerLossCase(Case):
    sink = "coordinator"

    def setUp(self):
        super().setUp()
        why = missing()
        if why:
            self.fail(why)
        self.base = os.path.join(self.dir, "base")
        self.backing = os.path.join(self.dir, "backing")
        self.mnt = os.path.join(self.dir, "mnt")
        os.makedirs(self.base)
        self.disk_spool = os.path.join(self.backing, "spool")
        self.c = self.coordinator()
        config = CONFIG
        if self.sink == "otlp":
            out = os.path.join(self.dir, "otlp.ndjson")
            spans = os.path.join(self.dir, "spans.ndjson")
            proc, port = start_server([sys.executable, OTLP_RECEIVER, "--out", out,
                                       "--spans", spans], self.dir, "dev OTLP receiver")
            self.addCleanup(lambda: (proc.terminate(), proc.wait()))
            config += 'sink = "otlp"\notlp_endpoint = "http://127.0.0.1:%d"\notlp_batch = 2\n' % port
            self.view = OtlpView(out, spans, "http://127.0.0.1:%d" % port)
        else:
            self.view = CoordinatorView(self.c)
        self.env["MCP_REPORT_CONFIG"] = self.write_config(config)

    # --- running commands ------------------------------------------------

    def on(self, spool):
        return dict(self.env, MCP_REPORT_SPOOL_DIR=spool)

    def cli(self, m, *args, input=None):
        """mcp-report ARGS on the spool through crashfs (`m`)."""
        return m.run([BIN, *args], input=input, capture_output=True, text=True,
                     env=self.on(os.path.join(self.mnt, "spool")), cwd=self.cwd, timeout=120)

    def on_disk(self, *args, input=None, spool=None, codes=(0,)):
        """mcp-report ARGS on a spool on the disk (no crashfs)."""
        r = subprocess.run([BIN, *args], input=input, capture_output=True, text=True,
                           env=self.on(spool or self.disk_spool), cwd=self.cwd, timeout=120)
        self.assertIn(r.returncode, codes, "%s -> %d: %s" % (args, r.returncode, r.stderr))
        return r

    def base_spool(self):
        return os.path.join(self.base, "spool")

    def import_base(self, lines):
        self.on_disk("import", "-", input="".join(json.dumps(l) + "\n" for l in lines),
                     spool=self.base_spool())

    def base_keys(self, *states):
        folders = [os.path.join(self.base_spool(), s) for s in states or ("queue", "dead")]
        return {event_id(n) for f in folders if os.path.isdir(f) for n in os.listdir(f)
                if "#" not in n}

    # --- the sweep -------------------------------------------------------

    def at(self, command, text, act, post=()):
        """One crash point: the power cut after the first operation whose
        trace line holds `text`, which must be reached."""
        self.crash_point(command, act, text, post)
        self.assertTrue(self.report["cut"], "%s: no operation %r" % (command, text))

    def sweep(self, command, act, post=(), check=None):
        """Runs act(mount) with the power lost after it ended, then cut after
        a sample of its N operations (all of them, each with and without a
        periodic commit, under MCP_REPORT_LONG=1); checks each crash point
        (and check(promise, found) after the common checks, when given).
        Returns the number of crash points."""
        n = self.crash_point(command, act, None, post, check=check)
        points = [(k, k % 2 == 1) for k in range(1, n + 1)]
        if LONG:
            points += [(k, not commit) for k, commit in points]
        elif len(points) > SHORT_SAMPLE:
            points = random.Random("%s %s" % (SEED, command)).sample(points, SHORT_SAMPLE)
        for k, commit in sorted(points):
            self.crash_point(command, act, k, post, commit_prefix=commit, check=check)
        print("\npower loss: %s: %d operations, %d crash points (seed %d%s), nothing lost"
              % (command, n, len(points) + 1, SEED, ", every one" if LONG else ""))
        return len(points) + 1

    def crash_point(self, command, act, cut, post, commit_prefix=False, check=None):
        """Runs act(mount) from the base spool with the power cut after the
        cut'th operation (a number), after the one named (a text), or after
        all (None), with a periodic commit of some unsynced names when
        `commit_prefix`; checks what is left. Returns the operations counted."""
        shutil.rmtree(self.backing, ignore_errors=True)
        shutil.copytree(self.base, self.backing, symlinks=True)
        self.trace = os.path.join(self.dir, "trace")
        self.c.control(script=[])
        mark = self.mark = self.view.mark()
        by_number = isinstance(cut, int)
        seed = random.Random("%s %s %s" % (SEED, command, cut)).randrange(1 << 30)
        m = Mount(self.backing, self.mnt, cut_after=cut if by_number else None,
                  cut_at=None if by_number else cut, trace=self.trace,
                  commit_prefix=seed if commit_prefix else None)
        try:
            promise = act(m)
        finally:
            report = self.report = m.power_off()
        self.where = "%s, power cut after operation %r of %d%s%s" % (
            command, cut, report["operations"], "" if report["cut"] else " (not reached)",
            ", periodic commit (seed %d)" % seed if commit_prefix else "")
        self.found = self.check(promise, mark, post)
        if check:
            check(promise, self.found)
        return report["operations"]

    # --- the checks --------------------------------------------------------

    def fail_here(self, what):
        with open(self.trace) as f:
            ops = f.read().splitlines()
        self.fail("%s: %s\nlast operations:\n  %s" % (self.where, what, "\n  ".join(ops[-12:])))

    def spooled(self, state):
        """{file name: body text} of a state's folder on the disk."""
        folder = os.path.join(self.disk_spool, state)
        if not os.path.isdir(folder):
            return {}
        out = {}
        for n in os.listdir(folder):
            with open(os.path.join(folder, n), "rb") as f:
                out[n] = f.read().decode("utf-8", "replace")
        return out

    def check_files(self):
        """Every queued and dead file is a whole event under a name of ours;
        nothing is corrupt; the root files parse. Returns {event id: body}."""
        found = {}
        for state in ("queue", "dead"):
            for name, text in self.spooled(state).items():
                if state == "dead" and name.endswith("#reason"):
                    if not text.strip():
                        self.fail_here("dead/%s is empty" % name)
                    continue
                body = whole_event(text)
                if not NAME.match(name) or body is None:
                    self.fail_here("%s/%s is not a whole event: %r" % (state, name, text[:80]))
                found[event_id(name)] = text
        if self.spooled("corrupt"):
            self.fail_here("corrupt/ holds %s" % sorted(self.spooled("corrupt")))
        state = os.path.join(self.disk_spool, "state.json")
        if os.path.exists(state):
            with open(state) as f:
                text = f.read()
            try:
                json.loads(text)
            except ValueError:
                self.fail_here("state.json does not parse: %r" % text[:80])
        dropped = os.path.join(self.disk_spool, "proxy-dropped")
        if os.path.exists(dropped):
            with open(dropped) as f:
                text = f.read()
            if not re.match(r"\d+ \d+ ", text):
                self.fail_here("proxy-dropped does not parse: %r" % text[:80])
        return found

    def check(self, promise, mark, post):
        """Checks a crash point's spool, flushes what is left, checks what
        the receiver got. Returns {event id: body} found after the crash."""
        found = self.check_files()
        for key in promise.gone & set(found):
            self.fail_here("deleted event %s is back" % key)
        if len([k for k in found if k not in self.base_keys()]) < promise.at_least:
            self.fail_here("fewer than the %d events counted as recorded" % promise.at_least)
        if os.path.isdir(self.disk_spool):
            for args in post:
                self.on_disk(*args)
            # 65 when events the crashed command would have expired expire now.
            self.on_disk("flush", "--max-time", "60", codes=(0, 65))
            if self.spooled("queue") or self.spooled("corrupt"):
                self.fail_here("left after a flush: %s" % sorted(
                    list(self.spooled("queue")) + list(self.spooled("corrupt"))))
        self.check_delivered(promise, mark, found)
        return found

    def check_delivered(self, promise, mark, found):
        """Each key delivered with one whole body; every promised event
        delivered or dead."""
        dead = {event_id(n) for n in self.spooled("dead") if "#" not in n}
        delivered = self.view.delivered(mark)
        kinds = {(json.loads(found[k])["interaction_id"], json.loads(found[k])["action"])
                 for k in dead if k in found}
        for key, bodies in delivered.items():
            if promise.no_resend and not self.report["cut"] and len(bodies) > 1:
                self.fail_here("%s was resent after a power loss that came after the "
                               "flush ended" % key)
            if len(set(bodies)) != 1:
                self.fail_here("%s delivered with %d different bodies" % (key, len(set(bodies))))
            body = whole_event(bodies[0])
            if body is None:
                self.fail_here("%s delivered partial: %r" % (key, bodies[0][:80]))
            if key in found and self.sink == "coordinator" and found[key] != bodies[0]:
                self.fail_here("%s delivered as %r, spooled as %r" % (key, bodies[0], found[key]))
            kinds.add((body["interaction_id"], body["action"]))
        for key in sorted(promise.keys - set(delivered) - dead):
            self.fail_here("event %s was neither delivered nor kept" % key)
        for key in sorted(promise.sent - set(delivered)):
            self.fail_here("event %s was not delivered (%s)" % (
                key, "dead again" if key in dead else "lost"))
        for iid, action in sorted(promise.events - kinds):
            self.fail_here("%s of %s was recorded (exit 0) and then lost" % (action, iid))


def recorded(r, iid, *actions):
    """The events a recording command promised: all of them on exit 0."""
    return [(iid, "interaction_" + a) for a in actions] if r.returncode == 0 else []


class RecordingTest(PowerLossCase):
    def start_fresh(self, m):
        r = self.cli(m, "start", "--id", "fresh", "k=v")
        self.assertEqual(r.stdout.strip(), "fresh")  # printed even when it failed
        return Promise(recorded(r, "fresh", "start"))

    def test_start_on_a_spool_that_does_not_exist_yet(self):
        self.sweep("start (new spool)", self.start_fresh)

    def test_regression_the_first_event_of_a_new_spool_survives(self):
        # The spool's folders were made without an fsync of the folder that
        # holds them: the event was durable in queue/, queue/ was not.
        self.at("start (new spool)", "fsync spool/queue/", self.start_fresh)

    def test_start_progress_complete_error(self):
        self.on_disk("start", "--id", "before", spool=self.base_spool())

        def act(m):
            events = []
            for args in (("start", "--id", "a"), ("progress", "a", "n:=1"), ("complete", "a"),
                         ("start", "--id", "b"), ("error", "b", "error_message=x")):
                r = self.cli(m, *args)
                iid = "a" if "a" in args else "b"
                events += recorded(r, iid, args[0])
            return Promise(events, keys=self.base_keys())
        self.sweep("start/progress/complete/error", act)

    def test_run(self):
        self.on_disk("start", "--id", "before", spool=self.base_spool())

        def act(m):
            r = self.cli(m, "run", "--strict", "--id", "r", "--", "true")
            return Promise(recorded(r, "r", "start", "complete"), keys=self.base_keys())
        self.sweep("run", act)

    def test_import(self):
        lines = [{"action": "interaction_start", "interaction_id": "i%d" % (i // 2),
                  "mcp_id": "old", "timestamp": 1764000000 + i, "request_data": {"i": i}}
                 for i in range(4)]

        def act(m):
            r = self.cli(m, "import", "-", input="".join(json.dumps(l) + "\n" for l in lines))
            events = {(l["interaction_id"], l["action"]) for l in lines}
            return Promise(events if r.returncode == 0 else ())
        self.sweep("import", act)


def timed_events(n, iid_of=lambda i: "x%d" % (i // 2)):
    """n events of n/2 interactions (start, complete), a second apart."""
    return [{"action": "interaction_start" if i % 2 == 0 else "interaction_complete",
             "interaction_id": iid_of(i), "mcp_id": "pl", "timestamp": 1764000000 + i,
             ("request_data" if i % 2 == 0 else "result_data"): {"i": i}} for i in range(n)]


class FlushTest(PowerLossCase):
    def test_flush(self):
        # The second request fails (500: retried later), the last is
        # refused (400: dead at once), the rest are delivered.
        events = timed_events(6) + [{"action": "interaction_start", "interaction_id": "lone",
                                     "mcp_id": "pl", "timestamp": 1764000009, "request_data": {}}]
        self.import_base(events)

        def act(m):
            self.c.control(script=[200, 500, 200, 200, 200, 200, 400])
            self.cli(m, "flush")
            self.c.control(script=[])
            return Promise(keys=self.base_keys(), no_resend=True)
        self.sweep("flush", act)

    def test_flush_held_by_retry_after(self):
        # A 429 with Retry-After: an hour: the hold is saved in state.json
        # and the run stops; after the crash, requeue clears the hold.
        self.import_base(timed_events(4))

        def act(m):
            self.c.control(script=[200, 429], retry_after="3600")
            self.cli(m, "flush")
            self.c.control(script=[], retry_after="")
            return Promise(keys=self.base_keys())
        self.sweep("flush (Retry-After)", act, post=[("requeue", "--all")])

    def test_regression_a_finished_flush_resends_nothing(self):
        # Delivered events were deleted without an fsync of queue/: a power
        # loss after the flush ended brought every one back to be sent again.
        self.import_base(timed_events(4))

        def act(m):
            self.assertEqual(self.cli(m, "flush").returncode, 0)
            return Promise(keys=self.base_keys(), no_resend=True)
        self.crash_point("flush", act, None, ())


class OtlpFlushTest(PowerLossCase):
    sink = "otlp"

    def test_flush_to_otlp(self):
        self.import_base(timed_events(6))

        def act(m):
            self.cli(m, "flush")
            return Promise(keys=self.base_keys(), no_resend=True)
        self.sweep("flush (OTLP)", act)

    # Spans: a start delivered without its end is kept in started/ until the
    # end goes, across runs and power losses. Interactions by start time
    # (seconds after T0), each with its end at start + 1 (z's is recorded by
    # `complete` during the act): y's start was delivered by an earlier
    # flush and waits in started/; x's start goes in a batch without its end
    # (otlp_batch = 2), so the flush keeps it and sends the span with the
    # next batch; w is a plain pair; z's start waits for its end.
    T0 = 1764000000
    STARTS = {"y": 0, "x": 2, "w": 5, "z": 4}

    def spans_base(self):
        def start(iid):
            return {"action": "interaction_start", "interaction_id": iid, "mcp_id": "pl",
                    "timestamp": self.T0 + self.STARTS[iid],
                    "request_data": {"mcp.method.name": "tools/call", "gen_ai.tool.name": iid}}

        def end(iid, action="interaction_complete", data="result_data"):
            return {"action": action, "interaction_id": iid, "mcp_id": "pl",
                    "timestamp": self.T0 + self.STARTS[iid] + 1, data: {"iid": iid}}
        self.import_base([start("y")])
        self.on_disk("flush", spool=self.base_spool())
        self.assertEqual(os.listdir(os.path.join(self.base_spool(), "started")), ["y"])
        self.import_base([end("y"), start("x"), end("x"), start("z"), start("w"),
                          end("w", "interaction_error", "error_data")])

    def test_spans_of_starts_kept_in_started(self):
        self.spans_base()

        def act(m):
            # The second log request fails (503: the run stops, keeping all)
            # after its batch's spans were accepted: they are sent again.
            self.view.control(script=[200, 503], only_path="/v1/logs")
            self.cli(m, "flush")
            self.view.control(script=[], only_path=None)
            r = self.cli(m, "complete", "z")
            self.cli(m, "flush")
            return Promise(recorded(r, "z", "complete"), keys=self.base_keys())
        self.sweep("flush (OTLP spans, kept starts)", act, check=self.check_spans)

    def check_spans(self, promise, found):
        """Each interaction whose end was delivered has one span (one pair of
        ids, every delivery the same) that starts at its start's time; an
        interaction whose end was not has none, and its start waits in
        started/ as it was queued. A start whose end was delivered may be
        left in started/ by a flush the power cut short (cleanup removes it
        after max_age_days), never by one that ended."""
        ended = {iid for bodies in self.view.delivered(self.mark).values() for iid, action in
                 [(json.loads(b)["interaction_id"], json.loads(b)["action"]) for b in bodies]
                 if action != "interaction_start"}
        spans = self.view.spans(self.mark)
        for iid in sorted(set(spans) - ended):
            self.fail_here("a span for %s, whose end was not delivered" % iid)
        for iid in sorted(ended):
            ids = spans.get(iid, {})
            if len(ids) != 1:
                self.fail_here("%s's end was delivered with %d spans (ids %s)"
                               % (iid, len(ids), sorted(ids)))
            deliveries = next(iter(ids.values()))
            if any(d != deliveries[0] for d in deliveries):
                self.fail_here("%s's span was resent different: %s" % (iid, deliveries))
            begin = deliveries[0]["startTimeUnixNano"]
            if begin != str((self.T0 + self.STARTS[iid]) * 10**9):
                self.fail_here("%s's span starts at %s, not at its start" % (iid, begin))
        started = self.spooled("started")
        if not self.report["cut"] and set(started) - (set(self.STARTS) - ended):
            # The flush ended before the power went: what it removed stays
            # removed, the starts it no longer needed too.
            self.fail_here("started/ holds %s after a finished flush delivered their ends"
                           % sorted(set(started) - (set(self.STARTS) - ended)))
        for iid in sorted(set(self.STARTS) - ended):
            body = whole_event(started.get(iid, ""))
            if not body or body["action"] != "interaction_start" or body["interaction_id"] != iid:
                self.fail_here("%s's end was not delivered and its start is not kept in "
                               "started/ (it holds %s)" % (iid, sorted(started)))


class FollowTest(PowerLossCase):
    def test_flush_follow_while_events_are_recorded(self):
        self.import_base(timed_events(2))

        def act(m):
            follow = m.popen([BIN, "flush", "--follow"], env=self.on(os.path.join(self.mnt, "spool")),
                             cwd=self.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            events = []
            for i in range(3):
                r = self.cli(m, "start", "--id", "f%d" % i)
                events += [("f%d" % i, "interaction_start")] if r.returncode == 0 else []
            want = len(self.base_keys()) + len(events)
            deadline = time.time() + 20
            while len(self.c.log()) - self.mark < want and time.time() < deadline:
                with open(m.control) as f:
                    if "cut 1" in f.read():
                        break
                time.sleep(0.02)
            follow.send_signal(signal.SIGTERM)
            follow.wait(60)
            return Promise(events, keys=self.base_keys())
        self.sweep("flush --follow", act)


class SpoolCommandsTest(PowerLossCase):
    def dead_base(self, n):
        """A spool with n dead events (refused with 400)."""
        self.import_base(timed_events(n, iid_of=lambda i: "d%d" % i))
        self.c.control(always=400)
        subprocess.run([BIN, "flush"], env=self.on(self.base_spool()), capture_output=True)
        self.c.control(always=0)
        self.assertEqual(len(self.base_keys("dead")), n)

    def test_requeue(self):
        self.dead_base(3)
        state = os.path.join(self.base_spool(), "state.json")
        with open(state) as f:
            saved = json.load(f)
        saved["hold_until"] = int(time.time()) + 600
        with open(state, "w") as f:
            json.dump(saved, f)

        def act(m):
            self.cli(m, "requeue", "--all")
            return Promise(keys=self.base_keys())
        self.sweep("requeue", act, post=[("requeue", "--all")])

    def delete_base(self):
        self.dead_base(2)
        self.import_base(timed_events(4))
        queued = sorted(self.base_keys("queue"))

        def act(m):
            gone = set()
            if self.cli(m, "delete", queued[0]).returncode == 0:
                gone.add(queued[0])
            if self.cli(m, "delete", "--state", "dead").returncode == 0:
                gone |= self.base_keys("dead")
            return Promise(keys=set(queued[1:]), gone=gone)
        return act

    def test_regression_a_requeued_event_keeps_its_new_age(self):
        # requeue restarts an event's queue age (its mtime) so that expiry
        # does not take it at once, but did not sync the new time: after a
        # power loss an event dead for 10 days was requeued with its old
        # age, and the next flush expired it to dead/ again.
        self.dead_base(2)
        dead = os.path.join(self.base_spool(), "dead")
        old = time.time() - 10 * 86400
        for n in os.listdir(dead):
            if "#" not in n:
                os.utime(os.path.join(dead, n), (old, old))

        def act(m):
            ok = self.cli(m, "requeue", "--all").returncode == 0
            return Promise(keys=self.base_keys(), sent=self.base_keys() if ok else ())
        self.crash_point("requeue", act, None, ())

    def test_delete(self):
        self.sweep("delete", self.delete_base())

    def test_regression_deleted_events_stay_deleted(self):
        # Deletes were not synced: after a power loss the events were back
        # (and a deleted event in the queue was sent).
        self.crash_point("delete", self.delete_base(), None, ())

    def cleanup_base(self):
        # Two events queued 30 days ago expire to dead/; a stale temp file
        # goes; a fresh event stays.
        self.import_base(timed_events(2, iid_of=lambda i: "old"))
        old = time.time() - 30 * 86400
        for n in os.listdir(os.path.join(self.base_spool(), "queue")):
            os.utime(os.path.join(self.base_spool(), "queue", n), (old, old))
        stale = os.path.join(self.base_spool(), "tmp", "1764000000000000-0123456789ab.s.x")
        with open(stale, "w") as f:
            f.write("{")
        os.utime(stale, (old, old))
        self.on_disk("start", "--id", "fresh", spool=self.base_spool())

        def act(m):
            self.cli(m, "cleanup")
            return Promise(keys=self.base_keys())
        return act

    def test_cleanup(self):
        self.sweep("cleanup", self.cleanup_base())

    def test_regression_a_dead_event_keeps_its_reason(self):
        # The reason file was renamed into dead/ without an fsync of its
        # data: the fsync of dead/ that made the event's move durable left
        # its reason empty.
        self.at("cleanup", "fsync spool/dead/", self.cleanup_base())


class ProxyTest(PowerLossCase):
    CALLS = 4

    def check(self, promise, mark, post):
        found = super().check(promise, mark, post)
        self.unrecorded.append(2 * self.CALLS - len(found))
        return found

    def test_the_proxy_spool_writer(self):
        # Figures for the gathering window: a call's events may not be
        # written yet when the power goes, and are then not counted as
        # recorded either.
        self.unrecorded = []
        points = self.sweep("proxy", self.session())
        print("power loss: proxy: events of the session not recorded when the power went: "
              "0 to %d of %d (%d crash points)" % (max(self.unrecorded), 2 * self.CALLS, points))

    def test_regression_events_not_yet_durable_are_not_counted_as_recorded(self):
        # The writer counted events renamed into queue/ as recorded when the
        # fsync of queue/ after them failed: a power loss then lost them.
        self.unrecorded = []
        self.at("proxy", "rename spool/tmp/", self.session())

    def session(self):
        os.makedirs(os.path.join(self.base, "spool"), exist_ok=True)
        calls = [{"jsonrpc": "2.0", "id": 0, "method": "initialize",
                  "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                             "clientInfo": {"name": "power", "version": "1"}}}]
        calls += [{"jsonrpc": "2.0", "id": i, "method": "tools/call",
                   "params": {"name": "echo", "arguments": {"i": i}}}
                  for i in range(1, self.CALLS + 1)]
        session = "".join(json.dumps(c) + "\n" for c in calls)

        def act(m):
            r = self.cli(m, "-v", "proxy", "--", sys.executable, FAKE_SERVER, input=session)
            counted = re.search(r"proxy: recorded (\d+) events", r.stderr)
            return Promise(at_least=int(counted.group(1)) if counted else 0)
        return act


class SyncFalseTest(PowerLossCase):
    def test_sync_false_may_lose_recent_events_but_never_sends_a_partial_one(self):
        # sync = false fsyncs nothing: a power loss takes what the kernel
        # had not written yet (every event, in crashfs's model; on ext4 up
        # to its 5 s commit interval), and a periodic commit of names
        # without their data leaves empty files, which flush sets aside in
        # corrupt/ and never sends.
        self.env["MCP_REPORT_CONFIG"] = self.write_config(CONFIG + "sync = false\n", "nosync.toml")
        self.on_disk("start", "--id", "before", spool=self.base_spool())
        n, rounds = 10, 40 if LONG else 6
        kept = empty = 0
        for seed in range(rounds):
            shutil.rmtree(self.backing, ignore_errors=True)
            shutil.copytree(self.base, self.backing)
            mark = self.view.mark()
            with Mount(self.backing, self.mnt, commit_prefix=seed if seed % 2 else None) as m:
                for i in range(n):
                    self.assertEqual(self.cli(m, "start", "--id", "w%d" % i).returncode, 0)
            queued = self.spooled("queue")
            whole = [t for t in queued.values() if whole_event(t)]
            self.assertIn('"before"', "".join(whole))  # durable before: kept
            kept += len(whole) - 1
            empty += len(queued) - len(whole)
            self.on_disk("flush", codes=(0, 65))
            for key, bodies in self.view.delivered(mark).items():
                self.assertIsNotNone(whole_event(bodies[0]), key)
            corrupt = [c for c in self.spooled("corrupt") if "#" not in c]
            self.assertEqual(len(corrupt), len(queued) - len(whole))
        print("\npower loss: sync = false: %d events recorded just before %d power losses: "
              "%d kept, %d lost, %d left empty (set aside in corrupt/, never sent)"
              % (n * rounds, rounds, kept, n * rounds - kept - empty, empty))


if __name__ == "__main__":
    unittest.main()
