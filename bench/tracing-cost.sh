#!/usr/bin/env bash
# What tracing costs the dataplane, measured in one proxy-compare.sh run (interleaved rounds, so machine drift hits
# every target alike): HAProxy, Ballast with tracing off (its default: no exporter configured) and Ballast exporting
# spans over OTLP/HTTP to a receiver that takes them and answers 200 — an nginx on 127.0.0.1:19318, which costs the
# machine little, as a collector on another host would. SAMPLING is the share of requests traced (default 1: every
# one; 0.1 for the 10% the README recommends). The ratio to read is ballast-traced / ballast (the issue's targets:
# >= 0.85 at 100%, >= 0.97 at 10%). Same route and options as dataplane-vs-haproxy.sh; extra arguments go to
# proxy-compare.sh (-d 10 -r 5 -c 50).
set -euo pipefail
source "$(dirname "$0")/replicas.sh"
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq nginx >/dev/null)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/ballast-tracing.XXXXXX)
cleanup() {
  [ -n "$second_pid" ] && kill "$second_pid" 2>/dev/null || true
  [ -f "$work/sink.pid" ] && kill "$(cat "$work/sink.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

bench_routes "$work/routes"

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

echo "sampling: ${SAMPLING:-1} of the requests traced"
OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:19318 OTEL_TRACES_SAMPLER=parentbased_traceidratio \
  OTEL_TRACES_SAMPLER_ARG="${SAMPLING:-1}" OTEL_METRICS_EXPORTER=none \
  second_replica "$here/dist/target/ballast.jar" "$work/routes" "$work/traced.log"
compare_ballast "$work/routes" ballast-traced=http://127.0.0.1:19084/http/bench -- "$@"
echo "traced replica: $(grep -c -i 'export' "$work/traced.log" || true) log lines about exporting (0 expected)"
# Spans the batch processor had to drop (its queue full): tracing that keeps up only by dropping would not count.
metrics=$(curl -fs http://127.0.0.1:19085/metrics || true)
queued=$(echo "$metrics" | awk '/^processedSpans_total\{dropped="false"/ {print $2}')
dropped=$(echo "$metrics" | awk '/^processedSpans_total\{dropped="true"/ {print $2}')
echo "traced replica: spans handed to the exporter ${queued:-0}, dropped ${dropped:-0} (0 expected)"
