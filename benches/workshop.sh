#!/usr/bin/env bash
# Workshop benchmark, one run, release build: a simulated room on this machine.
#   bash benches/workshop.sh                      # 40 learners, 5 requests/s each, 60 s
#   LEARNERS=60 RATE=5 DURATION=30 bash benches/workshop.sh
#   SAMPLES=20 bash benches/workshop.sh           # class view refresh samples per phase
# Starts `forgetful serve --workshop` (labs in local mode, SQLite under a temporary data dir),
# then examples/workshop_load.rs: every learner joins at once, switches its own lab to token
# mode, logs in, and sends GET /me and GET /orders in turn with its token. Prints the join
# time, the first logins, request latency (p50/p90/p99/max), cross-lab answers (each lab's
# journal must hold only its own learner's requests), the class summary's time with the whole
# room in it, and the server's RSS before and after (per learner lab). Exit 1 on any
# cross-lab answer, lost request or transport error.
#
# With tmux installed it also times the instructor's live class view (`forgetful class`, in a
# tmux session at 80x24): one more learner, "probe" (it joins once the others have, so the
# RSS figures above are theirs), sends a progress change (one more hint taken) SAMPLES times, and each time the delay from sending it to the view's next frame is
# read from the view's log (`class.log`, a `drawn_unix_ms` per frame). Measured twice: while
# the room's load runs, and in the quiet room after it. Then the view's CPU over 10 idle
# seconds, and how many frames it drew in them.
set -euo pipefail
cd "$(dirname "$0")/.."
LEARNERS=${LEARNERS:-40}
RATE=${RATE:-5}
DURATION=${DURATION:-60}
SAMPLES=${SAMPLES:-20}
ADMIN=bench-admin
cargo build --release --locked -q --bin forgetful --example workshop_load
BIN=$PWD/target/release/forgetful
tmp=$(mktemp -d)
pid=
view=
# SIGTERM, not SIGINT: a non-interactive shell starts background jobs with SIGINT ignored.
cleanup() {
  if [ -n "$view" ]; then tmux kill-session -t "$view" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

"$BIN" serve --workshop --admin-token "$ADMIN" --port 0 --data-dir "$tmp" \
  --max-learners "$((LEARNERS + 1))" > "$tmp/serve.log" 2>&1 &
pid=$!
url=
for _ in $(seq 200); do
  url=$(awk '$1 == "join" {print $2; exit}' "$tmp/serve.log" 2>/dev/null || true)
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] || { echo "the workshop did not start:"; cat "$tmp/serve.log"; exit 2; }
echo "workshop at $url (pid $pid), $(nproc) cores"

now_ms() { date +%s%3N; }

# The class view's frames: the drawn_unix_ms of each, one per line.
frames() { grep -o 'drawn_unix_ms=[0-9]*' "$tmp/instructor/class.log" 2>/dev/null | cut -d= -f2 || true; }

# One progress change from the probe learner: $1 hints taken on logout-now.
probe_change() {
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $probe_token" \
    --data "{\"version\":1,\"problems\":{\"logout-now\":{\"hints_used\":$1}}}" \
    "$url/workshop/progress"
}

# SAMPLES changes, 2 s apart; prints the delay of each (ms) from sending to the next frame.
measure_view() {
  local label=$1 i sent seen drawn delays=()
  for i in $(seq "$SAMPLES"); do
    probe_seq=$((probe_seq + 1))
    seen=$(frames | wc -l)
    sent=$(now_ms)
    probe_change "$probe_seq"
    drawn=
    for _ in $(seq 500); do
      if [ "$(frames | wc -l)" -gt "$seen" ]; then
        drawn=$(frames | awk -v s="$sent" '$1 >= s {print; exit}')
        [ -n "$drawn" ] && break
      fi
      sleep 0.01
    done
    if [ -z "$drawn" ]; then echo "  $label: no frame within 5 s of change $i"; delays+=(99999); else delays+=($((drawn - sent))); fi
    sleep 2
  done
  printf '%s\n' "${delays[@]}" | sort -n | awk -v label="$label" '
    { d[NR] = $1; sum += $1 }
    END { printf "class view refresh (%s): %d changes, median %d ms, p90 %d ms, max %d ms\n",
          label, NR, d[int((NR + 1) / 2)], d[int(NR * 0.9 + 0.999)], d[NR] }'
}

if command -v tmux > /dev/null; then
  view="forgetful-bench-class-$$"
  tmux new-session -d -s "$view" -x 80 -y 24 \
    "exec env FORGETFUL_ADMIN_TOKEN=$ADMIN $BIN --data-dir $tmp/instructor class --url $url"
  for _ in $(seq 200); do [ -n "$(frames)" ] && break; sleep 0.05; done
  [ -n "$(frames)" ] || { echo "the class view did not start"; tmux capture-pane -p -t "$view"; exit 2; }
  view_pid=$(tmux display -p -t "$view" '#{pane_pid}')
  probe_seq=0
  # During the room's load: once the 40 have joined and are sending (so the server's RSS
  # before and after the joins is theirs alone), the probe joins and the changes start.
  (
    sleep 8
    probe_token=$(curl -s -X POST -H 'Content-Type: application/json' -d '{"name":"probe"}' \
      "$url/workshop/join" | sed -n 's/.*"learner_token":"\([0-9a-f]*\)".*/\1/p')
    [ -n "$probe_token" ] || { echo "the probe learner could not join"; exit 2; }
    echo "$probe_token" > "$tmp/probe-token"
    measure_view "during the load"
  ) > "$tmp/view-load.txt" 2>&1 &
  measurer=$!
else
  echo "(no tmux: the class view is not timed)"
fi

target/release/examples/workshop_load --url "$url" --learners "$LEARNERS" --rate "$RATE" \
  --seconds "$DURATION" --admin-token "$ADMIN" --server-pid "$pid"

if [ -n "$view" ]; then
  wait "$measurer" || true
  cat "$tmp/view-load.txt"
  probe_token=$(cat "$tmp/probe-token")
  probe_seq=1000
  measure_view "quiet room"
  ticks() { awk '{print $14 + $15}' "/proc/$view_pid/stat"; }
  before_frames=$(frames | wc -l)
  before=$(ticks)
  sleep 10
  after=$(ticks)
  hz=$(getconf CLK_TCK)
  echo "class view idle: $(( (after - before) * 1000 / hz )) ms CPU over 10 s, $(( $(frames | wc -l) - before_frames )) frames drawn"
  tmux send-keys -t "$view" q
fi
