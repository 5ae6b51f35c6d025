#!/usr/bin/env bash
# Convergence end to end (emulator, controller, replicas on loopback): createService -> 200 on every replica over
# 50 services; task killed -> endpoint gone; dataplane process start -> ready with 1,000 routes.
# Arguments: [services (50)] [routes (1000)]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests
mvn -B -q -pl dist test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench-classpath.txt
cp="dist/target/test-classes:dist/target/classes:$(cat dist/target/bench-classpath.txt)"
exec java -Dlogback.configurationFile=bench/logback-quiet.xml -cp "$cp" \
    dev.ballast.dist.bench.ConvergenceBenchmark dist/target/ballast.jar "$@"
