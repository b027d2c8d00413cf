#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan, UBSan) and runs each for a while,
# starting from the seed corpus in tests/fuzz/corpus/<target>/.
#   ./scripts/fuzz.sh            10 s per target (./scripts/test.sh runs 5 s)
#   ./scripts/fuzz.sh 600        10 minutes per target
#   FUZZ_TARGETS="fields config" ./scripts/fuzz.sh 60
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
./scripts/install-deps.sh clang libclang-rt-14-dev
build=${FUZZ_BUILD_DIR:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$build" -DMCPR_FUZZ=ON -DBUILD_TESTING=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=${FUZZ_TARGETS:-fields config retry_after event_name event}
cmake --build "$build" -j "$(nproc)" --target $(printf 'fuzz_%s ' $targets) >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in $targets; do
  mkdir -p "$work/$t"
  log="$work/$t.log"
  if ! "$build/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 \
       -print_final_stats=1 -artifact_prefix="$work/$t-" "$work/$t" "tests/fuzz/corpus/$t" \
       >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $t: FAILED; the crashing input is kept in $PWD/fuzz-crash-$t" >&2
    cp "$work/$t-"* "fuzz-crash-$t" 2>/dev/null || true
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  echo "fuzz: $t: $runs inputs in ${seconds} s, coverage $cov edges, no crash"
done
echo "fuzz: $(echo $targets | wc -w) passed, 0 failed"
