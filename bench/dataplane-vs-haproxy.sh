#!/usr/bin/env bash
# The standalone dataplane against HAProxy and nginx on loopback, through ../shared/bench/proxy-compare.sh: the Docker
# Flow tutorial's route /http/ -> /renamed/ over three backends, with the default balancer (PeakEwma). Options and
# settings: see bench/replicas.sh. Extra arguments go to proxy-compare.sh (-d 10 -r 5 -c 50).
set -euo pipefail
source "$(dirname "$0")/replicas.sh"

routes=$(mktemp -d /tmp/ballast-bench.XXXXXX)
trap 'rm -rf "$routes"' EXIT
bench_routes "$routes"
compare_ballast "$routes" -- "$@"
