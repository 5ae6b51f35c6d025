#!/usr/bin/env bash
# The dataplane's route matching with 10 and 10,000 routes. Extra arguments go to JMH, e.g. `-p routes=100000`.
exec "$(dirname "$0")/jmh.sh" dataplane RouteMatchingBenchmark "$@"
