#!/usr/bin/env bash
# The replica as built against the replica of an earlier commit, in one proxy-compare.sh run (interleaved rounds), so
# that a refactoring or an optimisation is judged against what it replaced on the same machine at the same time.
# usage: bench/against-commit.sh COMMIT [proxy-compare.sh arguments, e.g. -d 10 -r 5 --rate 0]
# The ratio to read is ballast / ballast-COMMIT. Needs a git checkout (COMMIT is built in a temporary worktree). Same
# route and options as dataplane-vs-haproxy.sh.
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,6p' "$0" >&2; exit 2; }
source "$(dirname "$0")/replicas.sh"
commit=$(git -C "$here" rev-parse --short "$1")
shift

work=$(mktemp -d /tmp/ballast-against.XXXXXX)
cleanup() {
  [ -n "$second_pid" ] && kill "$second_pid" 2>/dev/null || true
  git -C "$here" worktree remove --force "$work/tree" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

git -C "$here" worktree add -q --detach "$work/tree" "$commit"
(cd "$work/tree" && mvn -B -q package -DskipTests -pl dist -am)
cp "$work/tree/dist/target/ballast.jar" "$work/other.jar"

bench_routes "$work/routes"
second_replica "$work/other.jar" "$work/routes" "$work/other.log"
compare_ballast "$work/routes" "ballast-$commit=http://127.0.0.1:19084/http/bench" -- "$@"
