#!/usr/bin/env bash
# Measures mcp-report against references run in the same run on this
# machine and prints one line per budget of README.md, Performance.
#   ./scripts/bench.sh               full sizes (100,000 events), a few minutes
#   BENCH_SMOKE=1 ./scripts/bench.sh tiny sizes: checks that every line is produced
#   BENCH_ONLY=recording|flush|otlp|proxy|http-proxy   one section alone
#   (BENCH_EVENTS=N sets the size, BENCH_FLUSH_ROUNDS=N the flush section's rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh hyperfine nginx-light time
build=${BUILD_DIR:-build}
if [ ! -x "$build/mcp-report" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j "$(nproc)" --target mcp-report mcp-report-cli >/dev/null
fi
# The floor of a durable recording, the same-run reference of the recording budget (README.md, Performance).
gcc -O2 -static -o "$build/bench-floor" scripts/bench-floor.c
# The floor of a flush: the queue's files read and deleted, no network.
gcc -O2 -pthread -o "$build/bench-drain-floor" scripts/bench-drain-floor.c
# The floor of a stdio proxy: a bare byte forwarder (scripts/bench_proxy.py finds it beside the binary).
gcc -O2 -pthread -o "$build/bench-forwarder" scripts/bench-forwarder.c
exec python3 scripts/bench.py "$PWD/$build/mcp-report" "$PWD/$build/bench-floor" \
  "$PWD/$build/bench-drain-floor"
