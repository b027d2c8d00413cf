#!/usr/bin/env bash
# Installs the Debian packages mcp-report needs to build and test, when any
# is missing. Safe to run again; does nothing when all are there.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcli11-dev libcurl4-openssl-dev rapidjson-dev libtomlplusplus-dev libgtest-dev zlib1g-dev
  libmicrohttpd-dev
  python3 mandoc sqlite3 curl nodejs
  libfuse3-dev fuse3  # crashfs, the power-loss tests' file system (tests/crashfs)
  python3-jsonschema  # the Python SDK's checker of a tool's output (tests/e2e/test_output_schema.py)
)
[ "$#" -gt 0 ] && packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
