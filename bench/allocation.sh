#!/usr/bin/env bash
# What a proxied request costs the JVM: bytes allocated per request on the traffic loop, and the GC pauses under a
# steady load. One replica (standalone, the tutorial's route over three nginx backends, as dataplane-vs-haproxy.sh
# runs it) is loaded with hey at a fixed rate; a JFR recording spans the measured window only (after a warm-up), and
# its jdk.ThreadAllocationStatistics (taken at the recording's start and end) and jdk.GarbageCollection events give
# the figures, with hey's p99. GC picks the collector (GC=-XX:+UseZGC; -XX:+UseParallelGC unless set), JAVA the JVM,
# JAVA_OPTS more options; the defaults are the other benchmarks' (-Xmx256m, one traffic loop).
#
# usage: bench/allocation.sh [-d SECONDS] [--rate REQ_PER_S] [-r ROUNDS]
set -euo pipefail
source "$(dirname "$0")/replicas.sh"

duration=20 rate=10000 rounds=3
while [ $# -gt 0 ]; do
  case "$1" in
    -d) duration=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    -r) rounds=$2; shift 2 ;;
    *) echo "usage: $0 [-d SECONDS] [--rate REQ_PER_S] [-r ROUNDS]" >&2; exit 2 ;;
  esac
done
for tool in nginx hey jcmd jfr curl; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "needs $tool" >&2; exit 2; }
done
nginx=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/ballast-alloc.XXXXXX)
replica_pid=""
cleanup() {
  [ -f "$work/backend.pid" ] && kill "$(cat "$work/backend.pid")" 2>/dev/null || true
  [ -n "$replica_pid" ] && kill "$replica_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/backend.conf" <<EOF
worker_processes 1;
pid $work/backend.pid;
error_log $work/backend.err;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:19001; location / { return 200 "Hostname: backend-1\nGET \$request_uri HTTP/1.1\n"; } }
  server { listen 127.0.0.1:19002; location / { return 200 "Hostname: backend-2\nGET \$request_uri HTTP/1.1\n"; } }
  server { listen 127.0.0.1:19003; location / { return 200 "Hostname: backend-3\nGET \$request_uri HTTP/1.1\n"; } }
}
EOF
"$nginx" -c "$work/backend.conf"
bench_routes "$work/routes"

setsid $java $options -jar "$here/dist/target/ballast.jar" dataplane --routes "$work/routes" \
  --listen 127.0.0.1:19082 --admin-listen 127.0.0.1:19083 --threads "$threads" >"$work/replica.log" 2>&1 &
replica_pid=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null http://127.0.0.1:19083/readyz && break; sleep 0.2; done
curl -fs -o /dev/null http://127.0.0.1:19083/readyz || { tail -20 "$work/replica.log" >&2; exit 1; }
url=http://127.0.0.1:19082/http/bench
hey -z 10s -c 50 -q $((rate / 50)) -disable-compression "$url" >/dev/null  # warm-up: JIT, pools, caches

echo "allocation and GC at $rate req/s (hey, 50 connections), ${duration} s per round, $rounds rounds; JVM: $options"
printf '%-6s %10s %10s %14s %18s %5s %14s\n' round requests p99 "loop B/req" "all threads B/req" GCs "longest pause"
for round in $(seq 1 "$rounds"); do
  jfr_file="$work/round-$round.jfr"
  jcmd "$replica_pid" JFR.start name=alloc settings=default >/dev/null
  out=$(hey -z "${duration}s" -c 50 -q $((rate / 50)) -disable-compression "$url")
  jcmd "$replica_pid" JFR.stop name=alloc filename="$jfr_file" >/dev/null
  requests=$(awk '/responses$/ && /\[200\]/ {print $2}' <<<"$out")
  [ -n "$requests" ] || requests=$(awk '/Requests\/sec/ {printf "%d", $2 * '"$duration"'}' <<<"$out")
  jfr print --json --events jdk.ThreadAllocationStatistics,jdk.GarbageCollection "$jfr_file" >"$work/events.json"
  read -r loop all gcs longest < <(python3 - "$work/events.json" "$requests" <<'PY'
import json, re, sys
events = json.load(open(sys.argv[1]))["recording"]["events"]
requests = int(sys.argv[2])
first, last = {}, {}
for e in events:  # each thread's allocated bytes at the recording's first and last sample
    if e["type"] == "jdk.ThreadAllocationStatistics":
        name = (e["values"].get("thread") or {}).get("javaName") or "?"
        first.setdefault(name, e["values"]["allocated"])
        last[name] = e["values"]["allocated"]
delta = {n: last[n] - first[n] for n in first}
loop = sum(d for n, d in delta.items() if n.startswith("ballast-traffic"))
def ms(value):  # a duration: nanoseconds, or ISO-8601 as PT0.0012S
    if isinstance(value, (int, float)):
        return value / 1e6
    m = re.fullmatch(r"PT(?:([\d.]+)M)?([\d.]+)S", value)
    return (float(m.group(1) or 0) * 60 + float(m.group(2))) * 1000 if m else 0.0
pauses = [ms(e["values"]["longestPause"]) for e in events if e["type"] == "jdk.GarbageCollection"]
print(round(loop / requests), round(sum(delta.values()) / requests), len(pauses),
      "%.2fms" % max(pauses, default=0.0))
PY
)
  p99=$(awk '/ 99% in / {printf "%.2fms", $3 * 1000}' <<<"$out")
  printf '%-6s %10s %10s %14s %18s %5s %14s\n' "$round" "$requests" "$p99" "$loop" "$all" "$gcs" "$longest"
done
