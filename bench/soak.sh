#!/usr/bin/env bash
# Soak: one standalone replica under mixed load for a long time (30 minutes by default), sampled every 30 s, to show
# that what it holds stays flat: heap after a full collection, metaspace, RSS, file descriptors, threads, the lines
# of /metrics, the steady load's p99, errors and refusals.
#
# usage: bench/soak.sh [--duration 30m] [--interval 30] [--rate 1000] [--warmup D] [-h]
#   --duration D   how long the load runs: 30m (default), 2m, 90s, 1h
#   --interval S   seconds between samples (30)
#   --rate R       the steady load, requests a second (1000)
#   --warmup D     samples before this are shown but not judged (default: the first third of the duration)
#
# On loopback: two backends (bench/soak/backend.py: HTTP, uploads, WebSocket echo) on 127.0.0.1:19601-19602, the
# replica on 127.0.0.1:19610 (admin 19611) with -Xmx256m -XX:+UseParallelGC (JAVA_OPTS replaces the GC option;
# JAVA picks the JVM; THREADS=N gives --threads N, else the replica's default), a GC log and --drain-timeout 2s (the
# stop at the end need not wait the default 8 s), reading --routes from a directory the driver rewrites. At once,
# for the whole duration:
#   steady    hey at --rate req/s over 10 connections to a stable route, in 10 s runs
#   churn     every 3 s a route file added, removed or changed among ~50 routes (rate limits, body limits, source
#             ranges, rewrites, headers, balancers, now and then a bad file), checked by 20 probes a second from
#             random 127.x.y.z addresses that must get what the route in force owes them (200, 404, 403, 413, 429)
#   slow      4 clients sending heads and bodies byte by byte (in time: 200; too slowly: 408 or closed) or reading
#             a 2 MiB body slowly
#   uploads   2 clients posting large bodies: complete, cut off mid-body (FIN or RST), over the route's 4 MiB (413)
#   ws        2 clients opening WebSockets, exchanging a few messages and closing; 20 more held idle 10-120 s
# Each sample forces a full collection (jcmd PID GC.run) and reads the heap in use from jcmd GC.heap_info: the live
# heap, not where the sawtooth happened to be. The end prints, for the samples after the warm-up, first and last
# value, the least-squares slope per 10 minutes and "flat" or "GROWING" against a tolerance per measure.
# Results stay in the work directory it names (SOAK_DIR=DIR to choose it): soak.csv, gc.log, ballast.log,
# errors.log (every unexpected outcome), stats.json (driver outcomes by kind).
# Builds dist/target/ballast.jar if missing (JAR=FILE runs another). Needs java, jcmd, hey, curl and python3.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
seconds() {  # 30m, 90s, 1h, 120 -> seconds
  case $1 in
    *h) echo $(( ${1%h} * 3600 )) ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo $(( ${1%s} )) ;;
    *) echo $(( $1 )) ;;
  esac
}
duration=$(seconds 30m)
interval=30
rate=1000
warmup=""
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$(seconds "$2"); shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --warmup) warmup=$(seconds "$2"); shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[ -n "$warmup" ] || warmup=$(( duration / 3 ))
[ "$rate" -ge 10 ] || { echo "--rate must be 10 or more (hey gets rate/10 per connection)" >&2; exit 2; }

here=$(cd "$(dirname "$0")/.." && pwd)
jar=${JAR:-$here/dist/target/ballast.jar}
[ -f "$jar" ] || (cd "$here" && mvn -B -q package -DskipTests)
if [ -z "${JAR:-}" ] && [ -n "$(find "$here"/*/src/main -newer "$jar" -type f -print -quit 2>/dev/null)" ]; then
  echo "note: $jar is older than some sources; remove it to have it rebuilt" >&2
fi
for tool in java jcmd hey curl python3; do
  command -v "$tool" >/dev/null || { echo "soak.sh needs $tool" >&2; exit 2; }
done
# the interpreter itself, not a wrapper (pyenv's shims fork): its pid is the one to stop
python=$(python3 -c 'import sys; print(sys.executable)')
java=${JAVA:-java}
for port in 19601 19602 19610 19611; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use: another soak or benchmark is running" >&2
    exit 1
  fi
done

W=${SOAK_DIR:-$(mktemp -d /tmp/ballast-soak.XXXXXX)}
mkdir -p "$W/hey" "$W/routes"
pids=()
# stop PID...: TERM, up to 5 s to exit, then KILL
stop() {
  local pid alive
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0  # a bare return in the EXIT trap would return the exit status
    sleep 0.1
  done
  for pid in "$@"; do kill -9 "$pid" 2>/dev/null || true; done
}
# the load first, then the replica, then the backends: a backend gone under a live replica would be a false error
cleanup() {
  local i
  set +e
  for (( i = ${#pids[@]} - 1; i >= 0; i-- )); do stop "${pids[i]}"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

backends=127.0.0.1:19601,127.0.0.1:19602
"$python" "$here/bench/soak/driver.py" init-routes "$W/routes" "$backends"
# Each server in a session of its own, as bench/replicas.sh explains (autogroup scheduling).
for port in 19601 19602; do
  setsid "$python" "$here/bench/soak/backend.py" "$port" >"$W/backend-$port.log" 2>&1 &
  pids+=($!)
done
setsid $java -Xmx256m ${JAVA_OPTS:--XX:+UseParallelGC} "-Xlog:gc*:file=$W/gc.log:time,uptime,level,tags" \
  -jar "$jar" dataplane --routes "$W/routes" --listen 127.0.0.1:19610 --admin-listen 127.0.0.1:19611 \
  --drain-timeout 2s ${THREADS:+--threads "$THREADS"} >"$W/ballast.log" 2>&1 &
replica=$!
pids+=("$replica")
for _ in $(seq 1 150); do curl -fs -o /dev/null http://127.0.0.1:19611/readyz && break; sleep 0.2; done
curl -fs -o /dev/null http://127.0.0.1:19611/readyz || {
  echo "the replica is not ready after 30 s; its log, $W/ballast.log:" >&2; tail -20 "$W/ballast.log" >&2; exit 1; }
for path in /steady/ /upload/ /slow/; do
  curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:19610$path" || {
    echo "GET $path through the replica failed; its log:" >&2; tail -20 "$W/ballast.log" >&2; exit 1; }
done
echo "soak: $(( duration / 60 )) min $(( duration % 60 )) s, a sample every $interval s, steady load $rate req/s;" \
  "replica pid $replica ($(grep -o 'transport: [a-z_]*' "$W/ballast.log" | head -1)); results in $W"

"$python" "$here/bench/soak/driver.py" run "$W/routes" "$backends" --proxy 127.0.0.1:19610 \
  --stats "$W/stats.json" --errors "$W/errors.log" >"$W/driver.log" 2>&1 &
pids+=($!)

# hey in 10 s runs until the deadline, each run's report a file for the sampler; on TERM the run in progress stops
steady() {
  local deadline=$(( SECONDS + duration )) run=0 hey_pid=""
  trap '[ -n "$hey_pid" ] && kill "$hey_pid" 2>/dev/null; exit 0' TERM
  while [ $SECONDS -lt $deadline ]; do
    run=$(( run + 1 ))
    hey -z 10s -c 10 -q $(( rate / 10 )) "http://127.0.0.1:19610/steady/hello" >"$W/hey/run.part" 2>&1 &
    hey_pid=$!
    wait "$hey_pid" || true
    hey_pid=""
    mv "$W/hey/run.part" "$(printf '%s/hey/%06d.txt' "$W" "$run")"
  done
}
steady &
pids+=($!)

"$python" "$here/bench/soak/monitor.py" sample "$replica" http://127.0.0.1:19611 "$W" --csv "$W/soak.csv" \
  --interval "$interval" --duration "$duration" --warmup "$warmup"

if ! kill -0 "$replica" 2>/dev/null; then
  echo "the replica is gone; its log, $W/ballast.log, ends:"
  tail -5 "$W/ballast.log"
fi
awk '/Pause Young.*ms$/ { young++ } /Pause Full.*ms$/ { full++ } END {
  printf "GC log: %d young and %d full collections (one full per sample is the sampler'"'"'s)\n", young, full }' \
  "$W/gc.log"
echo "results: $W (soak.csv, gc.log, ballast.log, errors.log, stats.json)"
