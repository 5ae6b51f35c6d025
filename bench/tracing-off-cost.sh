#!/usr/bin/env bash
# What the tracing instrumentation costs when tracing is off (the default: no exporter configured), measured in one
# proxy-compare.sh run (interleaved rounds): the replica as built, against the same commit built without the request
# path's instrumentation (bench/uninstrumented.patch takes out of ProxyHandler every span start, end and check). The
# ratio to read is ballast / ballast-uninstrumented (the issue's target: it loses at most 2%); on a shared machine
# rounds differ by a few percent, so use many rounds. Needs a git checkout (the other build is made in a temporary
# worktree). Same route and options as dataplane-vs-haproxy.sh; extra
# arguments go to proxy-compare.sh (-d 10 -r 7 -c 50).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
compare=${PROXY_COMPARE:-$here/../shared/bench/proxy-compare.sh}
[ -f "$compare" ] || { echo "no proxy-compare.sh at $compare (set PROXY_COMPARE)" >&2; exit 2; }
[ -f "$here/dist/target/ballast.jar" ] || (cd "$here" && mvn -B -q package -DskipTests)

work=$(mktemp -d /tmp/ballast-tracing-off.XXXXXX)
other_pid=""
cleanup() {
  [ -n "$other_pid" ] && kill "$other_pid" 2>/dev/null || true
  git -C "$here" worktree remove --force "$work/tree" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

git -C "$here" worktree add -q --detach "$work/tree" HEAD
git -C "$work/tree" apply "$here/bench/uninstrumented.patch" || {
  echo "bench/uninstrumented.patch no longer applies to ProxyHandler: make it again (take out the span code)" >&2
  exit 2
}
(cd "$work/tree" && mvn -B -q package -DskipTests -pl dist -am)
cp "$work/tree/dist/target/ballast.jar" "$work/uninstrumented.jar"

mkdir -p "$work/routes"
cp "$here/bench/proxy-compare-route.yaml" "$work/routes/http.yaml"
java=${JAVA:-java}
threads=${THREADS:-1} # as proxy-compare.sh runs HAProxy (nbthread 1)
options="-Xmx256m -XX:+UseParallelGC ${JAVA_OPTS:-}"
$java $options -jar "$work/uninstrumented.jar" dataplane --routes "$work/routes" \
  --listen 127.0.0.1:19084 --admin-listen 127.0.0.1:19085 --threads "$threads" >"$work/other.log" 2>&1 &
other_pid=$!
for _ in $(seq 1 100); do curl -fs -o /dev/null http://127.0.0.1:19085/readyz && break; sleep 0.2; done

bash "$compare" "$@" \
  --cmd "$java $options -jar $here/dist/target/ballast.jar dataplane --routes $work/routes \
         --listen 127.0.0.1:19082 --admin-listen 127.0.0.1:19083 --threads $threads" \
  --ready http://127.0.0.1:19083/readyz \
  ballast=http://127.0.0.1:19082/http/bench \
  ballast-uninstrumented=http://127.0.0.1:19084/http/bench
