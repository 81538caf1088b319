#!/usr/bin/env bash
# Workshop benchmark, one run, release build: a simulated room on this machine.
#   bash benches/workshop.sh                      # 40 learners, 5 requests/s each, 60 s
#   LEARNERS=60 RATE=5 DURATION=30 bash benches/workshop.sh
# Starts `forgetful serve --workshop` (labs in local mode, SQLite under a temporary data dir),
# then examples/workshop_load.rs: every learner joins at once, switches its own lab to token
# mode, logs in, and sends GET /me and GET /orders in turn with its token. Prints the join
# time, the first logins, request latency (p50/p90/p99/max), cross-lab answers (each lab's
# journal must hold only its own learner's requests), the class summary's time with the whole
# room in it, and the server's RSS before and after (per learner lab). Exit 1 on any
# cross-lab answer, lost request or transport error.
set -euo pipefail
cd "$(dirname "$0")/.."
LEARNERS=${LEARNERS:-40}
RATE=${RATE:-5}
DURATION=${DURATION:-60}
cargo build --release --locked -q --bin forgetful --example workshop_load
BIN=target/release/forgetful
tmp=$(mktemp -d)
pid=
# SIGTERM, not SIGINT: a non-interactive shell starts background jobs with SIGINT ignored.
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$tmp"; }
trap cleanup EXIT

"$BIN" serve --workshop --admin-token bench-admin --port 0 --data-dir "$tmp" \
  --max-learners "$LEARNERS" > "$tmp/serve.log" 2>&1 &
pid=$!
url=
for _ in $(seq 200); do
  url=$(awk '$1 == "join" {print $2; exit}' "$tmp/serve.log" 2>/dev/null || true)
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] || { echo "the workshop did not start:"; cat "$tmp/serve.log"; exit 2; }
echo "workshop at $url (pid $pid), $(nproc) cores"
target/release/examples/workshop_load --url "$url" --learners "$LEARNERS" --rate "$RATE" \
  --seconds "$DURATION" --admin-token bench-admin --server-pid "$pid"
