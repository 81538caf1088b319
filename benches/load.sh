#!/usr/bin/env bash
# The load generator against wrk, side by side in one run, on the same lab and route.
#   bash benches/load.sh                    # 5 s per column, 32 connections, 2 rounds
#   DURATION=10 CONNS=64 ROUNDS=3 bash benches/load.sh
# For each mode (shared: a session lookup; token: a signature check) it alternates wrk and
# `forgetful load` (closed loop, the same connections, round-robin) against GET /me through
# the balancer of one `forgetful serve`, and prints each tool's requests/s and the ratio
# load/wrk (the issue's target: at least 0.8). Needs wrk (installed with apt-get if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5}
CONNS=${CONNS:-32}
ROUNDS=${ROUNDS:-2}
if ! command -v wrk >/dev/null; then
  echo "installing wrk"
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi
cargo build --release --locked -q
BIN=target/release/forgetful
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

port=$(free_port)
LAB=http://127.0.0.1:$port
"$BIN" serve --port "$port" --data-dir "$tmp/data" --store memory --mode shared > "$tmp/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do curl -sf "$LAB/healthz" >/dev/null && break; sleep 0.05; done
json() { curl -s -H 'content-type: application/json' "$@"; }

wrk_rps() { # header
  wrk -t2 -c"$CONNS" -d"${DURATION}s" -H "$1" "$LAB/me" | awk '/Requests\/sec/ {print $2}'
}
load_rps() {
  "$BIN" --data-dir "$tmp/data" load --url "$LAB" --connections "$CONNS" --duration "${DURATION}s" \
    --users 50 --policy round-robin --json 2>/dev/null \
    | python3 -c 'import json,sys; s=json.load(sys.stdin); print(round(s["requests_per_s"])); assert s["failed"] == 0 and s["unauthorized"] == 0, s["status"]'
}

printf '%-22s %6s %12s %12s %8s\n' "GET /me, mode" "round" "wrk/s" "load/s" "ratio"
for mode in shared token; do
  json -d "{\"mode\":\"$mode\"}" "$LAB/admin/mode" >/dev/null
  login=$(curl -s -D "$tmp/headers" -H 'content-type: application/json' \
    -d '{"username":"alice","password":"wonderland"}' "$LAB/login")
  if [ "$mode" = token ]; then
    header="Authorization: Bearer $(python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' <<<"$login")"
  else
    header="Cookie: sid=$(sed -n 's/^set-cookie: sid=\([^;]*\).*/\1/Ip' "$tmp/headers")"
  fi
  ratios=()
  for round in $(seq "$ROUNDS"); do
    w=$(wrk_rps "$header")
    l=$(load_rps)
    r=$(python3 -c "print(f'{$l/$w:.2f}')")
    ratios+=("$r")
    printf '%-22s %6s %12s %12s %8s\n' "$mode" "$round" "$w" "$l" "$r"
  done
  printf '%-22s %6s %12s %12s %8s\n' "$mode" "mean" "" "" \
    "$(python3 -c "import sys; r=[float(x) for x in sys.argv[1:]]; print(f'{sum(r)/len(r):.2f}')" "${ratios[@]}")"
done
echo "($CONNS connections, ${DURATION}s per column, wrk -t2, $(nproc) cores shared by the lab, wrk and forgetful load)"
