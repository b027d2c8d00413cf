#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan, UBSan) and runs each for a while,
# starting from the seed corpus in tests/fuzz/corpus/<target>/.
#   ./scripts/fuzz.sh            10 s per target (./scripts/test.sh runs 5 s)
#   ./scripts/fuzz.sh 600        10 minutes per target
#   ./scripts/fuzz.sh -n 10000000          10^7 inputs per target: the long
#                                run of the README's Reliability (hours, one core)
#   ./scripts/fuzz.sh -n 10000000 --merge  the same, then adds to
#                                tests/fuzz/corpus/<target>/ the inputs that
#                                reached code the corpus did not (libFuzzer
#                                -merge=1 on edges alone, -use_counters=0,
#                                which keeps it small), to commit
#   FUZZ_TARGETS="fields config" ./scripts/fuzz.sh 60
# The targets run FUZZ_JOBS at a time (one per core for a time budget, one
# for -n, unless set).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10 runs="" merge=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    -n) runs=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    *) seconds=$1; shift ;;
  esac
done
budget=(-max_total_time="$seconds")
[ -n "$runs" ] && budget=(-runs="$runs")
./scripts/install-deps.sh clang libclang-rt-14-dev
build=${FUZZ_BUILD_DIR:-build-fuzz}
# A build folder configured with MCPR_FUZZ already (scripts/test.sh gives
# its sanitizer build, which carries the fuzzer's instrumentation) is used
# as it is; any other is configured for fuzzing alone.
if ! grep -qx 'MCPR_FUZZ:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -DMCPR_FUZZ=ON -DBUILD_TESTING=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
targets=${FUZZ_TARGETS:-fields config retry_after event_name event tracker http_message}
cmake --build "$build" -j "$(nproc)" --target $(printf 'fuzz_%s ' $targets) >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One target per core at a time (FUZZ_JOBS): each still runs its whole budget.
fuzz_one() {
  local t=$1 log="$work/$1.log" start done_runs cov before
  mkdir -p "$work/$t"
  start=$(date +%s)
  if ! "$build/fuzz_$t" "${budget[@]}" -timeout=10 -rss_limit_mb=1024 \
       -print_final_stats=1 -artifact_prefix="$work/$t-" "$work/$t" "tests/fuzz/corpus/$t" \
       >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $t: FAILED; the crashing input is kept in $PWD/fuzz-crash-$t" >&2
    cp "$work/$t-"* "fuzz-crash-$t" 2>/dev/null || true
    return 1
  fi
  done_runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  echo "fuzz: $t: $done_runs inputs in $(( $(date +%s) - start )) s, coverage $cov edges, no crash"
  if [ "$merge" = 1 ]; then
    before=$(ls "tests/fuzz/corpus/$t" | wc -l)
    "$build/fuzz_$t" -merge=1 -use_counters=0 "tests/fuzz/corpus/$t" "$work/$t" >"$log" 2>&1 ||
      { tail -20 "$log"; return 1; }
    echo "fuzz: $t: corpus $before -> $(ls "tests/fuzz/corpus/$t" | wc -l) inputs"
  fi
}
jobs=$(nproc)
[ -n "$runs" ] && jobs=1  # the long run takes one core
jobs=${FUZZ_JOBS:-$jobs}
[ "$merge" = 1 ] && jobs=1  # merges write into the corpus folders one at a time
failed=0
running=()
for t in $targets; do
  if [ "${#running[@]}" -ge "$jobs" ]; then
    wait "${running[0]}" || failed=1
    running=("${running[@]:1}")
  fi
  fuzz_one "$t" &
  running+=($!)
done
for pid in "${running[@]}"; do wait "$pid" || failed=1; done
[ "$failed" = 0 ] || exit 1
echo "fuzz: $(echo $targets | wc -w) passed, 0 failed"
