"""The HTTP proxy section of the benchmark (the `proxy` over Streamable HTTP
budget of README.md, Performance), called by bench.py: the official MCP SDK
client calls `echo` of the reference server over Streamable HTTP through
`mcp-report proxy --listen` (recording on) and through nginx configured as a
plain unbuffered reverse proxy, in alternating sessions of the same run;
median round trip ratio and added microseconds. The SDK comes from the npm
cache folder that scripts/test.sh fills (MCPR_NPM_DIR, default
.cache/npm-mcp)."""
import json
import os
import socket
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NPM = os.environ.get("MCPR_NPM_DIR") or os.path.join(ROOT, ".cache", "npm-mcp")
CLIENT = os.path.join(ROOT, "tests", "proxy", "sdk_http_client.mjs")
EVERYTHING = os.path.join(NPM, "node_modules", "@modelcontextprotocol", "server-everything",
                          "dist", "index.js")
BUDGET = "proxy --listen: tools/call round trip vs nginx"

# nginx as a plain reverse proxy that streams (proxy_buffering off), with
# keep-alive connections to the server as a tuned deployment has.
NGINX_REVERSE_PROXY = """
  upstream mcp { server 127.0.0.1:%(upstream)d; keepalive 64; }
  server {
    listen 127.0.0.1:%%(port)d;
    location / {
      proxy_pass http://mcp;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
  }
"""


def wait_for_port(port, proc, what):
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(what + " did not start")
            time.sleep(0.05)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def round_trips(env, calls, *urls):
    """The round trips of `calls` echo calls through each URL, from one
    client process calling through each in turn."""
    r = subprocess.run(["node", CLIENT, "bench", str(calls), *urls], env=env, capture_output=True,
                       text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError("sdk_http_client.mjs failed: " + r.stderr[-500:])
    times = json.loads(r.stdout)["round_trips_us"]
    # The first calls of a session warm up the JIT and the connections.
    trim = lambda t: t[max(1, len(t) // 10):]
    return [trim(t) for t in times] if len(urls) > 1 else trim(times)


def run(budget, say, bin_path, env, smoke, nginx_class):
    if not os.path.exists(EVERYTHING):
        budget(BUDGET, "SDK not installed", "<= 1.10x", False)
        say("proxy --listen: %s is missing (scripts/test.sh installs it)" % NPM)
        return
    env = dict(env, MCP_NPM=NPM)
    procs = []
    nginx = None
    try:
        port = free_port()
        server = subprocess.Popen(["node", EVERYTHING, "streamableHttp"], env=dict(env, PORT=str(port)),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(server)
        wait_for_port(port, server, "server-everything")
        nginx = nginx_class("nginx-mcp", NGINX_REVERSE_PROXY % {"upstream": port})
        proxy = subprocess.Popen([bin_path, "proxy", "--listen", "127.0.0.1:0", "--upstream",
                                  "http://127.0.0.1:%d/mcp" % port], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(proxy)
        line = proxy.stderr.readline()
        if "listening on " not in line:
            raise RuntimeError("proxy --listen did not start: " + line)
        urls = {"proxy": line.split("listening on ")[1].split(",")[0],
                "nginx": "http://127.0.0.1:%d/mcp" % nginx.port}
        # Interleaved sessions: one client process holds a session through
        # each and calls through them in turn, so that both see the machine
        # (a shared, loaded VM) alike; five such clients one after another.
        calls = 10 if smoke else 1000
        rounds = 1 if smoke else 5
        got = {"proxy": [], "nginx": []}
        per_round = []
        for k in range(rounds):
            through_nginx, through_proxy = round_trips(env, calls // rounds, urls["nginx"],
                                                       urls["proxy"])
            got["nginx"] += through_nginx
            got["proxy"] += through_proxy
            per_round.append(statistics.median(through_proxy) / statistics.median(through_nginx))
        n, p = statistics.median(got["nginx"]), statistics.median(got["proxy"])
        say("proxy --listen: echo round trip median through nginx %.1f us, through the proxy "
            "%.1f us, recording on (%d clients, each with a session through both, %d calls "
            "each way in turn; per-client ratios %.2f-%.2fx)"
            % (n, p, rounds, calls // rounds, min(per_round), max(per_round)))
        budget(BUDGET, "%.3fx, %+.1f us" % (p / n, p - n), "<= 1.10x", p / n <= 1.10)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
        if nginx:
            nginx.stop()
