#!/usr/bin/env bash
# HTTPS through the standalone dataplane against HAProxy and nginx terminating TLS, through
# ../shared/bench/proxy-compare.sh --tls (the same route as dataplane-vs-haproxy.sh; the certificate proxy-compare.sh
# makes, RSA 2048, given to the replica as --certs {CERTDIR}). Extra arguments go to proxy-compare.sh, e.g.
# --new-connections for a full handshake per request. Options and settings: see bench/replicas.sh.
set -euo pipefail
source "$(dirname "$0")/replicas.sh"

routes=$(mktemp -d /tmp/ballast-bench.XXXXXX)
trap 'rm -rf "$routes"' EXIT
bench_routes "$routes"
bash "$compare" --tls "$@" \
  --cmd "$java $options -jar $here/dist/target/ballast.jar dataplane --routes $routes \
         --listen 127.0.0.1:19082 --tls-listen 127.0.0.1:19482 --certs {CERTDIR} --admin-listen 127.0.0.1:19083 \
         --threads $threads" \
  --ready http://127.0.0.1:19083/readyz \
  ballast=https://127.0.0.1:19482/http/bench
