"""Shared helpers for the end-to-end tests: a private HOME and spool per
test, the built binary, and the development coordinator on a free loopback
port, started by the test itself."""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

BIN = os.environ.get("MCP_REPORT_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "mcp-report")
SOURCE = os.environ.get("MCP_REPORT_SOURCE") or os.path.join(os.path.dirname(__file__), "..", "..")
COORDINATOR = os.path.join(SOURCE, "scripts", "dev-coordinator.py")
KEY = "test-key-5f2a9c"


def start_server(argv, workdir, what):
    """Starts a development server with --port-file in `workdir` and waits
    for the port it picked; returns (process, port)."""
    port_file = os.path.join(workdir, "port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    proc = subprocess.Popen(argv + ["--port-file", port_file],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not os.path.exists(port_file):
        if time.time() > deadline or proc.poll() is not None:
            raise RuntimeError(what + " did not start")
        time.sleep(0.02)
    with open(port_file) as f:
        return proc, int(f.read())


def wait_until(cond, what, timeout=30):
    """Polls `cond` until it holds; fails naming `what` after `timeout`
    seconds. A test waits for the state it needs, never for a guessed time."""
    deadline = time.time() + timeout
    while not cond():
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.02)


def wait_until_it_catches(proc, signum, timeout=60):
    """Waits until `proc` has a handler for `signum` (its SigCgt in /proc):
    a signal sent before then kills it instead, however long the start (an
    exec of mcp-report-cli, the sanitizers, a loaded machine) took."""
    bit = 1 << (signum - 1)
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            with open("/proc/%d/status" % proc.pid) as f:
                caught = int(re.search(r"^SigCgt:\s*([0-9a-f]+)", f.read(), re.M).group(1), 16)
        except (OSError, AttributeError):
            caught = 0
        if caught & bit:
            return
        time.sleep(0.01)
    raise AssertionError("process %d never caught signal %d" % (proc.pid, signum))


class Coordinator:
    """The development coordinator on a free port, recording what it gets."""

    count = 0

    def __init__(self, workdir, *flags, key=KEY, port=0):
        Coordinator.count += 1
        self.dir = os.path.join(workdir, "coordinator%d" % Coordinator.count)
        os.makedirs(self.dir)
        self.out = os.path.join(self.dir, "received.ndjson")
        self.log_path = os.path.join(self.dir, "requests.ndjson")
        self.proc, self.port = start_server(
            [sys.executable, COORDINATOR, "--port", str(port), "--key", key, "--out", self.out,
             "--log", self.log_path, *flags], self.dir, "dev coordinator")
        self.url = "http://127.0.0.1:%d" % self.port

    def control(self, **faults):
        req = urllib.request.Request(self.url + "/_control", data=json.dumps(faults).encode(),
                                     method="POST")
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.load(r)

    def stats(self):
        with urllib.request.urlopen(self.url + "/_stats", timeout=5) as r:
            return json.load(r)

    def received_raw(self):
        if not os.path.exists(self.out):
            return []
        with open(self.out) as f:
            return [line.rstrip("\n") for line in f if line.strip()]

    def received(self):
        return [json.loads(line) for line in self.received_raw()]

    def log(self):
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Case(unittest.TestCase):
    """A test with its own HOME (an empty user config in it), working folder,
    environment and spool; the folder is kept when the test fails (its path
    is printed)."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="mcpr-e2e-")
        self.home = os.path.join(self.dir, "home")
        self.cwd = os.path.join(self.dir, "cwd")
        os.makedirs(self.home)
        os.makedirs(self.cwd)
        # An empty user config in the test's HOME: the search (man page
        # CONFIGURATION) stops there, before the machine's
        # /etc/mcp-report/config.toml (tests/e2e/test_hermetic.py). The
        # environment below is the test's alone, none of the caller's.
        self.user_config = os.path.join(self.home, ".config", "mcp-report", "config.toml")
        os.makedirs(os.path.dirname(self.user_config))
        with open(self.user_config, "w"):
            pass
        os.chmod(self.user_config, 0o600)
        self.spool = os.path.join(self.dir, "spool")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.home,
            "LC_ALL": "C",
            "MCP_REPORT_SPOOL_DIR": self.spool,
            "MCP_REPORT_MCP_ID": "test_mcp",
        }
        self.coordinators = []

    def tearDown(self):
        for c in self.coordinators:
            c.stop()
        failed = any(e for _, e in getattr(self._outcome, "errors", []) if e) or \
            (hasattr(self._outcome, "result") and
             any(t is self for t, _ in self._outcome.result.failures + self._outcome.result.errors))
        if failed:
            print("\nkept test folder:", self.dir, file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def coordinator(self, *flags, key=KEY, port=0):
        c = Coordinator(self.dir, *flags, key=key, port=port)
        self.coordinators.append(c)
        self.env["MCP_REPORT_URL"] = c.url
        self.env["MCP_REPORT_API_KEY"] = key
        return c

    def flush_through_kill_9(self, cfg, max_rounds, seed, longest=0.25):
        """Starts flush and kill -9s it after a random 0..longest s, until the
        queue is empty or max_rounds; then one whole flush, after which
        nothing may be left, dead or corrupt. Returns the rounds."""
        rnd = random.Random(seed)
        rounds = 0
        while self.files() and rounds < max_rounds:
            rounds += 1
            p = subprocess.Popen([BIN, "-c", cfg, "flush"], env=self.env, cwd=self.cwd,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0.0, longest))
            p.send_signal(signal.SIGKILL)
            p.wait()
        self.ok("-c", cfg, "flush", "--max-time", "600")
        self.assertEqual(self.files(), [])
        self.assertEqual(self.files("dead"), [])
        self.assertEqual(self.files("corrupt"), [])
        return rounds

    def run_cli(self, *args, input=None, env=None, timeout=60, cwd=None):
        full_env = dict(self.env)
        for k, v in (env or {}).items():
            if v is None:
                full_env.pop(k, None)
            else:
                full_env[k] = v
        return subprocess.run([BIN, *args], input=input, capture_output=True, text=True,
                              env=full_env, timeout=timeout, cwd=cwd or self.cwd)

    def ok(self, *args, **kw):
        r = self.run_cli(*args, **kw)
        self.assertEqual(r.returncode, 0, "%s -> %d\nstdout: %s\nstderr: %s"
                         % (args, r.returncode, r.stdout, r.stderr))
        return r

    def fails(self, code, *args, **kw):
        """Runs a command expected to fail with `code` and one clear line."""
        r = self.run_cli(*args, **kw)
        self.assertEqual(r.returncode, code, "%s -> %d (wanted %d)\nstdout: %s\nstderr: %s"
                         % (args, r.returncode, code, r.stdout, r.stderr))
        lines = [l for l in r.stderr.splitlines() if not l.startswith("mcp-report: hint:")
                 and not l.startswith("mcp-report: warning:")]
        self.assertGreaterEqual(len(lines), 1, r.stderr)
        self.assertTrue(lines[0].startswith("mcp-report: "), r.stderr)
        return r

    def files(self, state="queue"):
        d = os.path.join(self.spool, state)
        if not os.path.isdir(d):
            return []
        return sorted(n for n in os.listdir(d) if not n.endswith("#reason"))

    def bodies(self, state="queue"):
        out = []
        for n in self.files(state):
            with open(os.path.join(self.spool, state, n)) as f:
                out.append(json.loads(f.read()))
        return out

    def write_config(self, text, name="config.toml", mode=0o600):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path
