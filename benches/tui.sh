#!/usr/bin/env bash
# TUI benchmark: launch to first frame, idle CPU, peak RSS, frame draw time.
#
#   benches/tui.sh            # builds release, runs everything (needs tmux)
#
# - first frame: the app logs `first_frame_unix_ms` to DATA/forgetful.log when its first
#   frame is drawn; we subtract the wall clock taken just before `tmux new-session`
#   (so tmux's own spawn time is included: an upper bound). The lab starts beside it.
# - idle CPU: utime+stime from /proc/PID/stat before and after 10 idle seconds.
# - peak RSS: VmHWM from /proc/PID/status with the lab and its 3 replicas running:
#   once after start and 10 idle seconds, and again after 50 logins through the
#   balancer (each login checks a password with Argon2id, 7 MiB, on one dedicated thread: that is the lab's
#   cost, and `forgetful serve` pays it the same way).
# - draw: `cargo bench --bench tui_draw` (TestBackend, longest lesson, 120x40).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
BIN=$PWD/target/release/forgetful
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NAME=forgetful-bench-$$
trap 'tmux kill-session -t $NAME 2>/dev/null || true; rm -rf "$DATA"' EXIT

T0=$(date +%s%3N)
tmux new-session -d -s "$NAME" -x 120 -y 40 "exec $BIN --data-dir $DATA --port $PORT"
PID=$(tmux list-panes -t "$NAME" -F '#{pane_pid}')
for _ in $(seq 200); do
  grep -q first_frame_unix_ms "$DATA/forgetful.log" 2>/dev/null && break
  sleep 0.02
done
T1=$(grep -o 'first_frame_unix_ms=[0-9]*' "$DATA/forgetful.log" | head -1 | cut -d= -f2)
echo "launch to first frame: $((T1 - T0)) ms"

# Let the lab finish starting, then measure an idle stretch.
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/admin/state" && break
  sleep 0.05
done
sleep 2
TICK=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
C0=$(cpu); sleep 10; C1=$(cpu)
echo "idle CPU over 10 s: $(( (C1 - C0) * 1000 / TICK )) ms of CPU time"

echo "peak RSS (VmHWM) after start, lab + 3 replicas + TUI: $(awk '/VmHWM/ {print $2, $3}' /proc/$PID/status)"
for i in $(seq 50); do
  curl -s -o /dev/null -H 'content-type: application/json' \
    -d '{"username":"alice","password":"wonderland"}' "http://127.0.0.1:$PORT/login"
done
sleep 0.5
echo "peak RSS (VmHWM) after 50 logins: $(awk '/VmHWM/ {print $2, $3}' /proc/$PID/status)"
tmux send-keys -t "$NAME" q
cargo bench --quiet --bench tui_draw
