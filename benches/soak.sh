#!/usr/bin/env bash
# Soak: MINUTES of mixed traffic against `forgetful serve` on a Redis store, cycling through
# local, shared and token modes, restarting a replica every few seconds and Redis once a
# minute. Prints every status seen (a status outside 200/401/503 is unexpected; 503 is only
# expected while Redis is down) and the server's RSS at the start and the end.
#   bash benches/soak.sh [MINUTES]   (default 10; needs redis-server and curl)
set -euo pipefail
# A command that fails stops the soak: say where, never stop silently.
trap 'echo "soak stopped at line $LINENO (exit $?)" >&2' ERR
cd "$(dirname "$0")/.."
minutes=${1:-10}
cargo build --release -q
bin=target/release/forgetful
work=$(mktemp -d)
rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis() { redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"; }
redis
sleep 0.5
"$bin" serve --port 0 --store "redis://127.0.0.1:$rport" --data-dir "$work" > "$work/serve.log" 2>&1 &
serve=$!
cleanup() { kill "$serve" 2>/dev/null || true; [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 100); do grep -q '^  balancer' "$work/serve.log" && break; sleep 0.1; done
url=$(awk '/^  balancer/ {print $2}' "$work/serve.log")
rss() { awk '/VmRSS/ {print $2" kB"}' "/proc/$serve/status"; }
echo "lab at $url, RSS at start: $(rss)"
json=(-H 'content-type: application/json')
# No request may hang the soak: each gets 5 s.
curl() { command curl --max-time 5 "$@"; }
declare -A seen
end=$(( $(date +%s) + minutes * 60 ))
next_redis=$(( $(date +%s) + 60 ))
modes=(local shared token)
i=0
while [ "$(date +%s)" -lt "$end" ]; do
  mode=${modes[$(( (i / 40) % 3 ))]}
  [ $(( i % 40 )) -eq 0 ] && curl -s "${json[@]}" -d "{\"mode\":\"$mode\"}" "$url/admin/mode" >/dev/null
  [ $(( i % 25 )) -eq 0 ] && curl -s -X POST "$url/admin/replicas/$(printf '%s' abc | cut -c$(( i % 3 + 1 )))/restart" >/dev/null
  if [ "$(date +%s)" -ge "$next_redis" ]; then
    kill "$(cat "$work/redis.pid")" 2>/dev/null || true; sleep 1; redis || true
    next_redis=$(( $(date +%s) + 60 ))
  fi
  login=$(curl -s -i -c "$work/jar" "${json[@]}" -d '{"username":"alice","password":"wonderland"}' "$url/login" || true)
  # The status line, without a pipe that closes early (head would kill printf with SIGPIPE,
  # which under pipefail ended earlier ten-minute runs silently).
  first=${login%%$'\n'*}
  code=$(awk '{print $2}' <<<"$first")
  code=${code:-000}
  seen[$code]=$(( ${seen[$code]:-0} + 1 ))
  token=$(printf '%s' "$login" | grep -o '"token":"[^"]*"' | cut -d'"' -f4 || true)
  for path in /orders /me /orders; do
    if [ -n "$token" ]; then
      code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url$path" || true)
    else
      code=$(curl -s -o /dev/null -w '%{http_code}' -b "$work/jar" "$url$path" || true)
    fi
    code=${code:-000}
    seen[$code]=$(( ${seen[$code]:-0} + 1 ))
  done
  i=$((i + 1))
done
echo "RSS at the end: $(rss)"
unexpected=0
for code in "${!seen[@]}"; do
  echo "status $code: ${seen[$code]}"
  # 000: no answer at all (the connection failed), which is unexpected too.
  case $code in 200|401|503) ;; *) unexpected=$((unexpected + seen[$code])) ;; esac
done
echo "unexpected statuses: $unexpected"
