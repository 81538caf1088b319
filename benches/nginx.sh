#!/usr/bin/env bash
# The lab's balancer against nginx in front of the same replicas, side by side in one run.
#   bash benches/nginx.sh                       # 5 s per column, 32 connections, 3 rounds
#   DURATION=10 ROUNDS=5 bash benches/nginx.sh
# One `forgetful serve` (store sqlite, policy round-robin); nginx (nginx-light, installed with
# apt-get if missing) with one worker and a keep-alive upstream (64 idle connections) to the
# lab's three replicas, round-robin like the balancer. For shared mode (a session lookup) and
# token mode (a signature check), rounds alternate wrk against the balancer and wrk against
# nginx on GET /me with a valid credential (one wrk thread, 32 connections, as in the issue),
# and print each one's requests/s and the ratio balancer/nginx (the issue's target: 1.0).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-5}
CONNS=${CONNS:-32}
ROUNDS=${ROUNDS:-3}
install() { # package
  apt-get install -y -qq "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$1" >/dev/null; }
}
command -v wrk >/dev/null || install wrk
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || install nginx-light
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
# BIN=path/to/forgetful compares another build (say, the one before a change) instead.
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked -q
  BIN=target/release/forgetful
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

port=$(free_port)
LAB=http://127.0.0.1:$port
"$BIN" serve --port "$port" --data-dir "$tmp/data" --store sqlite > "$tmp/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do curl -sf "$LAB/healthz" >/dev/null && break; sleep 0.05; done
json() { curl -s -H 'content-type: application/json' "$@"; }
json -d '{"policy":"round-robin"}' "$LAB/admin/policy" >/dev/null
upstreams=$(grep -o 'replica [a-z] http://[0-9.:]*' "$tmp/serve.log" | awk '{sub("http://", "", $3); print "    server " $3 ";"}')

nport=$(free_port)
NGX=http://127.0.0.1:$nport
mkdir -p "$tmp/nginx"
cat > "$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  upstream replicas {
$upstreams
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$nport;
    keepalive_requests 100000;
    location / {
      proxy_pass http://replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
EOF
"$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
pids+=($!)
for _ in $(seq 100); do curl -sf "$NGX/healthz" >/dev/null && break; sleep 0.05; done

rps() { # url header
  wrk -t1 -c"$CONNS" -d"${DURATION}s" -H "$2" "$1/me" | awk '/Requests\/sec/ {print $2}'
}
# CPU time (user + system, in clock ticks) of one thread or process, from /proc.
ticks() { awk '{print $14 + $15}' "$1"; }
# The proxies' own CPU: the lab's balancer thread, and nginx's one worker process.
serve_pid=${pids[0]}
balancer_stat=$(grep -l '^balancer$' /proc/"$serve_pid"/task/*/comm | sed 's/comm$/stat/')
nginx_stat=/proc/$(pgrep -f 'nginx: worker' | head -1)/stat
hz=$(getconf CLK_TCK)
# `rps` with the proxy's CPU per request: prints "requests/s µs-per-request".
measured() { # url header statfile
  local before after r
  before=$(ticks "$3")
  r=$(rps "$1" "$2")
  after=$(ticks "$3")
  python3 -c "r=$r; print(f'{r} {($after-$before)/$hz*1e6/(r*$DURATION):.1f}')"
}

printf '%-8s %6s %14s %14s %8s %12s %12s\n' mode round "balancer/s" "nginx/s" ratio "bal µs/req" "ngx µs/req"
for mode in shared token; do
  json -d "{\"mode\":\"$mode\"}" "$LAB/admin/mode" >/dev/null
  login=$(curl -s -D "$tmp/headers" -H 'content-type: application/json' \
    -d '{"username":"alice","password":"wonderland"}' "$LAB/login")
  if [ "$mode" = token ]; then
    header="Authorization: Bearer $(python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' <<<"$login")"
  else
    header="Cookie: sid=$(sed -n 's/^set-cookie: sid=\([^;]*\).*/\1/Ip' "$tmp/headers")"
  fi
  # The credential works through both, before anything is timed.
  for url in "$LAB" "$NGX"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "$header" "$url/me")
    [ "$code" = 200 ] || { echo "GET /me through $url: $code"; exit 1; }
  done
  ratios=()
  for round in $(seq "$ROUNDS"); do
    read -r b bcpu <<<"$(measured "$LAB" "$header" "$balancer_stat")"
    read -r n ncpu <<<"$(measured "$NGX" "$header" "$nginx_stat")"
    r=$(python3 -c "print(f'{$b/$n:.2f}')")
    ratios+=("$r")
    printf '%-8s %6s %14s %14s %8s %12s %12s\n' "$mode" "$round" "$b" "$n" "$r" "$bcpu" "$ncpu"
  done
  printf '%-8s %6s %14s %14s %8s\n' "$mode" "range" "" "" \
    "$(python3 -c "import sys; r=sorted(float(x) for x in sys.argv[1:]); print(f'{r[0]:.2f}-{r[-1]:.2f}')" "${ratios[@]}")"
done
echo "(CPU per request: the balancer thread's and the nginx worker's user + system time over the run, divided by the requests served)"
echo "(GET /me, wrk -t1 -c$CONNS, ${DURATION}s per column; nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'), 1 worker, keepalive 64 to the replicas; $(nproc) cores shared by wrk, nginx and the lab)"
