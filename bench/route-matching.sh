#!/usr/bin/env bash
# Builds the dataplane's tests and runs the route-matching JMH benchmark (10 and 10,000 routes). Extra arguments go
# to JMH, e.g. `-p routes=100000`.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl dataplane -am install -DskipTests
mvn -B -q -pl dataplane test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench-classpath.txt
cp="dataplane/target/test-classes:dataplane/target/classes:$(cat dataplane/target/bench-classpath.txt)"
exec java -cp "$cp" org.openjdk.jmh.Main RouteMatchingBenchmark "$@"
