#!/usr/bin/env bash
# What tracing costs the dataplane, measured in one proxy-compare.sh run (interleaved rounds, so machine drift hits
# every target alike): HAProxy, Ballast with tracing off (its default: no exporter configured) and Ballast exporting
# every request's spans (100% sampling) over OTLP/HTTP to a receiver that takes them and answers 200 — an nginx on
# 127.0.0.1:19318, which costs the machine little, as a collector on another host would. The ratio to read is
# ballast-traced / ballast (the issue's target: >= 0.85). Same route and options as dataplane-vs-haproxy.sh; extra
# arguments go to proxy-compare.sh (-d 10 -r 5 -c 50).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
compare=${PROXY_COMPARE:-$here/../shared/bench/proxy-compare.sh}
[ -f "$compare" ] || { echo "no proxy-compare.sh at $compare (set PROXY_COMPARE)" >&2; exit 2; }
[ -f "$here/dist/target/ballast.jar" ] || (cd "$here" && mvn -B -q package -DskipTests)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq nginx >/dev/null)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/ballast-tracing.XXXXXX)
traced_pid=""
cleanup() {
  [ -n "$traced_pid" ] && kill "$traced_pid" 2>/dev/null || true
  [ -f "$work/sink.pid" ] && kill "$(cat "$work/sink.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/routes"
cp "$here/bench/proxy-compare-route.yaml" "$work/routes/http.yaml"

# The OTLP receiver: every POST (traces, metrics) answered 200 with an empty body, the request body read and dropped.
cat >"$work/sink.conf" <<EOF
worker_processes 1;
pid $work/sink.pid;
error_log $work/sink.err;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_buffer_size 4m;
  client_max_body_size 64m;
  server {
    listen 127.0.0.1:19318;
    location / { return 200; }
  }
}
EOF
"$NGINX" -c "$work/sink.conf"

java=${JAVA:-java}
# One traffic loop, as proxy-compare.sh runs HAProxy with one thread (nbthread 1); THREADS=N to try others.
threads=${THREADS:-1}
options="-Xmx256m -XX:+UseParallelGC ${JAVA_OPTS:-}"
# The traced replica runs beside the untraced one for the whole run (idle while the others are loaded).
OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:19318 OTEL_TRACES_SAMPLER=always_on OTEL_METRICS_EXPORTER=none \
  $java $options -jar "$here/dist/target/ballast.jar" dataplane --routes "$work/routes" \
  --listen 127.0.0.1:19084 --admin-listen 127.0.0.1:19085 --threads $threads >"$work/traced.log" 2>&1 &
traced_pid=$!

bash "$compare" "$@" \
  --cmd "$java $options -jar $here/dist/target/ballast.jar dataplane --routes $work/routes \
         --listen 127.0.0.1:19082 --admin-listen 127.0.0.1:19083 --threads $threads" \
  --ready http://127.0.0.1:19083/readyz \
  ballast=http://127.0.0.1:19082/http/bench \
  ballast-traced=http://127.0.0.1:19084/http/bench
echo "traced replica: $(grep -c -i 'export' "$work/traced.log" || true) log lines about exporting (0 expected)"
