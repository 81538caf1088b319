#!/usr/bin/env bash
# What the app's load pane costs over the same load run from the command line.
#   bash benches/load_pane.sh                     # 20 s runs, 4 rounds
#   ROUNDS=6 bash benches/load_pane.sh
# One `forgetful serve` (store memory, its own data dir, so its key is published there and
# both clients tag their traffic `load`). Each round, in turn:
#   cli: `forgetful load --url LAB --scenario steady --duration 20s` with the pane's settings
#        (50 users, 200 requests/s over 16 connections, sticky): CPU of that process;
#   app: `forgetful --url LAB` in tmux at 80x24, L, 1 (steady), + (20 s), Enter, until the
#        pane says "done": CPU of the app process over the run.
# The lab's CPU is measured over each run too. "added" is (app + lab during it) minus
# (cli + lab during it), as a share of the latter: the issue's target is under 5%; "app/cli"
# compares the two client processes alone. The median of the rounds is printed, since one
# round's lab CPU moves by more than the pane costs. The app's log gives the frames it drew
# during the run (at most 4 a second).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-4}
DURATION=20
command -v tmux >/dev/null || apt-get install -y -qq tmux >/dev/null
cargo build --release --locked -q
BIN=$PWD/target/release/forgetful
tmp=$(mktemp -d)
NAME=forgetful-pane-bench-$$
pids=()
cleanup() {
  tmux kill-session -t "$NAME" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# utime + stime of a process, in seconds.
cpu() { awk -v t="$(getconf CLK_TCK)" '{print ($14 + $15) / t}' "/proc/$1/stat"; }
sub() { python3 -c "print(f'{$1 - $2:.2f}')"; }

port=$(free_port)
LAB=http://127.0.0.1:$port
DATA=$tmp/data
"$BIN" serve --port "$port" --data-dir "$DATA" --store memory > "$tmp/serve.log" 2>&1 &
LABPID=$!
pids+=("$LABPID")
for _ in $(seq 200); do curl -sf "$LAB/healthz" >/dev/null && break; sleep 0.05; done

screen() { tmux capture-pane -p -t "$NAME"; }
wait_screen() { # text, seconds
  for _ in $(seq $(($2 * 20))); do screen | grep -qF -- "$1" && return 0; sleep 0.05; done
  echo "timed out waiting for: $1" >&2; screen >&2; return 1
}

printf '%-6s %9s %9s %9s %9s %9s %8s %10s\n' round "cli s" "lab s" "app s" "lab s" "added s" "added" "app/cli"
ratios=()
for round in $(seq "$ROUNDS"); do
  # The command line.
  l0=$(cpu "$LABPID")
  /usr/bin/time -f '%U %S' -o "$tmp/time" "$BIN" --data-dir "$DATA" load --url "$LAB" \
    --scenario steady --duration "${DURATION}s" --users 50 --rate 200 --connections 16 \
    --json > "$tmp/cli.json" 2>/dev/null
  l1=$(cpu "$LABPID")
  cli=$(awk '{print $1 + $2}' "$tmp/time")
  lab_cli=$(sub "$l1" "$l0")

  # The app's pane.
  tmux new-session -d -s "$NAME" -x 80 -y 24 "exec $BIN --url $LAB --data-dir $DATA"
  APPPID=$(tmux list-panes -t "$NAME" -F '#{pane_pid}')
  wait_screen "a✓ b✓ c✓" 20
  tmux send-keys -t "$NAME" L
  wait_screen "Load lab" 10
  tmux send-keys -t "$NAME" 1 +
  wait_screen "20 s each" 10
  a0=$(cpu "$APPPID"); l0=$(cpu "$LABPID")
  tmux send-keys -t "$NAME" Enter
  wait_screen "done, 20 s" $((DURATION + 30))
  a1=$(cpu "$APPPID"); l1=$(cpu "$LABPID")
  frames=$(grep 'frames drawn during the run' "$DATA/forgetful.log" | tail -1 | sed 's/.*frames=\([0-9]*\).*seconds="*\([0-9.]*\).*/\1 frames in \2 s/')
  tmux send-keys -t "$NAME" q
  for _ in $(seq 100); do kill -0 "$APPPID" 2>/dev/null || break; sleep 0.05; done
  tmux kill-session -t "$NAME" 2>/dev/null || true
  app=$(sub "$a1" "$a0")
  lab_app=$(sub "$l1" "$l0")
  added=$(python3 -c "print(f'{($app + $lab_app) - ($cli + $lab_cli):.2f}')")
  ratio=$(python3 -c "print(f'{(($app + $lab_app) - ($cli + $lab_cli)) / ($cli + $lab_cli) * 100:.1f}%')")
  ratios+=("$(python3 -c "print((($app + $lab_app) - ($cli + $lab_cli)) / ($cli + $lab_cli) * 100)")")
  clients=$(python3 -c "print(f'{$app / $cli:.2f}')")
  printf '%-6s %9s %9s %9s %9s %9s %8s %10s   %s\n' "$round" "$cli" "$lab_cli" "$app" "$lab_app" "$added" "$ratio" "$clients" "$frames"
done
printf '%-6s %59s\n' median "$(python3 -c "import sys, statistics; print(f'{statistics.median(float(x) for x in sys.argv[1:]):.1f}%')" "${ratios[@]}")"
echo "(steady, ${DURATION} s, 50 users, 200 requests/s over 16 connections; CPU from /proc, $(nproc) cores shared by the lab, the client and tmux)"
