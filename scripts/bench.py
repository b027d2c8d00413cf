#!/usr/bin/env python3
"""The benchmark behind scripts/bench.sh: each figure is a ratio against a
reference measured in the same run, and the last lines say whether each
budget (README.md, Performance) holds. BENCH_SMOKE=1 runs tiny sizes (for the suite)."""
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import bench_http_proxy
import bench_proxy

BIN = sys.argv[1]
# The floor of a durable recording: scripts/bench-floor.c, built static by
# bench.sh.
FLOOR = sys.argv[2]
# The floor of a flush: scripts/bench-drain-floor.c (reads and deletes the
# queue's files from threads, no network), built by bench.sh; optional too.
DRAIN = sys.argv[3] if len(sys.argv) > 3 else None
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMOKE = os.environ.get("BENCH_SMOKE") == "1"
ONLY = os.environ.get("BENCH_ONLY")
N = int(os.environ.get("BENCH_EVENTS", "300" if SMOKE else "100000"))
RUNS = 30 if SMOKE else 300
KEY = "bench-key"
WORK = tempfile.mkdtemp(prefix="mcpr-bench-")
budgets = []


def say(*a):
    print(*a, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def env_for(spool, **extra):
    e = {"PATH": os.environ["PATH"], "HOME": WORK, "MCP_REPORT_MCP_ID": "bench_mcp",
         "MCP_REPORT_SPOOL_DIR": spool, "MCP_REPORT_API_KEY": KEY, "LC_ALL": "C"}
    e.update(extra)
    return e


def hyperfine(commands, env, runs=RUNS, pause=0.0):
    """Mean wall seconds of each command (no shell), measured in one run.
    With `pause`, each run waits that long first (not timed)."""
    out = os.path.join(WORK, "hf.json")
    args = ["hyperfine", "-N", "--style", "none", "--warmup", "10", "--runs", str(runs),
            "--export-json", out]
    if pause:
        args += ["--prepare", "sleep %g" % pause]
    args += commands
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out) as f:
        return [r["mean"] for r in json.load(f)["results"]]


def interleaved(commands, env, runs=RUNS, pause=0.02, warmup=10):
    """Median wall seconds of each command (an argv list, no shell), run in
    turns, A B A B ..., the order rotating each round, so that the machine's
    drift (other users, the disk's writeback) hits every command alike. Each
    run follows `pause` seconds of rest, as a script's calls do, so that one
    run's journal commit is not still running when the next starts; the
    time is from spawn to exit, stdout to /dev/null."""
    times = [[] for _ in commands]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for r in range(warmup + runs):
            for k in range(len(commands)):
                i = (r + k) % len(commands)
                argv = commands[i]
                time.sleep(pause)
                t0 = time.perf_counter()
                pid = os.posix_spawn(shutil.which(argv[0]) or argv[0], argv, env,
                                     file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
                _, status = os.waitpid(pid, 0)
                elapsed = time.perf_counter() - t0
                if status != 0:
                    raise RuntimeError("%s: exit status %d" % (" ".join(argv), status))
                if r >= warmup:
                    times[i].append(elapsed)
    finally:
        os.close(devnull)
    return [sorted(t)[len(t) // 2] for t in times]


def write_config(name, **keys):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write("[interaction_logging]\n")
        for k, v in keys.items():
            f.write("%s = %s\n" % (k, json.dumps(v)))
    return path


def fill_spool(spool, n, prefix="b", durable=False):
    """n events, spooled by one `import` (sync off: set-up, not measured).
    With `durable`, written back to disk afterwards (sync(2)), as a user's
    spool is by the time a flush runs: a flush right after a sync-off fill
    would delete files still only in the page cache, which no user has."""
    cfg = write_config("fill.toml", sync=False)
    lines = []
    t0 = time.time() - 60
    for i in range(n):
        lines.append(json.dumps({"action": "interaction_start",
                                 "interaction_id": "%s%d" % (prefix, i), "mcp_id": "bench_mcp",
                                 "timestamp": round(t0 + i * 1e-4, 6),
                                 "request_data": {"user_id": "u%d" % i, "n": i}}))
    subprocess.run([BIN, "-c", cfg, "import", "-"], input="\n".join(lines) + "\n", text=True,
                   env=env_for(spool), check=True)
    if durable:
        os.sync()


def read_and_delete(qdir, threads=1):
    """The floor of a flush without the network (bench-drain-floor.c): read
    every file and delete it, from `threads` threads; (files, seconds)."""
    out = subprocess.run([DRAIN, qdir, str(threads)], check=True, capture_output=True,
                         text=True).stdout.split()
    return int(out[0]), float(out[1])


# The coordinator's three endpoints answer 200 when the Bearer key is right,
# 401 otherwise; each request's time is logged.
COORDINATOR_STUB = """
  log_format t '$msec $request_uri';
  server {
    listen 127.0.0.1:%(port)d;
    location ~ ^/v1/(logs|traces)$ {
      access_log %(log)s t;
      return 200 '{}';
    }
    location ~ ^/api/v2/(interactions|health|validate)$ {
      access_log %(log)s t;
      if ($http_authorization != "Bearer %(key)s") { return 401 '{"error":"key"}'; }
      return 200 '{"status":"ok"}';
    }
  }
"""


class Nginx:
    """nginx on a loopback port, in a folder of WORK, with `server` (the http
    block's servers, given %(port)d and %(log)s) or the coordinator stub;
    never the system's service."""

    def __init__(self, name="nginx", server=COORDINATOR_STUB):
        self.port = free_port()
        self.dir = os.path.join(WORK, name)
        os.makedirs(os.path.join(self.dir, "logs"), exist_ok=True)
        self.log = os.path.join(self.dir, "logs", "requests.log")
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""
worker_processes 1;
daemon off;
pid %(d)s/nginx.pid;
error_log %(d)s/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %(d)s/body;
  keepalive_requests 1000000;
""" % {"d": self.dir} + server % {"port": self.port, "log": self.log, "key": KEY} + "}\n")
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-p", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.1).close()
                break
            except OSError:
                time.sleep(0.02)
        self.url = "http://127.0.0.1:%d" % self.port

    def times(self):
        """Request times logged since the last call (epoch seconds)."""
        with open(self.log) as f:
            t = [float(line.split()[0]) for line in f
                 if "/interactions" in line or "/v1/" in line]
        open(self.log, "w").close()
        os.kill(self.proc.pid, signal.SIGUSR1)  # reopen the log
        time.sleep(0.1)
        return t

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def budget(name, figure, limit, holds):
    budgets.append("%-44s %-28s %-18s %s" % (name, figure, limit, "holds" if holds else "FAILS"))


def bench_recording(nginx):
    say("\n== recording: one durable start against the C floor, on disk and on tmpfs")
    spool = os.path.join(WORK, "rec")
    nosync = write_config("nosync.toml", sync=False)
    body = os.path.join(WORK, "body.json")
    with open(body, "w") as f:
        f.write('{"action": "interaction_start", "interaction_id": "c1", "mcp_id": "bench_mcp", '
                '"timestamp": 1764000000.0, "request_data": {"user_id": "u1"}}')
    # The floor's body is as long as start's: record one and measure it.
    subprocess.run([BIN, "start", "user_id=u1", "n:=1"], env=env_for(spool), check=True,
                   stdout=subprocess.DEVNULL)
    size = max(os.path.getsize(os.path.join(spool, "queue", n))
               for n in os.listdir(os.path.join(spool, "queue")))
    start = [BIN, "start", "user_id=u1", "n:=1"]
    # Context, not budgets: /bin/true, start without fsync, a curl POST.
    true_s, nosync_s, curl_s = hyperfine(
        ["/bin/true", "%s -c %s start user_id=u1 n:=1" % (BIN, nosync),
         "curl -s -o /dev/null -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' "
         "--data-binary @%s %s/api/v2/interactions" % (KEY, body, nginx.url)],
        env_for(spool), pause=0.02)
    say("/bin/true                 %7.3f ms" % (true_s * 1e3))
    say("start (sync = false)      %7.3f ms   %.2fx /bin/true" % (nosync_s * 1e3, nosync_s / true_s))
    say("curl POST (no tool)       %7.3f ms" % (curl_s * 1e3))
    # The budgets: a durable start against the C floor (create, write,
    # fsync, rename, fsync the folder: nothing else), interleaved, on the
    # spool's disk and on tmpfs (memory: only our own overhead shows).
    shm = tempfile.mkdtemp(prefix="mcpr-bench-", dir="/dev/shm") if os.path.isdir("/dev/shm") else WORK
    places = [("disk", spool, 1.15), ("tmpfs", os.path.join(shm, "spool"), 1.5)]
    for place, where, limit in places:
        subprocess.run([BIN, "start"], env=env_for(where), check=True, stdout=subprocess.DEVNULL)
        start_s, floor_s = interleaved([start, [FLOOR, where, str(size)]], env_for(where))
        r = start_s / floor_s
        say("durable start, %-5s     %7.3f ms   C floor (static, %d B) %7.3f ms: %.2fx "
            "(medians of %d interleaved runs)" % (place, start_s * 1e3, size, floor_s * 1e3, r, RUNS))
        budget("durable start vs C floor, %s" % place,
               "%.2fx (%.3f vs %.3f ms)" % (r, start_s * 1e3, floor_s * 1e3), "<= %gx" % limit,
               r <= limit)
    shutil.rmtree(shm, ignore_errors=True)

    say("\n== recording with %d events queued vs an empty spool" % N)
    full = os.path.join(WORK, "full")
    fill_spool(full, N)
    empty = os.path.join(WORK, "empty")
    empty_s, full_s = interleaved(
        [["env", "MCP_REPORT_SPOOL_DIR=%s" % empty, BIN, "start"],
         ["env", "MCP_REPORT_SPOOL_DIR=%s" % full, BIN, "start"]], env_for(empty))
    r = full_s / empty_s
    say("empty %7.3f ms, %d queued %7.3f ms: %.2fx" % (empty_s * 1e3, N, full_s * 1e3, r))
    budget("start with %d queued vs empty" % N, "%.2fx" % r, "<= 1.2x", r <= 1.2)
    return full


def bench_flush(nginx):
    rounds = int(os.environ.get("BENCH_FLUSH_ROUNDS", "1" if SMOKE else "3"))
    say("\n== flush throughput, rate_limit = 0, %d events to nginx, vs curl -Z --parallel-max 8 -K,"
        " %d interleaved round%s" % (N, rounds, "s" if rounds > 1 else ""))
    # Each round fills a fresh spool for each contender (durable: written
    # back, as a user's spool is when cron runs) and runs curl, flush and the
    # disk's floor in an order that rotates each round, so that the machine's
    # drift (other users, the disk's writeback) hits all three alike.
    conf = write_config("flush.toml", rate_limit=0, concurrency=8)
    rss_file = os.path.join(WORK, "rss.txt")
    nginx.times()  # forget earlier requests (the recording section's curl POSTs)
    rates = {"curl": [], "flush": [], "floor": []}
    failures, rss_kb = [], 0

    def run_curl(r):
        spool = os.path.join(WORK, "flush-curl%d" % r)
        fill_spool(spool, N, prefix="f", durable=True)
        qdir = os.path.join(spool, "queue")
        # The reference: curl sending the same bodies over 8 parallel connections.
        cfg = os.path.join(WORK, "curl%d.cfg" % r)
        with open(cfg, "w") as f:
            f.write("next\n".join(
                'url = "%s/api/v2/interactions"\nheader = "Authorization: Bearer %s"\n'
                'header = "Content-Type: application/json"\ndata-binary = "@%s"\n'
                'output = "/dev/null"\n' % (nginx.url, KEY, os.path.join(qdir, name))
                for name in sorted(os.listdir(qdir))))
        t = time.perf_counter()
        subprocess.run(["curl", "-s", "-Z", "--parallel-max", "8", "-K", cfg], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        s = time.perf_counter() - t
        rates["curl"].append(len(nginx.times()) / s)
        shutil.rmtree(spool, ignore_errors=True)

    def run_flush(r):
        nonlocal rss_kb
        spool = os.path.join(WORK, "flush%d" % r)
        fill_spool(spool, N, prefix="f", durable=True)
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-v", "-o", rss_file, BIN, "-c", conf, "flush",
                            "--max-time", "3600"],
                           env=env_for(spool, MCP_REPORT_URL=nginx.url), capture_output=True,
                           text=True)
        s = time.perf_counter() - t
        sent = len(nginx.times())
        left = len(os.listdir(os.path.join(spool, "queue")))
        if p.returncode != 0 or left or sent != N:
            failures.append("round %d: exit %d, %d sent, %d left" % (r + 1, p.returncode, sent, left))
        rates["flush"].append(sent / s)
        with open(rss_file) as f:
            rss_kb = max(rss_kb, int(re.search(r"Maximum resident set size \(kbytes\): (\d+)",
                                               f.read()).group(1)))
        shutil.rmtree(spool, ignore_errors=True)

    def run_floor(r):
        # The floor: the same files, read and deleted from 8 threads (flush
        # deletes on 8), no network.
        spool = os.path.join(WORK, "flush-floor%d" % r)
        fill_spool(spool, N, prefix="f", durable=True)
        n, s = read_and_delete(os.path.join(spool, "queue"), 8)
        rates["floor"].append(n / s)
        shutil.rmtree(spool, ignore_errors=True)

    contenders = [run_curl, run_flush] + ([run_floor] if DRAIN else [])
    for r in range(rounds):
        for k in range(len(contenders)):
            contenders[(r + k) % len(contenders)](r)

    def median(xs):
        return sorted(xs)[len(xs) // 2] if xs else 0.0

    for name in ("floor", "curl", "flush"):
        if rates[name]:
            say("%-6s %s/s per round, median %8.0f/s" % (
                name, " ".join("%.0f" % x for x in rates[name]), median(rates[name])))
    curl_eps, flush_eps, floor_eps = (median(rates[k]) for k in ("curl", "flush", "floor"))
    pairs = " ".join("%.2fx" % (f / c) for f, c in zip(rates["flush"], rates["curl"]))
    say("flush %.2fx curl (medians; per round %s)%s"
        % (flush_eps / curl_eps, pairs,
           ", %.2fx the disk's floor (read + delete, 8 threads, no network)" % (flush_eps / floor_eps)
           if floor_eps else ""))
    for f in failures:
        say("flush did not deliver everything: " + f)
    if floor_eps and floor_eps < curl_eps:
        say("(on this disk deleting the files is slower than curl sending them: "
            "flush cannot reach curl while it deletes each delivered event)")
    budget("flush events/s vs curl -Z --parallel-max 8, durable spool",
           "%.2fx (%.0f/s; floor %.0f/s)" % (flush_eps / curl_eps, flush_eps, floor_eps),
           ">= 1x", flush_eps >= curl_eps and not failures)
    say("peak RSS flushing %d events: %.1f MiB" % (N, rss_kb / 1024))
    budget("flush of %d backlog, peak RSS" % N, "%.1f MiB" % (rss_kb / 1024), "<= 32 MiB",
           rss_kb <= 32 * 1024)


def bench_none_due(nginx, full):
    say("\n== flush with %d events queued and none due" % N)
    qdir = os.path.join(full, "queue")
    later = int(time.time()) + 86400
    for name in os.listdir(qdir):
        os.rename(os.path.join(qdir, name), os.path.join(qdir, "%s,1,%d" % (name, later)))
    (true_s,) = hyperfine(["/bin/true"], env_for(full), runs=10)
    (s,) = hyperfine(["%s flush" % BIN], env_for(full, MCP_REPORT_URL=nginx.url), runs=5)
    sent = len(nginx.times())
    say("flush, none due: %.3f s (%d sent)" % (s, sent))
    budget("flush, %d queued, none due" % N, "%.3f s" % s, "<= 1 s", s <= 1 and sent == 0)


def bench_throttle(nginx, rate, seconds):
    say("\n== throttle at %d/s over %d s" % (rate, seconds))
    spool = os.path.join(WORK, "throttle%d" % rate)
    n = rate * seconds + rate  # more than fits, so the throttle is what limits
    fill_spool(spool, n, prefix="t")
    conf = write_config("throttle.toml", rate_limit=rate, rate_period=1.0, concurrency=8)
    r = subprocess.run([BIN, "-c", conf, "-vv", "flush", "--max-time", str(seconds + 1)],
                       env=env_for(spool, MCP_REPORT_URL=nginx.url), capture_output=True, text=True)
    server = sorted(nginx.times())
    # When each request started, as flush -vv traces it.
    t = sorted(float(m) for m in re.findall(r"sending \S+ at (\d+\.\d+)", r.stderr))
    if not t:
        budget("throttle %d/s" % rate, "no requests", "", False)
        return
    worst, j = 0, 0
    for i in range(len(t)):
        while t[i] - t[j] >= 1.0:
            j += 1
        worst = max(worst, i - j + 1)
    say("the server logged %d requests" % len(server))
    windows = [sum(1 for x in t if t[0] + k <= x < t[0] + k + 1) for k in range(seconds)]
    total = sum(windows)
    say("per-second windows: %s" % windows)
    say("most in any sliding 1 s window: %d; in %d windows: %d (ideal %d)"
        % (worst, seconds, total, rate * seconds))
    budget("throttle %d/s over %d windows" % (rate, seconds),
           "max %d in any 1 s, %d in %d s" % (worst, total, seconds),
           "<= %d, %d±1" % (rate, rate * seconds),
           worst <= rate and abs(total - rate * seconds) <= 1 and len(server) == len(t))


def fill_interactions(spool, n, prefix):
    """n events as n/2 tool calls, each a start and its end (every fourth an
    error), as the proxy records them: what the OTLP sink turns into a span
    and two log records each. Set-up, not measured; written back to disk
    (see fill_spool)."""
    cfg = write_config("fill.toml", sync=False)
    lines = []
    t0 = time.time() - 60
    for i in range(n):
        k, end = divmod(i, 2)
        e = {"interaction_id": "%s%d" % (prefix, k), "mcp_id": "bench_mcp",
             "timestamp": round(t0 + i * 1e-4, 6)}
        if not end:
            e["action"] = "interaction_start"
            e["request_data"] = {"request_type": "tools/call", "input_size": 96,
                                 "parameters": ["query"], "mcp.method.name": "tools/call",
                                 "gen_ai.tool.name": "search", "jsonrpc.request.id": str(k),
                                 "mcp.protocol.version": "2025-06-18",
                                 "network.transport": "pipe"}
        elif k % 4 == 3:
            e["action"] = "interaction_error"
            e["error_data"] = {"error_type": "JsonRpcError", "error_code": -32602,
                               "error_message": "Invalid params", "processing_time": 0.012}
        else:
            e["action"] = "interaction_complete"
            e["result_data"] = {"success": True, "output_size": 512, "processing_time": 0.012,
                                "content_count": 1}
        lines.append(json.dumps(e))
    subprocess.run([BIN, "-c", cfg, "import", "-"], input="\n".join(lines) + "\n", text=True,
                   env=env_for(spool), check=True)
    os.sync()


def bench_otlp(nginx):
    """The OTLP sink, both signals on, against the disk's floor of the same
    drain (scripts/bench-drain-floor.c from 8 threads, no network) on a copy
    of the same written-back spool, in turns: floor, OTLP, floor, OTLP. Each
    side's rate is its events over its seconds, both turns together."""
    say("\n== flush of %d events (%d tool calls: spans and log records, batches of 512) with "
        "sink = \"otlp\" vs the disk's floor, the same spool copied, interleaved" % (N, N // 2))
    if not DRAIN:
        budget("OTLP flush events/s (traces+logs) vs floor", "no floor (bench.sh builds it)",
               ">= 0.9x", False)
        return
    base = os.path.join(WORK, "otlp-base")
    fill_interactions(base, N, prefix="o")
    conf = write_config("otlp.toml", rate_limit=0, concurrency=8)
    runs = {"floor": [], "otlp": []}  # (events, seconds) of each turn
    turns = 1 if SMOKE else 2
    for k in range(turns):
        for what in ("floor", "otlp"):
            spool = os.path.join(WORK, "otlp-%s-%d" % (what, k))
            subprocess.run(["cp", "-a", base, spool], check=True)
            os.sync()  # on disk, as a user's spool is (see fill_spool)
            if what == "floor":
                n, s = read_and_delete(os.path.join(spool, "queue"), 8)
                runs["floor"].append((n, s))
                say("floor %7d files  in %6.2f s: %8.0f/s  (read + delete from 8 threads, no "
                    "network)" % (n, s, n / s))
            else:
                nginx.times()  # forget earlier requests
                env = env_for(spool, MCP_REPORT_SINK="otlp", OTEL_EXPORTER_OTLP_ENDPOINT=nginx.url)
                t = time.perf_counter()
                r = subprocess.run([BIN, "-c", conf, "flush", "--max-time", "3600"], env=env,
                                   capture_output=True, text=True)
                s = time.perf_counter() - t
                requests = len(nginx.times())
                left = len(os.listdir(os.path.join(spool, "queue")))
                started = os.path.join(spool, "started")
                kept = len(os.listdir(started)) if os.path.isdir(started) else 0
                ok = r.returncode == 0 and left == 0 and kept == 0
                runs["otlp"].append((N - left if ok else 0, s))
                say("otlp  %7d events in %6.2f s: %8.0f/s in %d requests (exit %d, %d left, "
                    "%d starts kept)" % (N - left, s, (N - left) / s, requests, r.returncode, left,
                                         kept))
                if not ok:
                    say(r.stderr.strip())
            shutil.rmtree(spool, ignore_errors=True)
    floor, otlp = (sum(n for n, _ in runs[w]) / sum(s for _, s in runs[w])
                   for w in ("floor", "otlp"))
    r = otlp / floor
    say("OTLP (traces and logs) is %.2fx the disk's floor (%d turn%s each: %.0f/s against "
        "%.0f/s)" % (r, turns, "s" if turns > 1 else "", otlp, floor))
    budget("OTLP flush events/s (traces+logs) vs floor", "%.2fx (%.0f/s vs %.0f/s)"
           % (r, otlp, floor), ">= 0.9x", r >= 0.9)


def main():
    say("mcp-report benchmark (%s): %s, %d cores, %s" %
        ("smoke" if SMOKE else "full", platform.node(), os.cpu_count(), platform.platform()))
    nginx = Nginx()
    try:
        if ONLY == "recording":  # BENCH_ONLY=recording: that section alone
            bench_recording(nginx)
            return report()
        if ONLY == "flush":  # BENCH_ONLY=flush: flush vs curl and the disk's floor alone
            bench_flush(nginx)
            return report()
        if ONLY == "http-proxy":  # BENCH_ONLY=http-proxy: that section alone
            bench_http_proxy.run(budget, say, BIN, env_for(os.path.join(WORK, "http-proxy-spool")),
                                 SMOKE, Nginx)
            return report()
        if ONLY == "otlp":  # BENCH_ONLY=otlp: the OTLP sink against the disk's floor alone
            bench_otlp(nginx)
            return report()
        if ONLY == "proxy":  # BENCH_ONLY=proxy: the stdio proxy's section alone
            bench_proxy.run(budget, say, BIN, env_for(os.path.join(WORK, "proxy-spool")), WORK, SMOKE)
            return report()
        full = bench_recording(nginx)
        bench_flush(nginx)
        bench_none_due(nginx, full)
        bench_otlp(nginx)
        bench_throttle(nginx, 10, 2 if SMOKE else 10)
        bench_throttle(nginx, 1000 if not SMOKE else 100, 2 if SMOKE else 10)
        # The sections above delete 300,000 files: let the disk finish that
        # (writeback, discards) first, as it has when a user's session runs.
        os.sync()
        time.sleep(0 if SMOKE else 10)
        bench_proxy.run(budget, say, BIN, env_for(os.path.join(WORK, "proxy-spool")), WORK, SMOKE)
        bench_http_proxy.run(budget, say, BIN, env_for(os.path.join(WORK, "http-proxy-spool")),
                             SMOKE, Nginx)
    finally:
        nginx.stop()
        shutil.rmtree(WORK, ignore_errors=True)
    return report()


def report():
    say("\n%-44s %-28s %-18s %s" % ("budget (README.md, Performance)", "figure", "budget", "verdict"))
    for line in budgets:
        say(line)
    failing = [b for b in budgets if b.endswith("FAILS")]
    say("\n%d of %d budgets hold" % (len(budgets) - len(failing), len(budgets)))
    if SMOKE:
        say("(smoke run: tiny sizes check that every line is produced; start-up costs "
            "dominate them, so only a full run's verdicts count)")
    return 0 if SMOKE or not failing else 1


if __name__ == "__main__":
    sys.exit(main())
