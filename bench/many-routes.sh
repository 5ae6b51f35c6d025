#!/usr/bin/env bash
# What the size of the routing table costs, in one proxy-compare.sh run (interleaved rounds, so machine drift hits
# every target alike): HAProxy, Ballast with the benchmark's route and 9 others, and Ballast with the same route among
# ROUTES in all (10,000 unless set). The others are what a large swarm has: each its own host, half of them with a
# path prefix of their own, a tenth with a regular expression. The ratio to read is ballast-many / ballast (the
# issue's target: throughput >= 0.95). Same options as dataplane-vs-haproxy.sh; extra arguments go to
# proxy-compare.sh (-d 10 -r 5 -c 50).
set -euo pipefail
source "$(dirname "$0")/replicas.sh"
routes_total=${ROUTES:-10000}

work=$(mktemp -d /tmp/ballast-routes.XXXXXX)
cleanup() {
  [ -n "$second_pid" ] && kill "$second_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# others DIR N: N routes beside the benchmark's, in DIR/others.yaml
others() {
  python3 - "$1/others.yaml" "$2" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as out:
    for i in range(n):
        kind = "Regex" if i % 10 == 9 else "Prefix"
        rule_path = f"^/svc-{i}/v[0-9]+/" if kind == "Regex" else (f"/svc-{i}/" if i % 2 else "/")
        out.write(f"""---
apiVersion: ballast.dev/v1alpha1
kind: Route
metadata:
  name: other-{i}
spec:
  endpoints:
    - address: 127.0.0.1:19001
  rules:
    - hosts: [svc-{i}.example.com]
      paths: ["{rule_path}"]
      pathType: {kind}
""")
PY
}

bench_routes "$work/few"
others "$work/few" 9
bench_routes "$work/many"
others "$work/many" $((routes_total - 1))

second_replica "$here/dist/target/ballast.jar" "$work/many" "$work/many.log"
echo "ballast-many: $(curl -fs http://127.0.0.1:19085/v1/docker-flow-proxy/config | python3 -c \
  'import json, sys; print(len(json.load(sys.stdin)["routes"]))') routes in force"
compare_ballast "$work/few" ballast-many=http://127.0.0.1:19084/http/bench -- "$@"
