#!/usr/bin/env bash
# HTTP/2 clients against Ballast and HAProxy 2.6 on loopback, with h2load, one nginx backend (HTTP/1.1) behind both
# (127.0.0.1:19401). Each round loads each proxy in turn (the order alternating between rounds, so that machine
# drift hits both alike):
#   h2c  prior knowledge on a plain listener (HAProxy: bind ... proto h2)
#   h2   TLS with ALPN h2 (HAProxy: bind ... ssl alpn h2,http/1.1), a self-signed certificate made here
# each with h2load -c CLIENTS -m STREAMS for the run's duration, and reads the proxy process's user+system CPU time
# around each run, after one unmeasured warm-up run of each. Prints every run (req/s, failed and errored requests, CPU
# per 1000 requests), then the medians and Ballast's ratio to HAProxy.
#
# usage: bench/h2-vs-haproxy.sh [-d SECONDS] [-r ROUNDS] [-c CLIENTS] [-m STREAMS]
# HAProxy runs with nbthread 1 and Ballast with one traffic loop (THREADS=N for others), heap capped at 256 MiB
# (JAVA, JAVA_OPTS as in bench/replicas.sh); BALLAST_ARGS are added to its command line.
# Needs haproxy, nginx, h2load (Debian nghttp2-client), openssl and curl.
set -euo pipefail
duration=10
rounds=5
clients=10
streams=10
while [ $# -gt 0 ]; do
  case $1 in
    -d) duration=$2; shift 2 ;;
    -r) rounds=$2; shift 2 ;;
    -c) clients=$2; shift 2 ;;
    -m) streams=$2; shift 2 ;;
    *) echo "usage: $0 [-d SECONDS] [-r ROUNDS] [-c CLIENTS] [-m STREAMS]" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$here/dist/target/ballast.jar" ] || (cd "$here" && mvn -B -q package -DskipTests)
java=${JAVA:-java}
threads=${THREADS:-1}
W=$(mktemp -d /tmp/ballast-h2-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null || true
  [ -f "$W/haproxy.pid" ] && kill "$(cat "$W/haproxy.pid")" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$W/key.pem" -out "$W/cert.pem" 2>/dev/null
mkdir "$W/certs"
cat "$W/cert.pem" "$W/key.pem" >"$W/certs/bench.pem"
chmod 600 "$W/certs/bench.pem"
cat >"$W/nginx.conf" <<EOF
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:19401 backlog=4096;
    location / { return 200 "GET /renamed/ over HTTP/2\n"; }
  }
}
EOF
cat >"$W/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4000
  pidfile $W/haproxy.pid
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend h2c
  bind 127.0.0.1:19410 proto h2
  default_backend app
frontend h2
  bind 127.0.0.1:19411 ssl crt $W/certs/bench.pem alpn h2,http/1.1
  default_backend app
backend app
  server s1 127.0.0.1:19401
EOF
mkdir "$W/routes"
cat >"$W/routes/app.yaml" <<EOF
apiVersion: ballast.dev/v1alpha1
kind: Route
metadata: { name: app }
spec:
  endpoints: [{ address: "127.0.0.1:19401" }]
  rules: [{ paths: [/] }]
EOF
nginx -c "$W/nginx.conf"
haproxy -D -f "$W/haproxy.cfg" 2>"$W/haproxy.err"
setsid $java -Xmx256m -XX:+UseParallelGC ${JAVA_OPTS:-} -jar "$here/dist/target/ballast.jar" dataplane \
  --routes "$W/routes" --listen 127.0.0.1:19412 --tls-listen 127.0.0.1:19413 --certs "$W/certs" \
  --admin-listen 127.0.0.1:19414 --threads "$threads" ${BALLAST_ARGS:-} >"$W/ballast.log" 2>&1 &
ballast_pid=$!
pids+=("$ballast_pid")
for _ in $(seq 1 100); do curl -fs -o /dev/null http://127.0.0.1:19414/readyz && break; sleep 0.2; done
for port in 19410 19412; do
  curl -fsS -o /dev/null --max-time 5 --http2-prior-knowledge "http://127.0.0.1:$port/bench" \
    || { echo "port $port does not answer h2c" >&2; tail -20 "$W/ballast.log" >&2; exit 1; }
done
for port in 19411 19413; do
  curl -fsS -o /dev/null --max-time 5 --http2 -k "https://127.0.0.1:$port/bench" \
    || { echo "port $port does not answer h2" >&2; tail -20 "$W/ballast.log" >&2; exit 1; }
done
haproxy_pid=$(cat "$W/haproxy.pid")
echo "haproxy: $(haproxy -v | head -1)"
grep -o "transport: .*" "$W/ballast.log" | head -1

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# run NAME PID URL KIND: one h2load run; prints "NAME KIND req/s failed errored cpu_ms requests"
run() {
  local name=$1 pid=$2 url=$3 kind=$4 out before after
  before=$(cpu_ticks "$pid")
  out=$(h2load -c "$clients" -m "$streams" -D "$duration" "$url" 2>&1)
  after=$(cpu_ticks "$pid")
  awk -v name="$name" -v kind="$kind" -v cpu=$(( (after - before) * 1000 / hz )) '
    /^finished in/ { rps = $4 + 0 }
    /^requests:/ { done = $8; failed = $10; errored = $12 }
    END { printf "%s %s %.0f %d %d %d %d\n", name, kind, rps, failed, errored, cpu, done }' <<<"$out"
}

url() { # url PROXY KIND
  case "$1 $2" in
    "haproxy h2c") echo http://127.0.0.1:19410/bench ;;
    "haproxy h2") echo https://127.0.0.1:19411/bench ;;
    "ballast h2c") echo http://127.0.0.1:19412/bench ;;
    "ballast h2") echo https://127.0.0.1:19413/bench ;;
  esac
}

for kind in h2c h2; do  # warm-up, not measured
  run ballast "$ballast_pid" "$(url ballast $kind)" "$kind" >/dev/null
  run haproxy "$haproxy_pid" "$(url haproxy $kind)" "$kind" >/dev/null
done

results=$W/results
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then order="haproxy ballast"; else order="ballast haproxy"; fi
  for kind in h2c h2; do
    for target in $order; do
      if [ "$target" = haproxy ]; then pid=$haproxy_pid; else pid=$ballast_pid; fi
      line=$(run "$target" "$pid" "$(url "$target" "$kind")" "$kind")
      echo "round $round: $line"
      echo "$line" >>"$results"
    done
  done
done
echo "ballast heap cap: 256 MiB; its RSS now: $(awk '/VmRSS/ { print $2 / 1024 " MiB" }' /proc/$ballast_pid/status)"

awk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    key = $1 " " $2
    rate[key] = rate[key] " " $3; errors[key] += $4 + $5
    cost[key] = cost[key] " " (($7 > 0) ? $6 * 1000 / $7 : 0)
  }
  END {
    printf "\n%-5s %-8s %12s %8s %16s\n", "kind", "proxy", "req/s", "errors", "CPU ms/1000 req"
    split("h2c h2", kinds, " ")
    for (k = 1; k <= 2; k++) {
      for (p = 1; p <= 2; p++) {
        name = (p == 1) ? "haproxy" : "ballast"; key = name " " kinds[k]
        r[name] = median(rate[key]); c[name] = median(cost[key])
        printf "%-5s %-8s %12.0f %8d %16.2f\n", kinds[k], name, r[name], errors[key], c[name]
      }
      printf "%-5s %-8s %11.2fx %8s %15.2fx\n", kinds[k], "ratio", r["ballast"] / r["haproxy"], "",
             (c["haproxy"] > 0) ? c["ballast"] / c["haproxy"] : 0
    }
  }' "$results"
