#!/usr/bin/env bash
# Measures the server-rendered catalog page against a static file of the same size served by the
# same process in the same run, with wrk: requests per second and latency percentiles.
#   DURATION=20s CONNECTIONS=32 scripts/bench-pages.sh     (after cargo xtask build)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=setup.sh
source "$ROOT/scripts/setup.sh"
command -v wrk >/dev/null || apt_install wrk
DURATION="${DURATION:-20s}" CONNECTIONS="${CONNECTIONS:-32}" THREADS="${THREADS:-2}"
PREFIX="petal_bench_$(date +%s)"
export PETAL_DATABASE_PREFIX="$PREFIX" PETAL_BROKER_PREFIX="$PREFIX" RUST_LOG=warn
export LEPTOS_SITE_ADDR=127.0.0.1:3970 LEPTOS_SITE_ROOT="$ROOT/target/site" PETAL_OPS_PORT=3971
BASE="http://$LEPTOS_SITE_ADDR"

"$ROOT/target/release/petal" >"$ROOT/target/bench-petal.log" 2>&1 &
PETAL=$!
STATIC="$LEPTOS_SITE_ROOT/bench-same-size.html"
cleanup() {
  kill -TERM "$PETAL" 2>/dev/null && wait "$PETAL" 2>/dev/null || true
  rm -f "$STATIC"
  forget_shop "$PREFIX"
}
trap cleanup EXIT
until curl -sf "http://127.0.0.1:$PETAL_OPS_PORT/health/ready" >/dev/null; do sleep 0.2; done
# Wait until the catalog is projected, then copy the page as it is served: same bytes, static.
until curl -s "$BASE/" | grep -q celebration-wreath; do sleep 0.2; done
curl -s -H 'accept-language: ko' "$BASE/" >"$STATIC"
echo "catalog page: $(wc -c <"$STATIC") bytes; static copy: $STATIC"

for target in "/" "/bench-same-size.html"; do
  echo "== $target (wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency)"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H 'accept-language: ko' "$BASE$target" \
    | grep -E "Requests/sec|Transfer/sec|50%|90%|99%|requests in|Non-2xx|Socket errors"
done
echo "petal RSS after the run: $(awk '/VmRSS/ {print $2, $3}' "/proc/$PETAL/status")"
