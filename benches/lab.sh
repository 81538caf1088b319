#!/usr/bin/env bash
# Lab benchmark, one run, release build. Needs wrk (apt-get install wrk); Redis rows need redis-server.
#   bash benches/lab.sh            # 5 s per row, 2 threads, 32 connections
#   DURATION=10 CONNS=64 bash benches/lab.sh
# Prints requests/s through the balancer vs straight to replica a, for each way of remembering a
# login (SQLite session lookup, Redis session lookup, token verification), and the peak RSS of
# `forgetful serve` over the whole run.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5}
CONNS=${CONNS:-32}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 2; }
cargo build --release --locked -q
BIN=target/release/forgetful
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

rps() { # url header...
  local url=$1; shift
  local args=()
  for h in "$@"; do args+=(-H "$h"); done
  wrk -t2 -c"$CONNS" -d"${DURATION}s" "${args[@]}" "$url" | awk '/Requests\/sec/ {print $2}'
}

start_lab() { # store
  local port; port=$(free_port)
  "$BIN" serve --port "$port" --data-dir "$tmp/data-$1" --store "$2" --mode shared > "$tmp/serve-$1.log" 2>&1 &
  pids+=($!)
  LAB_PID=$!
  LAB=http://127.0.0.1:$port
  for _ in $(seq 100); do curl -sf "$LAB/healthz" >/dev/null && break; sleep 0.05; done
  REPLICA_A=$(grep -o 'replica a http://[0-9.:]*' "$tmp/serve-$1.log" | awk '{print $3}')
}

peak_rss_mb() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

printf '%-28s %12s %12s %8s\n' "credential check" "balancer/s" "direct/s" "ratio"
row() { # label header
  local b d
  b=$(rps "$LAB/me" "$2")
  d=$(rps "$REPLICA_A/me" "$2")
  printf '%-28s %12s %12s %8.2f\n' "$1" "$b" "$d" "$(python3 -c "print($b/$d)")"
}

start_lab sqlite sqlite
sid=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
  -d '{"username":"alice","password":"wonderland"}' "$LAB/login" | sed -n 's/^set-cookie: sid=\([^;]*\).*/\1/Ip')
row "shared session, sqlite" "Cookie: sid=$sid"
curl -s -XPOST "$LAB/admin/mode" -d '{"mode":"token"}' >/dev/null
token=$(curl -s -H 'content-type: application/json' -d '{"username":"alice","password":"wonderland"}' "$LAB/login" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
row "token verify (EdDSA)" "Authorization: Bearer $token"
curl -s -XPOST "$LAB/admin/denylist" -d '{"enabled":true}' >/dev/null
row "token verify + denylist" "Authorization: Bearer $token"
sqlite_rss=$(peak_rss_mb "$LAB_PID")

if command -v redis-server >/dev/null; then
  rport=$(free_port)
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no > "$tmp/redis.log" 2>&1 &
  pids+=($!)
  sleep 0.3
  start_lab redis "redis://127.0.0.1:$rport"
  sid=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
    -d '{"username":"alice","password":"wonderland"}' "$LAB/login" | sed -n 's/^set-cookie: sid=\([^;]*\).*/\1/Ip')
  row "shared session, redis" "Cookie: sid=$sid"
  redis_rss=$(peak_rss_mb "$LAB_PID")
else
  echo "(redis-server not installed: no Redis row)"
  redis_rss=n/a
fi
echo
echo "peak RSS of forgetful serve (VmHWM): sqlite run ${sqlite_rss} MB, redis run ${redis_rss} MB"
echo "($CONNS connections, ${DURATION}s per column, $(nproc) cores; wrk runs on the same machine)"
