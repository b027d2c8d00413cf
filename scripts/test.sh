#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. unit and end-to-end tests (ctest: GoogleTest, and the built binary
#      against the development coordinator);
#   2. the same suite built with AddressSanitizer and UBSan;
#   3. each libFuzzer target for a short while (scripts/fuzz.sh);
#   4. a smoke run of the benchmark (tiny sizes: every budget line is printed).
# Skip a phase with MCPR_SKIP_ASAN=1, MCPR_SKIP_FUZZ=1 or MCPR_SKIP_BENCH=1;
# MCP_REPORT_LONG=1 runs the long variants of the reliability tests.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
jobs=$(nproc)
# The end-to-end tests mostly wait on their servers and children: ctest runs
# three per core (tests/CMakeLists.txt splits the long files into shards).
# Not under the sanitizers, where each process costs several times the CPU:
# there six at once on a loaded machine failed timed end-to-end checks.
test_jobs=$((jobs * 3))
passed=0
phase() { echo; echo "== test.sh: $*"; }
# The wall time of each step, printed at the end (README, Reliability).
times="" lap_start=$SECONDS
lap() { times+="  $1: $((SECONDS - lap_start)) s"$'\n'; lap_start=$SECONDS; }

phase "unit and end-to-end tests"
build=${BUILD_DIR:-build}
# promtool checks the Prometheus output: unpacked from Debian's prometheus
# package into the build folder, not installed (that would add a service).
if ! command -v promtool >/dev/null && [ ! -x "$build/tools/usr/bin/promtool" ]; then
  mkdir -p "$build/tools"
  (cd "$build/tools" && apt-get download prometheus >/dev/null 2>&1 &&
     dpkg-deb -x prometheus_*.deb . && rm -f prometheus_*.deb) ||
    echo "test.sh: promtool not available; the Prometheus output is checked by a parser alone"
fi
# The official OpenTelemetry JS serializers check our OTLP JSON
# (tests/e2e/test_otlp.py): installed from npm, pinned, into an ignored cache
# folder when npm reaches the registry; without them that test is skipped.
otlp_npm=.cache/npm-otlp
if command -v npm >/dev/null && [ ! -d "$otlp_npm/node_modules/@opentelemetry/otlp-transformer" ]; then
  mkdir -p "$otlp_npm"
  timeout 300 npm install --silent --no-audit --no-fund --prefix "$otlp_npm" \
      @opentelemetry/otlp-transformer@0.301.1 >/dev/null 2>&1 ||
    echo "test.sh: npm could not install @opentelemetry/otlp-transformer; the official check of the OTLP JSON is skipped"
fi

# The proxy's tests drive the official MCP SDK client and reference server,
# installed from npm into an ignored cache folder (never committed). If the
# install fails, those tests fail (MCPR_REQUIRE_NPM) rather than skip.
npm_dir=.cache/npm-mcp
mcp_packages="@modelcontextprotocol/sdk@1.32.2 @modelcontextprotocol/server-everything@2026.8.31"
if [ "$(cat "$npm_dir/.installed" 2>/dev/null)" != "$mcp_packages" ]; then
  mkdir -p "$npm_dir"
  # shellcheck disable=SC2086
  if timeout 300 npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error $mcp_packages >/dev/null; then
    echo "$mcp_packages" > "$npm_dir/.installed"
  else
    echo "test.sh: npm install of $mcp_packages failed: the proxy's SDK tests will fail"
  fi
fi
export MCPR_NPM_DIR="$PWD/$npm_dir" MCPR_REQUIRE_NPM=1
lap "installs"

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON >/dev/null
cmake --build "$build" -j "$jobs"
lap "build"
(cd "$build" && ctest --output-on-failure -j "$test_jobs")
lap "ctest"
passed=$((passed + 1))

if [ "${MCPR_SKIP_ASAN:-0}" != 1 ]; then
  phase "the suite under AddressSanitizer and UndefinedBehaviorSanitizer"
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMCPR_SANITIZE=ON -DBUILD_TESTING=ON >/dev/null
  cmake --build build-asan -j "$jobs" >/dev/null
  lap "sanitizer build"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j "$jobs")
  lap "sanitizer ctest"
  passed=$((passed + 1))
fi

if [ "${MCPR_SKIP_FUZZ:-0}" != 1 ]; then
  phase "fuzzing, 5 s per target"
  ./scripts/fuzz.sh 5
  lap "fuzzing, with its build"
  passed=$((passed + 1))
fi

if [ "${MCPR_SKIP_BENCH:-0}" != 1 ]; then
  phase "benchmark smoke run"
  out=$(BENCH_SMOKE=1 BUILD_DIR="$build" ./scripts/bench.sh 2>&1) || { echo "$out"; exit 1; }
  echo "$out" | tail -10
  lines=$(echo "$out" | grep -cE ' (holds|FAILS)$' || true)
  [ "$lines" -ge 7 ] || { echo "bench smoke: expected at least 7 budget lines, got $lines"; exit 1; }
  lap "benchmark smoke run"
  passed=$((passed + 1))
fi

echo
echo "test.sh: $passed passed, 0 failed, in $SECONDS s:"
printf '%s' "$times"
