#!/usr/bin/env bash
# The main job end to end on this machine: install what is missing, build,
# start a development coordinator, record a few interactions, flush them and
# show what the coordinator received.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target mcp-report mcp-report-cli >/dev/null
bin=$PWD/$build/mcp-report

work=$(mktemp -d /tmp/mcp-report-demo.XXXXXX)
coordinator_pid=
cleanup() {
  [ -n "$coordinator_pid" ] && kill "$coordinator_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

python3 scripts/dev-coordinator.py --port 0 --port-file "$work/port" --key demo-key \
  --out "$work/received.ndjson" 2>/dev/null &
coordinator_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done

# What a user's config would say; here, through the environment.
export MCP_REPORT_MCP_ID=demo_mcp_001
export MCP_REPORT_URL="http://127.0.0.1:$(cat "$work/port")"
export MCP_REPORT_API_KEY=demo-key
export MCP_REPORT_SPOOL_DIR="$work/spool"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

say 'id=$(mcp-report start user_id=u42 request_type=search params:='"'"'{"q":"weather"}'"'"')'
id=$("$bin" start user_id=u42 request_type=search params:='{"q":"weather"}')
echo "$id"
run "$bin" progress "$id" step=retrieve percent:=50
run "$bin" complete "$id" success:=true output_size:=2048 processing_time:=0.42
id2=$("$bin" start --id demo-job-2 user_id=u7)
run "$bin" error demo-job-2 error_type=Timeout error_message="upstream took 30 s" error_code:=504

run "$bin" status
run "$bin" list
run "$bin" health
run "$bin" flush -v
run "$bin" status

say "what the coordinator received ($work/received.ndjson)"
cat "$work/received.ndjson"
echo
echo "demo: recorded 5 events, delivered $(wc -l < "$work/received.ndjson")."
