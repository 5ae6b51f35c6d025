#!/usr/bin/env bash
# What the tracing instrumentation costs when tracing is off (the default: no exporter configured), measured in one
# proxy-compare.sh run (interleaved rounds): the replica as built, against the same commit built without the request
# path's instrumentation (bench/uninstrumented.patch takes out of RequestObserver every span start). The
# ratio to read is ballast / ballast-uninstrumented (the issue's target: it loses at most 2%); on a shared machine
# rounds differ by a few percent, so use many rounds. Needs a git checkout (the other build is made in a temporary
# worktree). Same route and options as dataplane-vs-haproxy.sh; extra arguments go to proxy-compare.sh (-d 10 -r 7).
set -euo pipefail
source "$(dirname "$0")/replicas.sh"

work=$(mktemp -d /tmp/ballast-tracing-off.XXXXXX)
cleanup() {
  [ -n "$second_pid" ] && kill "$second_pid" 2>/dev/null || true
  git -C "$here" worktree remove --force "$work/tree" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

git -C "$here" worktree add -q --detach "$work/tree" HEAD
git -C "$work/tree" apply "$here/bench/uninstrumented.patch" || {
  echo "bench/uninstrumented.patch no longer applies to RequestObserver: make it again (take out the span code)" >&2
  exit 2
}
(cd "$work/tree" && mvn -B -q package -DskipTests -pl dist -am)
cp "$work/tree/dist/target/ballast.jar" "$work/uninstrumented.jar"

bench_routes "$work/routes"
second_replica "$work/uninstrumented.jar" "$work/routes" "$work/other.log"
compare_ballast "$work/routes" ballast-uninstrumented=http://127.0.0.1:19084/http/bench -- "$@"
