# Sourced (not run) by the benchmarks that load Ballast beside HAProxy and nginx through
# ../shared/bench/proxy-compare.sh (beside the checkout, or PROXY_COMPARE=FILE). Builds dist/target/ballast.jar if
# missing. JAVA and JAVA_OPTS choose the JVM and its options (GC its collector, -XX:+UseParallelGC unless set); every
# replica gets the heap capped at 256 MiB, as the target is stated, and one traffic loop, as proxy-compare.sh runs
# HAProxy with one thread (nbthread 1): THREADS=N to try others.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
compare=${PROXY_COMPARE:-$here/../shared/bench/proxy-compare.sh}
[ -f "$compare" ] || { echo "no proxy-compare.sh at $compare (set PROXY_COMPARE)" >&2; exit 2; }
[ -f "$here/dist/target/ballast.jar" ] || (cd "$here" && mvn -B -q package -DskipTests)
java=${JAVA:-java}
threads=${THREADS:-1}
options="-Xmx256m ${GC:--XX:+UseParallelGC} ${JAVA_OPTS:-}"

# bench_routes DIR: the tutorial's route (/http/ -> /renamed/ over the three backends) as DIR/http.yaml.
bench_routes() {
  mkdir -p "$1"
  cp "$here/bench/proxy-compare-route.yaml" "$1/http.yaml"
}

# second_replica JAR ROUTES LOG: another replica of JAR on 127.0.0.1:19084 (admin 19085), in the background for the
# whole run (idle while the others are loaded), its pid in second_pid; returns once it is ready. Variables set on the
# call (VAR=… second_replica …) are its environment. It runs in a session of its own, as proxy-compare.sh runs the
# --cmd replica (setsid) and as HAProxy and nginx run once daemonized: with the kernel's autogroup scheduling (on by
# default), a process left in this script's session shares one CPU share with wrk, which slows it against the others.
second_pid=""
second_replica() {
  setsid $java $options -jar "$1" dataplane --routes "$2" --listen 127.0.0.1:19084 --admin-listen 127.0.0.1:19085 \
    --threads "$threads" >"$3" 2>&1 &
  second_pid=$!
  for _ in $(seq 1 100); do curl -fs -o /dev/null http://127.0.0.1:19085/readyz && return 0; sleep 0.2; done
  echo "the second replica is not ready after 20 s; its log, $3:" >&2
  tail -20 "$3" >&2
  exit 1
}

# compare_ballast ROUTES [NAME=URL…] -- [proxy-compare.sh arguments]: the replica as built (127.0.0.1:19082, admin
# 19083, target "ballast") and any other targets, in one proxy-compare.sh run.
compare_ballast() {
  local routes=$1 targets=()
  shift
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do targets+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  bash "$compare" "$@" \
    --cmd "$java $options -jar $here/dist/target/ballast.jar dataplane --routes $routes \
           --listen 127.0.0.1:19082 --admin-listen 127.0.0.1:19083 --threads $threads" \
    --ready http://127.0.0.1:19083/readyz \
    ballast=http://127.0.0.1:19082/http/bench "${targets[@]}"
}
