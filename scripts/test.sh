#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. unit and end-to-end tests (ctest: GoogleTest, and the built binary
#      against the development coordinator);
#   2. the same suite built with AddressSanitizer and UBSan (clang), built
#      while phase 1's ctest runs;
#   3. each libFuzzer target for a short while (scripts/fuzz.sh);
#   4. a smoke run of the benchmark (tiny sizes: every budget line is printed).
# It ends with each step's wall time and CPU time. The budget: five minutes
# after the installs on an idle fresh 2-core machine, that is 600 CPU-s at
# most (README, Testing, has the last measured run).
# Skip a phase with MCPR_SKIP_ASAN=1, MCPR_SKIP_FUZZ=1 or MCPR_SKIP_BENCH=1;
# MCP_REPORT_LONG=1 runs the long variants of the reliability tests.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
jobs=$(nproc)
# The end-to-end tests mostly wait on their servers and children: ctest runs
# three per core (tests/CMakeLists.txt splits the long files into shards),
# under the sanitizers too: no test times the machine's wall clock, so a
# slower process fails nothing.
test_jobs=$((jobs * 3))
passed=0
phase() { echo; echo "== test.sh: $*"; }
# The wall time and the CPU time (user + system, of every process the step
# ran) of each step, printed at the end (README, Testing). On a shared
# machine the CPU time is the figure that load does not inflate.
laps="" lap_start=$SECONDS lap_cpu=0
tmp_times=$(mktemp)
background=""  # the process group of a ctest running in the background
cleanup() {
  rm -f "$tmp_times"
  [ -z "$background" ] || kill -- "-$background" 2>/dev/null || true
}
trap cleanup EXIT
lap() {
  local cpu
  # bash's `times` (a builtin, run in this shell: in $(...) it would be a
  # child's), 2nd line: the user and system time of its finished children.
  times >"$tmp_times"
  cpu=$(awk 'NR == 2 { gsub(/[ms]/, " "); printf "%d", $1 * 60 + $2 + $3 * 60 + $4 }' "$tmp_times")
  laps+="  $1: $((SECONDS - lap_start)) s, $((cpu - lap_cpu)) CPU-s"$'\n'
  lap_start=$SECONDS lap_cpu=$cpu
}

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

asan_env=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
          UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
if [ "${MCPR_SKIP_ASAN:-0}" = 1 ]; then
  (cd "$build" && ctest --output-on-failure -j "$test_jobs")
  lap "ctest"
else
  # The ctest waits on its servers and children most of its time, the
  # sanitizer build computes: the build runs beside the ctest, niced, so the
  # tests get the CPU when they want it. The ctest's output goes to a file,
  # printed whole once the build is done; a failure of either ends the run
  # there, with its output and exit status 1.
  ./scripts/install-deps.sh clang libclang-rt-14-dev
  set -m  # the ctest in a process group of its own, which cleanup() ends
  ( start=$SECONDS status=0
    cd "$build" && ctest --output-on-failure -j "$test_jobs" </dev/null >ctest.log 2>&1 || status=$?
    echo "$((SECONDS - start))" >ctest.seconds; exit "$status" ) &
  background=$!
  set +m
  phase "building the sanitizer suite, beside the ctest (its output follows)"
  # clang: twice as fast as g++ at compiling with the sanitizers (a test
  # file: 6.7 CPU-s against 15). With MCPR_FUZZ it also builds the libFuzzer
  # targets, which phase 3 runs: one sanitizer build, not two (the fuzzer's
  # coverage instrumentation costs its compile and ctest less than a build
  # of their own).
  build_status=0
  { CC=clang CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMCPR_SANITIZE=ON \
      -DMCPR_FUZZ=ON -DBUILD_TESTING=ON >/dev/null &&
    nice -n 10 cmake --build build-asan -j "$jobs" >build-asan/build.log 2>&1; } || build_status=$?
  build_seconds=$((SECONDS - lap_start))
  ctest_status=0
  wait "$background" || ctest_status=$?
  background=""
  phase "unit and end-to-end tests (ran beside the sanitizer build)"
  cat "$build/ctest.log"
  [ "$ctest_status" = 0 ] || { echo "test.sh: ctest failed (exit $ctest_status)"; exit 1; }
  passed=$((passed + 1))
  if [ "$build_status" != 0 ]; then
    tail -60 build-asan/build.log || true
    echo "test.sh: the sanitizer build failed (exit $build_status)"
    exit 1
  fi
  lap "ctest ($(cat "$build/ctest.seconds") s) beside the sanitizer build ($build_seconds s)"
  phase "the suite under AddressSanitizer and UndefinedBehaviorSanitizer"
  (cd build-asan && env "${asan_env[@]}" ctest --output-on-failure -j "$test_jobs")
  lap "sanitizer ctest"
fi
passed=$((passed + 1))

if [ "${MCPR_SKIP_FUZZ:-0}" != 1 ]; then
  phase "fuzzing, 5 s per target"
  # The sanitizer build's fuzz targets; without that build, a build of their own.
  fuzz_build=build-fuzz
  [ "${MCPR_SKIP_ASAN:-0}" = 1 ] || fuzz_build=build-asan
  FUZZ_BUILD_DIR=$fuzz_build ./scripts/fuzz.sh 5
  lap "fuzzing"
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
printf '%s' "$laps"
