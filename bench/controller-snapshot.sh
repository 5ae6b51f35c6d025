#!/usr/bin/env bash
# Builds the controller's tests and runs the desired-state JMH benchmark (10,000 services; from scratch and after one
# service changed). Extra arguments go to JMH, e.g. `-p services=1000` or `-f 3`.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl controller -am install -DskipTests
mvn -B -q -pl controller test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench-classpath.txt
cp="controller/target/test-classes:controller/target/classes:$(cat controller/target/bench-classpath.txt)"
exec java -cp "$cp" org.openjdk.jmh.Main DesiredStateBenchmark "$@"
