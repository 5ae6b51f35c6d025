#!/usr/bin/env bash
# The standalone dataplane against HAProxy and nginx on loopback, through ../shared/bench/proxy-compare.sh (beside
# the checkout, or PROXY_COMPARE=FILE): the Docker Flow tutorial's route /http/ -> /renamed/ over three backends,
# with the default balancer (PeakEwma) and the heap capped at 256 MiB, as the target is stated. Builds dist/target/ballast.jar if missing; JAVA and JAVA_OPTS choose the JVM and its options. Extra arguments go to proxy-compare.sh (-d 10 -r 5 -c 50).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
compare=${PROXY_COMPARE:-$here/../shared/bench/proxy-compare.sh}
[ -f "$compare" ] || { echo "no proxy-compare.sh at $compare (set PROXY_COMPARE)" >&2; exit 2; }
[ -f "$here/dist/target/ballast.jar" ] || (cd "$here" && mvn -B -q package -DskipTests)

routes=$(mktemp -d /tmp/ballast-bench.XXXXXX)
trap 'rm -rf "$routes"' EXIT
cp "$here/bench/proxy-compare-route.yaml" "$routes/http.yaml"

java=${JAVA:-java}
# One traffic loop, as proxy-compare.sh runs HAProxy with one thread (nbthread 1); THREADS=N to try others.
threads=${THREADS:-1}
bash "$compare" "$@" \
  --cmd "$java -Xmx256m -XX:+UseParallelGC ${JAVA_OPTS:-} -jar $here/dist/target/ballast.jar dataplane --routes $routes \
         --listen 127.0.0.1:19082 --admin-listen 127.0.0.1:19083 --threads $threads" \
  --ready http://127.0.0.1:19083/readyz \
  ballast=http://127.0.0.1:19082/http/bench
