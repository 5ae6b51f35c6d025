#!/usr/bin/env bash
# The controller's desired-state build for 10,000 services: from scratch, and after one service changed.
# Extra arguments go to JMH, e.g. `-p services=1000` or `-f 3`.
exec "$(dirname "$0")/jmh.sh" controller DesiredStateBenchmark "$@"
