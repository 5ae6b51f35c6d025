#!/usr/bin/env bash
# Runs a JMH benchmark that lives in a module's test sources: bench/jmh.sh MODULE BENCHMARK [JMH arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
module=$1 benchmark=$2
shift 2
mvn -B -q -pl "$module" -am install -DskipTests
mvn -B -q -pl "$module" test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench-classpath.txt
cp="$module/target/test-classes:$module/target/classes:$(cat "$module/target/bench-classpath.txt")"
exec java -cp "$cp" org.openjdk.jmh.Main "$benchmark" "$@"
