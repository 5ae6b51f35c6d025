#!/usr/bin/env bash
# TCP routes against HAProxy's mode tcp, on loopback, one nginx backend behind both (127.0.0.1:19301). Each round
# loads each proxy in turn (the order alternating between rounds, so that machine drift hits both alike) with wrk:
#   messages     50 keep-alive connections sending small requests: the relay's cost per message (req/s, p99)
#   connections  50 connections, a new one per request: the cost of accepting, connecting and closing (conn/s)
#   bulk         8 connections fetching a 4 MiB body: bytes through the relay (MiB/s)
# and reads the proxy process's user+system CPU time around each run (CPU per 1000 messages, per 1000 connections,
# per GiB), after one unmeasured warm-up run of each. Prints every run, then the medians and Ballast's ratio to
# HAProxy.
#
# usage: bench/tcp-vs-haproxy.sh [-d SECONDS] [-r ROUNDS]
# HAProxy runs with nbthread 1 and Ballast with one traffic loop (THREADS=N for others), heap capped at 256 MiB
# (JAVA, JAVA_OPTS as in bench/replicas.sh); BALLAST_ARGS are added to its command line, e.g. "--io-uring true".
# Needs haproxy, nginx, wrk and curl.
set -euo pipefail
duration=10
rounds=5
while [ $# -gt 0 ]; do
  case $1 in
    -d) duration=$2; shift 2 ;;
    -r) rounds=$2; shift 2 ;;
    *) echo "usage: $0 [-d SECONDS] [-r ROUNDS]" >&2; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$here/dist/target/ballast.jar" ] || (cd "$here" && mvn -B -q package -DskipTests)
java=${JAVA:-java}
threads=${THREADS:-1}
W=$(mktemp -d /tmp/ballast-tcp-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null || true
  [ -f "$W/haproxy.pid" ] && kill "$(cat "$W/haproxy.pid")" 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

chmod 755 "$W"  # nginx's worker (another user) reads the body file
head -c $((4 * 1024 * 1024)) /dev/urandom >"$W/big"
chmod 644 "$W/big"
cat >"$W/nginx.conf" <<EOF
worker_processes 1;
pid $W/nginx.pid;
error_log $W/nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:19301 backlog=4096;
    location = /small { return 200 "GET /small HTTP/1.1\n"; }
    location = /big { root $W; try_files /big =404; }
  }
}
EOF
cat >"$W/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4000
  pidfile $W/haproxy.pid
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
listen tcp
  bind 127.0.0.1:19310
  server s1 127.0.0.1:19301
EOF
mkdir "$W/routes"
cat >"$W/routes/tcp.yaml" <<EOF
apiVersion: ballast.dev/v1alpha1
kind: Route
metadata: { name: tcp }
spec:
  mode: TCP
  endpoints: [{ address: "127.0.0.1:19301" }]
  rules: [{ srcPort: 19312 }]
EOF
nginx -c "$W/nginx.conf"
haproxy -D -f "$W/haproxy.cfg" 2>"$W/haproxy.err"
setsid $java -Xmx256m -XX:+UseParallelGC ${JAVA_OPTS:-} -jar "$here/dist/target/ballast.jar" dataplane \
  --routes "$W/routes" --listen 127.0.0.1:19311 --listen 127.0.0.1:19312 --admin-listen 127.0.0.1:19313 \
  --threads "$threads" ${BALLAST_ARGS:-} >"$W/ballast.log" 2>&1 &
ballast_pid=$!
pids+=("$ballast_pid")
for _ in $(seq 1 100); do curl -fs -o /dev/null http://127.0.0.1:19313/readyz && break; sleep 0.2; done
for port in 19310 19312; do
  curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$port/small" || { echo "port $port does not relay" >&2;
    tail -20 "$W/ballast.log" >&2; exit 1; }
done
haproxy_pid=$(cat "$W/haproxy.pid")
grep -o "transport: .*" "$W/ballast.log" | head -1

# cpu_ticks PID: user+system time of the process, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# run NAME PID PORT KIND: one wrk run; prints "NAME KIND rate p99_ms cpu_ms" (rate: req/s, conn/s or MiB/s)
run() {
  local name=$1 pid=$2 port=$3 kind=$4 args out before after rate p99 cpu
  case $kind in
    messages) args=(-t1 -c50 "http://127.0.0.1:$port/small") ;;
    connections) args=(-t1 -c50 -H "Connection: close" "http://127.0.0.1:$port/small") ;;
    bulk) args=(-t1 -c8 "http://127.0.0.1:$port/big") ;;
  esac
  before=$(cpu_ticks "$pid")
  out=$(wrk --latency -d "${duration}s" "${args[@]}")
  after=$(cpu_ticks "$pid")
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
    echo "$name $kind: wrk saw errors:" >&2
    grep "Non-2xx\|Socket errors" <<<"$out" >&2
  fi
  cpu=$(( (after - before) * 1000 / hz ))
  if [ "$kind" = bulk ]; then
    rate=$(awk '/^Requests\/sec/ { printf "%.1f", $2 * 4 }' <<<"$out")  # MiB/s: 4 MiB a response
  else
    rate=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")
  fi
  p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) }
                          else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.2f", v }' <<<"$out")
  echo "$name $kind $rate $p99 $cpu"
}

# Warm-up, not measured: a proxy runs for days, and the JVM compiles the paths of each kind of load as it meets them.
for kind in messages connections bulk; do
  run ballast "$ballast_pid" 19312 "$kind" >/dev/null
  run haproxy "$haproxy_pid" 19310 "$kind" >/dev/null
done

results=$W/results
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then order="haproxy ballast"; else order="ballast haproxy"; fi
  for kind in messages connections bulk; do
    for target in $order; do
      if [ "$target" = haproxy ]; then line=$(run haproxy "$haproxy_pid" 19310 "$kind")
      else line=$(run ballast "$ballast_pid" 19312 "$kind"); fi
      echo "round $round: $line"
      echo "$line" >>"$results"
    done
  done
done

# cost per unit: CPU ms over the units served (messages and connections per 1000, bulk per GiB)
awk -v d="$duration" '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    key = $1 " " $2
    rate[key] = rate[key] " " $3; p99[key] = p99[key] " " $4
    units = ($2 == "bulk") ? $3 * d / 1024 : $3 * d / 1000
    cost[key] = cost[key] " " ((units > 0) ? $5 / units : 0)
  }
  END {
    printf "\n%-12s %-8s %12s %10s %14s\n", "kind", "proxy", "rate", "p99 ms", "CPU ms/unit"
    split("messages connections bulk", kinds, " ")
    unit["messages"] = "req/s, per 1000"; unit["connections"] = "conn/s, per 1000"; unit["bulk"] = "MiB/s, per GiB"
    for (k = 1; k <= 3; k++) {
      for (p = 1; p <= 2; p++) {
        name = (p == 1) ? "haproxy" : "ballast"; key = name " " kinds[k]
        r[name] = median(rate[key]); l[name] = median(p99[key]); c[name] = median(cost[key])
        printf "%-12s %-8s %12.1f %10.2f %14.2f\n", kinds[k], name, r[name], l[name], c[name]
      }
      lr = (l["haproxy"] > 0) ? l["ballast"] / l["haproxy"] : 0
      cr = (c["haproxy"] > 0) ? c["ballast"] / c["haproxy"] : 0
      printf "%-12s %-8s %11.2fx %9.2fx %13.2fx   (%s)\n", kinds[k], "ratio", r["ballast"] / r["haproxy"], lr, cr,
             unit[kinds[k]]
    }
  }' "$results"
